/**
 * The one place that opens IMAP connections: TLS, the clear-text rule and the sign-in (a password,
 * or OAuth2 with one forced token refresh), for the mailbox opener and for `hwc doctor` alike.
 */
import { ImapFlow } from 'imapflow';
import { MailboxError } from '../core/errors.js';
import { requiresStartTls } from '../core/loopback.js';
import { OAuth2Error, type AccessTokenSource } from './oauth2-token.js';

export type { ImapFlow };

export interface ImapServerSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  ca?: string;
  rejectUnauthorized: boolean;
  /** Per-connection socket budget; the check's own watchdog bounds the whole run. */
  timeoutMs?: number;
}

/** OAuth2 sign-in: where tokens come from, and what to tell the admin when the server refuses one. */
export interface ImapOAuth2 {
  tokens: AccessTokenSource;
  refusalHint: string;
}

/** Exactly one of a password and OAuth2 (SASL XOAUTH2 or OAUTHBEARER, RFC 7628). */
export type ImapSettings = ImapServerSettings &
  ({ pass: string; oauth2?: undefined } | { oauth2: ImapOAuth2; pass?: undefined });

type ImapAuth = { user: string; pass: string } | { user: string; accessToken: string };

/** The `code` of a connection or login failure, for the log line and the exit code. */
export function imapFailureCode(err: unknown): string {
  const e = err as { authenticationFailed?: boolean; code?: string } | undefined;
  // imapflow reports a refused login as a plain Error with authenticationFailed set.
  if (e?.authenticationFailed) return 'IMAP_AUTH_FAILED';
  if (typeof e?.code === 'string') return `IMAP_${e.code}`;
  return 'IMAP_ERROR';
}

function clientFor(settings: ImapServerSettings, auth: ImapAuth): ImapFlow {
  return new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    // Credentials must never cross a network in clear text.
    doSTARTTLS: requiresStartTls(settings) ? true : undefined,
    auth,
    tls: {
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(settings.ca ? { ca: [settings.ca] } : {}),
    },
    // imapflow's own logger prints the mailbox user and server replies: keep it off.
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: settings.timeoutMs ?? 30_000,
    greetingTimeout: settings.timeoutMs ?? 30_000,
    socketTimeout: settings.timeoutMs ?? 60_000,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

export interface ImapConnectOptions {
  /** Called with each client before it connects, so that a watchdog can close it. */
  onClient?: (client: ImapFlow) => void;
}

/**
 * A client that is connected and signed in. A failure to connect or a refused password is a
 * MailboxError; a token that cannot be had, or that the server refuses even when fresh, is an
 * OAuth2Error whose message names the fix.
 */
export async function connectImap(
  settings: ImapSettings,
  options: ImapConnectOptions = {},
): Promise<ImapFlow> {
  const { user, oauth2 } = settings;
  if (oauth2 === undefined) return connectWith(settings, { user, pass: settings.pass }, options);
  try {
    return await connectWith(settings, { user, accessToken: await oauth2.tokens.token() }, options);
  } catch (err) {
    if (!(err instanceof MailboxError) || err.code !== 'IMAP_AUTH_FAILED') throw err;
  }
  // A token can lose its permission or be revoked before it expires: fetch a fresh one, once.
  const token = await oauth2.tokens.token({ forceRefresh: true });
  try {
    return await connectWith(settings, { user, accessToken: token }, options);
  } catch (err) {
    if (!(err instanceof MailboxError) || err.code !== 'IMAP_AUTH_FAILED') throw err;
    throw new OAuth2Error(
      'IMAP_OAUTH2_REFUSED',
      `IMAP refused the OAuth2 token for the mailbox in imap.auth.user; ${oauth2.refusalHint}`,
      true,
    );
  }
}

async function connectWith(
  settings: ImapServerSettings,
  auth: ImapAuth,
  options: ImapConnectOptions,
): Promise<ImapFlow> {
  const client = clientFor(settings, auth);
  options.onClient?.(client);
  let lastError: unknown;
  // The error listener must exist before connect(), or a socket error would crash the process.
  client.on('error', (err: unknown) => {
    lastError = err;
  });
  try {
    await client.connect();
  } catch (err) {
    const code = imapFailureCode(err ?? lastError);
    throw new MailboxError(
      code,
      code === 'IMAP_AUTH_FAILED'
        ? 'IMAP server refused the login; check imap.auth'
        : 'IMAP server could not be reached; check imap.host and imap.port',
    );
  }
  return client;
}
