/**
 * OAuth2 access tokens (RFC 6749) for XOAUTH2/OAUTHBEARER sign-in to IMAP and SMTP.
 *
 * Tokens live in memory only, in a private field: never logged, never written to disk, never part
 * of an error message. A token is fetched when first needed and again shortly before it expires;
 * a token that the mail server refused is fetched once more (`token({ forceRefresh: true })`)
 * before the sign-in is reported as failed.
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { ResolvedOAuth2Config, Secret } from '../config/schema.js';
import {
  GOOGLE_TOKEN_URL,
  parseServiceAccountKey,
  type ServiceAccountKey,
} from '../config/service-account-key.js';
import { HwcError } from '../core/errors.js';

export const MICROSOFT_SCOPE = 'https://outlook.office365.com/.default';
export const GOOGLE_SCOPE = 'https://mail.google.com/';

/** Hands out a valid access token; what the IMAP and SMTP adapters see of OAuth2. */
export interface AccessTokenSource {
  token(options?: { forceRefresh?: boolean }): Promise<string>;
}

/**
 * A failed token request, or a token the mail server refused. The message names the config key and
 * the fix, never the token or a secret. `permanent` errors are not retried with backoff: asking
 * again will not change the answer until an admin acts.
 */
export class OAuth2Error extends HwcError {
  constructor(
    code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(code, message);
  }
}

export interface OAuth2TokenProviderOptions {
  /** The config key, such as `imap.auth.oauth2`, for messages. */
  key: string;
  /** The mailbox (`auth.user`); the `sub` of a Google service account's assertion. */
  user: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; a test clock in unit tests. */
  now?: () => number;
  timeoutMs?: number;
}

interface CachedToken {
  value: string;
  refreshAt: number;
}

/** Lifetime assumed when the server does not say (expires_in is only RECOMMENDED, RFC 6749 5.1). */
const DEFAULT_LIFETIME_S = 300;

export class OAuth2TokenProvider implements AccessTokenSource {
  #cached: CachedToken | undefined;
  #pending: Promise<string> | undefined;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(
    private readonly config: ResolvedOAuth2Config,
    private readonly options: OAuth2TokenProviderOptions,
  ) {
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  async token(options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh) this.#cached = undefined;
    const cached = this.#cached;
    if (cached && this.#now() < cached.refreshAt) return cached.value;
    // One request at a time: IMAP and SMTP asking together share it.
    this.#pending ??= this.#fetchToken().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetchToken(): Promise<string> {
    const { url, body } = this.#request();
    const requestedAt = this.#now();
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(body).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch {
      throw new OAuth2Error(
        'OAUTH2_UNREACHABLE',
        `the OAuth2 token endpoint could not be reached; check the network and ${this.#endpointKey()}`,
        false,
      );
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      json = undefined;
    }
    const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    if (!response.ok) throw this.#refusal(response.status, fields['error']);
    const accessToken = fields['access_token'];
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new OAuth2Error(
        'OAUTH2_BAD_RESPONSE',
        `the OAuth2 token endpoint answered without an access token; check ${this.#endpointKey()}`,
        false,
      );
    }
    const expiresIn = Number(fields['expires_in']);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S) * 1000;
    // Renew when less than 60 s or 10% of the lifetime is left, whichever comes later, so that
    // a token never expires between the check for it and the server's check of it.
    const margin = Math.min(60_000, lifetimeMs / 10);
    this.#cached = { value: accessToken, refreshAt: requestedAt + lifetimeMs - margin };
    return accessToken;
  }

  #request(): { url: string; body: Record<string, string> } {
    const c = this.config;
    switch (c.kind) {
      case 'microsoft':
        // App-only access (client credentials, RFC 6749 4.4); `.default` asks for the application
        // permissions that the tenant's admin consented to (IMAP.AccessAsApp, SMTP.SendAsApp).
        return {
          url: `https://login.microsoftonline.com/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`,
          body: {
            grant_type: 'client_credentials',
            client_id: c.clientId,
            client_secret: c.clientSecret.reveal(),
            scope: MICROSOFT_SCOPE,
          },
        };
      case 'client-credentials':
        return {
          url: c.tokenUrl,
          body: {
            grant_type: 'client_credentials',
            client_id: c.clientId,
            client_secret: c.clientSecret.reveal(),
            scope: c.scope,
          },
        };
      case 'google-refresh-token':
        return {
          url: c.tokenUrl ?? GOOGLE_TOKEN_URL,
          body: {
            grant_type: 'refresh_token',
            client_id: c.clientId,
            client_secret: c.clientSecret.reveal(),
            refresh_token: c.refreshToken.reveal(),
          },
        };
      case 'google-service-account': {
        const key = serviceAccountKey(c.serviceAccountKey, this.options.key);
        return {
          url: key.tokenUri,
          body: {
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: signAssertion(key, this.options.user, Math.floor(this.#now() / 1000)),
          },
        };
      }
    }
  }

  #endpointKey(): string {
    const k = this.options.key;
    switch (this.config.kind) {
      case 'microsoft':
        return `${k}.tenantId`;
      case 'client-credentials':
        return `${k}.tokenUrl`;
      case 'google-refresh-token':
        return this.config.tokenUrl === undefined ? `${k} (Google's token endpoint)` : `${k}.tokenUrl`;
      default:
        return `${k} (Google's token endpoint)`;
    }
  }

  /** Maps an RFC 6749 5.2 error response to a message that names the key and the fix. */
  #refusal(status: number, error: unknown): OAuth2Error {
    const k = this.options.key;
    // The error code is a fixed ASCII token (RFC 6749 5.2); anything else is not repeated.
    const code =
      typeof error === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,40}$/.test(error) ? error : '';
    const said = code ? ` (${code})` : ` (HTTP ${status})`;
    if (code === 'unauthorized_client' && this.config.kind === 'google-service-account') {
      // Google's answer when domain-wide delegation lacks the service account's client ID or the scope.
      return new OAuth2Error(
        'OAUTH2_CLIENT_REFUSED',
        `the OAuth2 token endpoint refused the client${said}; in the Google Admin console, allow domain-wide delegation for the service account's client ID with the scope ${GOOGLE_SCOPE}`,
        true,
      );
    }
    if (code === 'invalid_client' || code === 'unauthorized_client' || status === 401) {
      const fix =
        this.config.kind === 'google-service-account'
          ? `check that the service account and its key in ${k}.serviceAccountKey still exist`
          : `check ${k}.clientId and ${k}.clientSecret, and that the app and its client secret still exist and have not expired`;
      return new OAuth2Error(
        'OAUTH2_CLIENT_REFUSED',
        `the OAuth2 token endpoint refused the client${said}; ${fix}`,
        true,
      );
    }
    if (code === 'invalid_grant') {
      const fix =
        this.config.kind === 'google-refresh-token'
          ? `the refresh token in ${k}.refreshToken was revoked or has expired; create a new one`
          : this.config.kind === 'google-service-account'
            ? // Google's answer to a deleted key ("Invalid JWT Signature"), a clock that is off or a
              // mailbox that does not exist.
              `check that the key in ${k}.serviceAccountKey has not been deleted (Google Cloud console, the service account's Keys), that the mailbox in ${k.replace(/\.oauth2$/, '.user')} exists, and that this machine's clock is right`
            : `check ${k}`;
      return new OAuth2Error(
        'OAUTH2_GRANT_REFUSED',
        `the OAuth2 token endpoint refused the grant${said}; ${fix}`,
        true,
      );
    }
    if (code === 'invalid_scope' || code === 'unauthorized_scope') {
      return new OAuth2Error(
        'OAUTH2_SCOPE_REFUSED',
        `the OAuth2 token endpoint refused the scope${said}; ${this.config.kind === 'client-credentials' ? `check ${k}.scope` : 'grant the app access to mail (see "OAuth2 sign-in" in the README)'}`,
        true,
      );
    }
    if (status === 400 && this.config.kind === 'microsoft') {
      return new OAuth2Error(
        'OAUTH2_REFUSED',
        `the OAuth2 token endpoint refused the request${said}; check ${k}.tenantId and ${k}.clientId`,
        true,
      );
    }
    return new OAuth2Error(
      status >= 500 ? 'OAUTH2_SERVER_ERROR' : 'OAUTH2_REFUSED',
      `the OAuth2 token endpoint refused the request${said}; check ${k}`,
      status < 500 && status !== 429,
    );
  }
}

function serviceAccountKey(secret: Secret, key: string): ServiceAccountKey {
  let parsed: ServiceAccountKey | string;
  try {
    parsed = parseServiceAccountKey(JSON.parse(secret.reveal()));
  } catch {
    parsed = 'not JSON';
  }
  // loadConfig has checked the key already; checked again so that this stands on its own.
  if (typeof parsed === 'string') {
    throw new OAuth2Error('OAUTH2_BAD_KEY', `${key}.serviceAccountKey: ${parsed}`, true);
  }
  return parsed;
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/**
 * The JWT assertion of a service account with domain-wide delegation (RFC 7523 2.1, RFC 7519),
 * signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 3.3); `sub` is the mailbox to act as.
 */
export function signAssertion(key: ServiceAccountKey, user: string, nowSeconds: number): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = {
    iss: key.clientEmail,
    sub: user,
    scope: GOOGLE_SCOPE,
    aud: key.tokenUri,
    iat: nowSeconds,
    // Google accepts at most one hour.
    exp: nowSeconds + 3600,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey(key.privateKey));
  return `${input}.${base64url(signature)}`;
}

/** The permission a mail server needs when it refuses a token, per provider, for the error message. */
export function oauth2RefusalHint(
  config: ResolvedOAuth2Config,
  protocol: 'IMAP' | 'SMTP',
  key: string,
): string {
  switch (config.kind) {
    case 'microsoft':
      return protocol === 'IMAP'
        ? `grant the app IMAP.AccessAsApp (with admin consent), register its service principal (New-ServicePrincipal) and give it FullAccess to this mailbox (Add-MailboxPermission); see "OAuth2 sign-in" in the README`
        : `grant the app SMTP.SendAsApp (with admin consent), give its service principal SendAs on this mailbox (Add-RecipientPermission), and check that SMTP AUTH is enabled for the mailbox; see "OAuth2 sign-in" in the README`;
    case 'google-service-account':
    case 'google-refresh-token':
      return `check that the token is for the mailbox in ${key.replace(/\.oauth2$/, '.user')}, with the scope ${GOOGLE_SCOPE}, and that ${protocol} is enabled for it in the Google Admin console; see "OAuth2 sign-in" in the README`;
    case 'client-credentials':
      return `check that the app may use ${protocol} for the mailbox in ${key.replace(/\.oauth2$/, '.user')} and that ${key}.scope grants mail access`;
  }
}
