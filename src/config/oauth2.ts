/**
 * `auth.oauth2`: which kind of sign-in a mapping asks for, and the keys that kind needs.
 * Hand-parsed rather than a zod union, so that each message names the one key that is wrong and
 * what this kind of sign-in needs; the shapes are in OAUTH2_SHAPES.
 */
import * as z from 'zod';
import { kindOf, show, unknownKeyMessage } from './errors.js';
import { isPlainObject, type Fail } from './fields.js';
import { oauth2SecretSchemas, SECRET_FORMS, type OAuth2SecretKey } from './secret-ref.js';
import type { OAuth2Config, SecretRef } from './types.js';
import { isLoopbackUrl } from '../core/loopback.js';
import { isGoogleOrLoopbackTokenUrl } from './service-account-key.js';

const OAUTH2_FORMS =
  '{ provider: microsoft, tenantId, clientId, clientSecret }, { provider: google, serviceAccountKey }, { provider: google, clientId, clientSecret, refreshToken } or { tokenUrl, clientId, clientSecret, scope }';

/** The keys that each kind of `oauth2` mapping takes, for "unknown key" and "missing" messages. */
const OAUTH2_SHAPES = {
  microsoft: ['provider', 'tenantId', 'clientId', 'clientSecret'],
  'google-service-account': ['provider', 'serviceAccountKey'],
  'google-refresh-token': ['provider', 'clientId', 'clientSecret', 'refreshToken', 'tokenUrl'],
  'client-credentials': ['tokenUrl', 'clientId', 'clientSecret', 'scope'],
} as const;

type OAuth2Kind = keyof typeof OAUTH2_SHAPES;

/** Reads the keys of one `oauth2` mapping; each problem is reported at its key and read as empty. */
interface OAuth2Fields {
  value: Record<string, unknown>;
  fail: Fail;
  text(key: string, expected: string, missing: string): string;
  secret(key: OAuth2SecretKey, missing: string): SecretRef;
  clientId(where: string): string;
}

function oauth2Fields(value: Record<string, unknown>, fail: Fail): OAuth2Fields {
  const text = (key: string, expected: string, missing: string): string => {
    const v = value[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    fail(v === undefined ? `missing; ${missing}` : `expected ${expected}, got ${show(v)}`, [key]);
    return '';
  };
  const secret = (key: OAuth2SecretKey, missing: string): SecretRef => {
    if (value[key] === undefined) {
      fail(`missing; ${missing}`, [key]);
      return { env: '' };
    }
    const parsed = oauth2SecretSchemas[key].safeParse(value[key]);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) fail(issue.message, [key, ...issue.path]);
    return { env: '' };
  };
  const clientId = (where: string) =>
    text('clientId', 'the application (client) ID', `add clientId: the application (client) ID ${where}`);
  return { value, fail, text, secret, clientId };
}

/** The kind of sign-in that `provider` (and, for Google, the keys given) asks for. */
function oauth2Kind(value: Record<string, unknown>, fail: Fail): OAuth2Kind | undefined {
  const provider = value['provider'];
  if (provider === undefined) return 'client-credentials';
  if (provider === 'microsoft') return 'microsoft';
  if (provider === 'google') {
    return 'serviceAccountKey' in value ? 'google-service-account' : 'google-refresh-token';
  }
  fail(
    `expected microsoft or google, got ${show(provider)}; for another provider remove provider: and give tokenUrl, clientId, clientSecret and scope`,
    ['provider'],
  );
  return undefined;
}

function reportUnknownKeys(value: Record<string, unknown>, kind: OAuth2Kind, fail: Fail): void {
  const shape: readonly string[] = OAUTH2_SHAPES[kind];
  for (const key of Object.keys(value)) {
    if (!shape.includes(key)) {
      const hint =
        kind === 'google-service-account' && key === 'tokenUrl'
          ? `unknown key with serviceAccountKey; the key's "token_uri" names the token endpoint`
          : kind === 'google-service-account' && OAUTH2_SHAPES['google-refresh-token'].includes(key as never)
            ? 'unknown key with serviceAccountKey; give either serviceAccountKey, or clientId, clientSecret and refreshToken'
            : unknownKeyMessage(key, shape);
      fail(hint, [key]);
    }
  }
}

function microsoft(f: OAuth2Fields): OAuth2Config {
  const tenantId = f.text(
    'tenantId',
    'the directory (tenant) ID, a GUID, or the tenant domain such as school.onmicrosoft.com',
    'add tenantId: the directory (tenant) ID from the app registration in Entra ID',
  );
  if (tenantId !== '' && !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
    f.fail(
      `expected the directory (tenant) ID, a GUID, or the tenant domain such as school.onmicrosoft.com, got ${show(tenantId)}`,
      ['tenantId'],
    );
  }
  return {
    kind: 'microsoft',
    tenantId,
    clientId: f.clientId('from the app registration in Entra ID'),
    clientSecret: f.secret(
      'clientSecret',
      `add clientSecret: ${SECRET_FORMS}, the client secret of the app registration`,
    ),
  };
}

function googleServiceAccount(f: OAuth2Fields): OAuth2Config {
  return {
    kind: 'google-service-account',
    serviceAccountKey: f.secret(
      'serviceAccountKey',
      `add serviceAccountKey: { file: /path/key.json }, the service account's JSON key`,
    ),
  };
}

function googleRefreshToken(f: OAuth2Fields): OAuth2Config {
  // The client secret and the refresh token go to this URL: the same rule as a service
  // account key's token_uri.
  const expected = "Google's token endpoint (the default; leave tokenUrl out) or a loopback URL";
  const tokenUrl = f.value['tokenUrl'] === undefined ? undefined : f.text('tokenUrl', expected, '');
  if (tokenUrl && !isGoogleOrLoopbackTokenUrl(tokenUrl)) {
    f.fail(`expected ${expected}, got ${show(tokenUrl)}`, ['tokenUrl']);
  }
  return {
    kind: 'google-refresh-token',
    clientId: f.clientId('of the OAuth client in Google Cloud'),
    clientSecret: f.secret('clientSecret', `add clientSecret: ${SECRET_FORMS}, the OAuth client's secret`),
    refreshToken: f.secret(
      'refreshToken',
      `add refreshToken: ${SECRET_FORMS}, or use serviceAccountKey: for a service account with domain-wide delegation`,
    ),
    ...(tokenUrl ? { tokenUrl } : {}),
  };
}

/** An https:// URL, or http:// to loopback only. */
function checkTokenUrl(tokenUrl: string, fail: Fail): void {
  let url: URL | undefined;
  try {
    url = new URL(tokenUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail(`expected the https:// URL of the token endpoint, got ${show(tokenUrl)}`, ['tokenUrl']);
  } else if (url.protocol === 'http:' && !isLoopbackUrl(url)) {
    // The client secret travels in the request body (RFC 6749 2.3.1): never in clear text.
    fail(
      `expected an https:// URL, got ${show(tokenUrl)}; the client secret must not cross a network in clear text`,
      ['tokenUrl'],
    );
  }
}

function clientCredentials(f: OAuth2Fields): OAuth2Config {
  const tokenUrl = f.text(
    'tokenUrl',
    'the https:// URL of the token endpoint',
    `add tokenUrl: the https:// URL of the provider's token endpoint, or provider: microsoft or google`,
  );
  if (tokenUrl !== '') checkTokenUrl(tokenUrl, f.fail);
  return {
    kind: 'client-credentials',
    tokenUrl,
    clientId: f.clientId('that the provider gave this program'),
    clientSecret: f.secret('clientSecret', `add clientSecret: ${SECRET_FORMS}, the client secret`),
    scope: f.text(
      'scope',
      'the scope of mail access, such as https://outlook.office365.com/.default',
      'add scope: the scope that grants IMAP and SMTP access, as the provider documents it',
    ),
  };
}

const READERS: Record<OAuth2Kind, (f: OAuth2Fields) => OAuth2Config> = {
  microsoft,
  'google-service-account': googleServiceAccount,
  'google-refresh-token': googleRefreshToken,
  'client-credentials': clientCredentials,
};

/** `auth.oauth2`. */
export const oauth2Schema = z
  .unknown()
  .optional()
  .transform((value, ctx): OAuth2Config => {
    let failed = false;
    const fail: Fail = (message, path = []) => {
      failed = true;
      ctx.addIssue({ code: 'custom', message, path });
    };
    if (value === undefined) {
      fail(`missing; add oauth2: ${OAUTH2_FORMS}`);
      return z.NEVER;
    }
    if (!isPlainObject(value)) {
      fail(`expected a mapping, one of ${OAUTH2_FORMS}, got ${kindOf(value)}`);
      return z.NEVER;
    }
    const kind = oauth2Kind(value, fail);
    if (kind === undefined) return z.NEVER;
    reportUnknownKeys(value, kind, fail);
    const out = READERS[kind](oauth2Fields(value, fail));
    return failed ? z.NEVER : out;
  });
