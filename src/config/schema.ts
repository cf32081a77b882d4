/**
 * The configuration schema (zod 4) and the types that the rest of the program sees.
 *
 * Every schema carries its own error function so that each message reads
 * `expected …, got …` or `missing; <fix>`; parse-config.ts adds the key path in front.
 * Values are shown in messages, except anything under `*.auth.pass`, which is only
 * ever described by its kind ("a text"), never by its content.
 */
import { inspect } from 'node:util';
import * as z from 'zod';
import { kindOf, show, unknownKeyMessage } from './errors.js';
import { REGIONS, type Region } from '../core/holidays-nl.js';
import type { ClosedDays } from '../core/schedule.js';
import { isLoopbackUrl } from '../core/loopback.js';
import { isGoogleOrLoopbackTokenUrl } from './service-account-key.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type NotifyMode = 'both' | 'escalate';

/**
 * A resolved secret. The value sits in an ES private field, so it is not enumerable,
 * not copied by spread or structuredClone, and JSON.stringify, String() and
 * util.inspect (hence pino and console.log) all print `[secret]`. Call `reveal()`
 * only at the point where the value is handed to imapflow or nodemailer.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [inspect.custom](): string {
    return '[secret]';
  }
}

/** Where a password comes from. `plaintext` exists only with `allowPlaintextPassword: true`. */
export type SecretRef = { env: string } | { file: string } | { credential: string } | { plaintext: Secret };

export interface TlsConfig {
  rejectUnauthorized: boolean;
  /** Path of a PEM file with the CA certificate(s), as written; absolute after loadConfig. */
  caFile?: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** true: implicit TLS; false: plain, upgraded with STARTTLS when the server offers it. */
  secure: boolean;
  tls: TlsConfig;
  auth: ServerAuth<SecretRef>;
}

/**
 * How hwc-watcher obtains an OAuth2 access token (RFC 6749) for XOAUTH2/OAUTHBEARER sign-in.
 * `S` is where a secret comes from (SecretRef) or, after loadConfig, the secret itself (Secret).
 */
export type OAuth2Of<S> =
  /** Microsoft 365, app-only: client credentials (RFC 6749 4.4) against Entra ID. */
  | { kind: 'microsoft'; tenantId: string; clientId: string; clientSecret: S }
  /** Google Workspace, a service account with domain-wide delegation: JWT bearer grant (RFC 7523). */
  | { kind: 'google-service-account'; serviceAccountKey: S }
  /** Google, a stored refresh token (RFC 6749 6); `tokenUrl` only for a loopback proxy or tests. */
  | { kind: 'google-refresh-token'; clientId: string; clientSecret: S; refreshToken: S; tokenUrl?: string }
  /** Any other provider: client credentials against its token endpoint. */
  | { kind: 'client-credentials'; tokenUrl: string; clientId: string; clientSecret: S; scope: string };

export type OAuth2Config = OAuth2Of<SecretRef>;
export type ResolvedOAuth2Config = OAuth2Of<Secret>;

/** Exactly one of a password and an OAuth2 sign-in. */
export type ServerAuth<S> =
  { user: string; pass: S; oauth2?: undefined } | { user: string; oauth2: OAuth2Of<S>; pass?: undefined };

export interface DateRange {
  /** ISO date YYYY-MM-DD, inclusive. */
  from: string;
  /** ISO date YYYY-MM-DD, inclusive; equal to `from` for a single day. */
  to: string;
}

export interface Contact {
  name: string;
  email: string;
  absent: DateRange[];
}

export interface MailAddress {
  name?: string;
  address: string;
}

export interface Schedule {
  /** HH:MM, unique and sorted. */
  checks: string[];
  /** Unique, in week order. */
  days: Weekday[];
  /** HH:MM. */
  deadline: string;
  /**
   * The school calendar: the holidays of a region (src/core/holidays-nl.ts) and days the school
   * chose; `open` holds days that the table calls a school holiday on which this school has lessons.
   */
  holidays?: { region?: Region; closed: DateRange[]; open?: DateRange[] };
  /** Closed days that fall on `days`: one check at the first time (`acknowledge`), or none (`ignore`). */
  closedDays?: ClosedDays;
}

export interface Config {
  school: string;
  timezone: string;
  imap: ServerConfig;
  smtp: ServerConfig;
  from: MailAddress;
  /** Lower-cased; `@domain` or an exact address. */
  senders: string[];
  trustedAuthservId?: string;
  contacts: { primary: Contact; backup: Contact };
  notify: NotifyMode;
  schedule: Schedule;
  escalateAfterMs: number;
  purgeAfterMs: number;
  checkTimeoutMs: number;
  maxMessageBytes: number;
  /** As written in the file; loadConfig makes it absolute against the config file's directory. */
  storage: string;
  auditKeepDays: number;
}

export interface ResolvedTlsConfig extends TlsConfig {
  /** PEM content of `caFile`. */
  ca?: string;
}

export interface ResolvedServerConfig extends Omit<ServerConfig, 'tls' | 'auth'> {
  tls: ResolvedTlsConfig;
  auth: ServerAuth<Secret>;
}

export interface ResolvedConfig extends Omit<Config, 'imap' | 'smtp'> {
  imap: ResolvedServerConfig;
  smtp: ResolvedServerConfig;
}

export const DEFAULTS = {
  notify: 'escalate',
  deadline: '08:15',
  purgeAfter: '8h',
  checkTimeout: '5m',
  maxMessageBytes: 5 * 1024 * 1024,
  auditKeep: '2y',
} as const;

// ---------------------------------------------------------------------------
// Message helpers

interface IssueLike {
  readonly input?: unknown;
}

/** One error function for all issues of a schema: type errors and failed checks read the same. */
function expecting(expected: string, missing: string, render: (value: unknown) => string = show) {
  return (issue: IssueLike): string =>
    issue.input === undefined ? `missing; ${missing}` : `expected ${expected}, got ${render(issue.input)}`;
}

type Fail = (message: string, path?: PropertyKey[]) => void;

type Presence<T> = { missing: string } | { default: T };

/**
 * A field with a hand-written parser, for formats that zod has no primitive for.
 * `parse` returns undefined to reject; if it did not call `fail`, the generic
 * `expected …, got …` message is used.
 */
function field<T>(
  expected: string,
  presence: Presence<T>,
  parse: (value: unknown, fail: Fail) => T | undefined,
) {
  // `.optional()` first: zod 4 skips an absent key unless the schema declares itself optional,
  // and this transform must run for an absent key to apply the default or say what is missing.
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T => {
      if (value === undefined) {
        if ('default' in presence) return presence.default;
        ctx.addIssue({ code: 'custom', message: `missing; ${presence.missing}` });
        return z.NEVER;
      }
      let failed = false;
      const fail: Fail = (message, path) => {
        failed = true;
        ctx.addIssue({ code: 'custom', message, ...(path ? { path } : {}) });
      };
      const out = parse(value, fail);
      if (out === undefined) {
        if (!failed) ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(value)}` });
        return z.NEVER;
      }
      return out;
    });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Value formats (exported for tests and for cross-field checks)

/** Loose but useful: one @, no spaces or brackets, and a dot inside the domain. */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@<>()[\]\\,;:"]+@(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]+$/.test(text);
}

function isDomain(text: string): boolean {
  return /^(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]+$/.test(text);
}

export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `20m`, `90s`, `1h30m` → milliseconds; undefined if the text is not such a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.replace(/\s+/g, ''));
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** `730d`, `2y`, `1y30d` → days (a year counts as 365 days). */
export function parseDurationDays(text: string): number | undefined {
  const m = /^(?:(\d+)y)?(?:(\d+)d)?$/.exec(text.replace(/\s+/g, ''));
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 365 + Number(m[2] ?? 0);
}

/** `5MB`, `500KB`, `1.5 MB`, `2048` → bytes; binary units (1 KB = 1024 bytes). */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.round(Number(m[1]) * factor);
}

/** `7:05` or `07:05` → `07:05`. */
export function parseClockTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (h > 23 || min > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/** `Name <addr>`, `"Name" <addr>`, `<addr>` or `addr`. */
export function parseMailAddress(text: string): MailAddress | undefined {
  const m = /^(?:(.*?)\s*<([^<>]*)>|([^<>]*))$/.exec(text.trim());
  if (!m) return undefined;
  const address = (m[2] ?? m[3] ?? '').trim();
  if (!isEmailAddress(address)) return undefined;
  const name = (m[1] ?? '')
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim();
  return name === '' ? { address } : { name, address };
}

// ---------------------------------------------------------------------------
// Field schemas

function text(expected: string, missing: string) {
  const error = expecting(expected, missing);
  return z.string({ error }).trim().min(1, { error });
}

function bool(missing: string) {
  return z.boolean({ error: expecting('true or false', missing) });
}

function durationMs(example: string, presence: Presence<number>) {
  const expected = `a duration such as ${example} (h, m and s; e.g. 1h30m)`;
  return field(expected, presence, (value, fail) => {
    if (typeof value === 'number') {
      fail(`expected ${expected}, got ${value}; add a unit, e.g. ${value}m`);
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    if (/^\s*-/.test(value)) {
      fail(`expected a duration longer than zero, got ${show(value)}`);
      return undefined;
    }
    const ms = parseDurationMs(value);
    if (ms === 0) fail(`expected a duration longer than zero, got ${show(value)}`);
    return ms === 0 ? undefined : ms;
  });
}

const host = (server: 'IMAP' | 'SMTP') => {
  const expected = `the ${server} server's host name, such as ${server.toLowerCase()}.example.nl`;
  return field(expected, { missing: `add the ${server} server's host name` }, (value, fail) => {
    if (typeof value !== 'string') return undefined;
    const h = value.trim();
    if (h.includes('://')) {
      fail(`expected only the host name, got ${show(h)}; remove "${h.split('://')[0]}://"`);
      return undefined;
    }
    if (/^[^:]+:\d+$/.test(h)) {
      fail(`expected only the host name, got ${show(h)}; put the port number under port:`);
      return undefined;
    }
    return h !== '' && !/[\s/@]/.test(h) ? h : undefined;
  });
};

const port = (usual: string) =>
  z
    .int({ error: expecting('a number between 1 and 65535', `add the port, usually ${usual}`) })
    .min(1, { error: expecting('a number between 1 and 65535', '') })
    .max(65535, { error: expecting('a number between 1 and 65535', '') });

const tls = () =>
  z
    .strictObject(
      {
        rejectUnauthorized: bool('').optional(),
        ca: text('the path of a PEM file with the CA certificate', '').optional(),
      },
      { error: expecting('a mapping such as { rejectUnauthorized: true }', '') },
    )
    .optional()
    .transform((t): TlsConfig => ({
      rejectUnauthorized: t?.rejectUnauthorized ?? true,
      ...(t?.ca !== undefined ? { caFile: t.ca } : {}),
    }));

const SECRET_FORMS = '{ env: NAME }, { file: PATH } or { credential: NAME }';
const SECRET_KEYS = ['env', 'file', 'credential'] as const;

/**
 * A secret by reference: `pass`, and the OAuth2 secrets. Its value is never echoed in a message:
 * only its kind is named. A plain string is accepted here as `{ plaintext }`; parseConfig refuses
 * it unless `allowPlaintextPassword: true`, because that rule spans two keys.
 */
function secretRef(key: string, what: string, example: string) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): SecretRef => {
      const issue = (message: string, path?: PropertyKey[]) => {
        ctx.addIssue({ code: 'custom', message, ...(path ? { path } : {}) });
        return z.NEVER;
      };
      if (value === undefined) return issue(`missing; add ${key}: ${SECRET_FORMS}`);
      if (typeof value === 'string') {
        return value === ''
          ? issue(`expected ${SECRET_FORMS}, got an empty text`)
          : { plaintext: new Secret(value) };
      }
      if (!isPlainObject(value)) return issue(`expected ${SECRET_FORMS}, got ${kindOf(value)}`);
      const keys = Object.keys(value);
      const [form] = keys;
      if (form === undefined || keys.length > 1) {
        return issue(`expected exactly one of ${SECRET_FORMS}, got ${keys.length} keys`);
      }
      const inner = value[form];
      if (form === 'env') {
        if (typeof inner === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) return { env: inner };
        return issue(
          `expected the name of an environment variable (letters, digits, _), such as ${example}, got ${kindOf(inner)} that is not such a name`,
          ['env'],
        );
      }
      if (form === 'file') {
        if (typeof inner === 'string' && inner.trim() !== '') return { file: inner.trim() };
        return issue(`expected the path of a file that holds only ${what}, got ${kindOf(inner)}`, ['file']);
      }
      if (form === 'credential') {
        if (
          typeof inner === 'string' &&
          /^[A-Za-z0-9_.@-]+$/.test(inner) &&
          inner !== '.' &&
          inner !== '..'
        ) {
          return { credential: inner };
        }
        return issue(
          `expected the name of a systemd credential (as in LoadCredential=NAME:PATH, no slashes), got ${kindOf(inner)} that is not such a name`,
          ['credential'],
        );
      }
      return issue(unknownKeyMessage(form, SECRET_KEYS), [form]);
    });
}

/** `pass`. */
export const secretRefSchema = secretRef('pass', 'the password', 'HWC_IMAP_PASSWORD');

/** The secrets under `auth.oauth2`, by key; parseConfig applies the plain-text rule to each. */
export const OAUTH2_SECRET_KEYS = ['clientSecret', 'refreshToken', 'serviceAccountKey'] as const;
export type OAuth2SecretKey = (typeof OAUTH2_SECRET_KEYS)[number];
export const oauth2SecretSchemas: Record<OAuth2SecretKey, ReturnType<typeof secretRef>> = {
  clientSecret: secretRef('clientSecret', 'the client secret', 'HWC_OAUTH2_CLIENT_SECRET'),
  refreshToken: secretRef('refreshToken', 'the refresh token', 'HWC_OAUTH2_REFRESH_TOKEN'),
  serviceAccountKey: secretRef(
    'serviceAccountKey',
    "the service account's JSON key",
    'HWC_GOOGLE_SERVICE_ACCOUNT_KEY',
  ),
};

const OAUTH2_FORMS =
  '{ provider: microsoft, tenantId, clientId, clientSecret }, { provider: google, serviceAccountKey }, { provider: google, clientId, clientSecret, refreshToken } or { tokenUrl, clientId, clientSecret, scope }';

/** The keys that each kind of `oauth2` mapping takes, for "unknown key" and "missing" messages. */
const OAUTH2_SHAPES = {
  microsoft: ['provider', 'tenantId', 'clientId', 'clientSecret'],
  'google-service-account': ['provider', 'serviceAccountKey'],
  'google-refresh-token': ['provider', 'clientId', 'clientSecret', 'refreshToken', 'tokenUrl'],
  'client-credentials': ['tokenUrl', 'clientId', 'clientSecret', 'scope'],
} as const;

/**
 * `auth.oauth2`. Hand-parsed rather than a zod union, so that each message names the one key that
 * is wrong and what this kind of sign-in needs; the shapes are in OAUTH2_SHAPES.
 */
export const oauth2Schema = z
  .unknown()
  .optional()
  .transform((value, ctx): OAuth2Config => {
    let failed = false;
    const fail = (message: string, path: PropertyKey[] = []) => {
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
    const provider = value['provider'];
    let kind: keyof typeof OAUTH2_SHAPES;
    if (provider === undefined) {
      kind = 'client-credentials';
    } else if (provider === 'microsoft') {
      kind = 'microsoft';
    } else if (provider === 'google') {
      kind = 'serviceAccountKey' in value ? 'google-service-account' : 'google-refresh-token';
    } else {
      fail(
        `expected microsoft or google, got ${show(provider)}; for another provider remove provider: and give tokenUrl, clientId, clientSecret and scope`,
        ['provider'],
      );
      return z.NEVER;
    }
    const shape: readonly string[] = OAUTH2_SHAPES[kind];
    for (const key of Object.keys(value)) {
      if (!shape.includes(key)) {
        const hint =
          kind === 'google-service-account' && key === 'tokenUrl'
            ? `unknown key with serviceAccountKey; the key's "token_uri" names the token endpoint`
            : kind === 'google-service-account' &&
                OAUTH2_SHAPES['google-refresh-token'].includes(key as never)
              ? 'unknown key with serviceAccountKey; give either serviceAccountKey, or clientId, clientSecret and refreshToken'
              : unknownKeyMessage(key, shape);
        fail(hint, [key]);
      }
    }
    const textAt = (key: string, expected: string, missing: string): string => {
      const v = value[key];
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      fail(v === undefined ? `missing; ${missing}` : `expected ${expected}, got ${show(v)}`, [key]);
      return '';
    };
    const secretAt = (key: OAuth2SecretKey, missing: string): SecretRef => {
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
      textAt('clientId', 'the application (client) ID', `add clientId: the application (client) ID ${where}`);
    let out: OAuth2Config;
    switch (kind) {
      case 'microsoft': {
        const tenantId = textAt(
          'tenantId',
          'the directory (tenant) ID, a GUID, or the tenant domain such as school.onmicrosoft.com',
          'add tenantId: the directory (tenant) ID from the app registration in Entra ID',
        );
        if (tenantId !== '' && !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
          fail(
            `expected the directory (tenant) ID, a GUID, or the tenant domain such as school.onmicrosoft.com, got ${show(tenantId)}`,
            ['tenantId'],
          );
        }
        out = {
          kind,
          tenantId,
          clientId: clientId('from the app registration in Entra ID'),
          clientSecret: secretAt(
            'clientSecret',
            `add clientSecret: ${SECRET_FORMS}, the client secret of the app registration`,
          ),
        };
        break;
      }
      case 'google-service-account':
        out = {
          kind,
          serviceAccountKey: secretAt(
            'serviceAccountKey',
            `add serviceAccountKey: { file: /path/key.json }, the service account's JSON key`,
          ),
        };
        break;
      case 'google-refresh-token': {
        // The client secret and the refresh token go to this URL: the same rule as a service
        // account key's token_uri.
        const expected = "Google's token endpoint (the default; leave tokenUrl out) or a loopback URL";
        const tokenUrl = value['tokenUrl'] === undefined ? undefined : textAt('tokenUrl', expected, '');
        if (tokenUrl && !isGoogleOrLoopbackTokenUrl(tokenUrl)) {
          fail(`expected ${expected}, got ${show(tokenUrl)}`, ['tokenUrl']);
        }
        out = {
          kind,
          clientId: clientId('of the OAuth client in Google Cloud'),
          clientSecret: secretAt(
            'clientSecret',
            `add clientSecret: ${SECRET_FORMS}, the OAuth client's secret`,
          ),
          refreshToken: secretAt(
            'refreshToken',
            `add refreshToken: ${SECRET_FORMS}, or use serviceAccountKey: for a service account with domain-wide delegation`,
          ),
          ...(tokenUrl ? { tokenUrl } : {}),
        };
        break;
      }
      case 'client-credentials': {
        const tokenUrl = textAt(
          'tokenUrl',
          'the https:// URL of the token endpoint',
          `add tokenUrl: the https:// URL of the provider's token endpoint, or provider: microsoft or google`,
        );
        if (tokenUrl !== '') {
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
        out = {
          kind,
          tokenUrl,
          clientId: clientId('that the provider gave this program'),
          clientSecret: secretAt('clientSecret', `add clientSecret: ${SECRET_FORMS}, the client secret`),
          scope: textAt(
            'scope',
            'the scope of mail access, such as https://outlook.office365.com/.default',
            'add scope: the scope that grants IMAP and SMTP access, as the provider documents it',
          ),
        };
        break;
      }
    }
    return failed ? z.NEVER : out;
  });

const authSchema = (kind: 'IMAP' | 'SMTP') =>
  z
    .strictObject(
      {
        user: text('the login name of the mailbox', `add the ${kind} login name`),
        pass: z.unknown().optional(),
        oauth2: z.unknown().optional(),
      },
      // kindOf: a mistyped `auth: "user:password"` must not be echoed.
      {
        error: expecting(
          'a mapping with user and pass',
          `add auth: { user: …, pass: ${SECRET_FORMS} }`,
          kindOf,
        ),
      },
    )
    .transform((auth, ctx): ServerAuth<SecretRef> => {
      const nested = (key: 'pass' | 'oauth2', issues: readonly z.core.$ZodIssue[]) => {
        for (const issue of issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
        }
        return z.NEVER;
      };
      if (auth.pass !== undefined && auth.oauth2 !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'expected exactly one of pass and oauth2, got both; remove pass to sign in with OAuth2, or oauth2 to sign in with the password',
        });
        return z.NEVER;
      }
      if (auth.oauth2 !== undefined) {
        const parsed = oauth2Schema.safeParse(auth.oauth2);
        return parsed.success
          ? { user: auth.user, oauth2: parsed.data }
          : nested('oauth2', parsed.error.issues);
      }
      const parsed = secretRefSchema.safeParse(auth.pass);
      if (!parsed.success && auth.pass === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pass'],
          message: `missing; add pass: ${SECRET_FORMS}, or oauth2: to sign in with OAuth2 (see "OAuth2 sign-in" in the README)`,
        });
        return z.NEVER;
      }
      return parsed.success ? { user: auth.user, pass: parsed.data } : nested('pass', parsed.error.issues);
    });

const server = (kind: 'IMAP' | 'SMTP', usualPort: string) => {
  const lower = kind === 'IMAP' ? 'imap' : 'smtp';
  return z.strictObject(
    {
      host: host(kind),
      port: port(usualPort),
      secure: bool(
        `add secure: true for implicit TLS (port ${kind === 'IMAP' ? 993 : 465}) or false for STARTTLS`,
      ),
      tls: tls(),
      auth: authSchema(kind),
    },
    {
      error: expecting(
        `a mapping with host, port, secure and auth`,
        `add the ${lower}: section with host, port, secure and auth`,
      ),
    },
  );
};

const email = (missing: string) =>
  field('an e-mail address such as zorg@school.example.nl', { missing }, (value) =>
    typeof value === 'string' && isEmailAddress(value.trim()) ? value.trim() : undefined,
  );

const dateRange = field(
  'an ISO date such as "2026-12-01", or a range FROM..TO such as "2026-12-07..2026-12-11"',
  { missing: 'write a date or a range, or remove the entry' },
  (value, fail): DateRange | undefined => {
    if (typeof value !== 'string') return undefined;
    const parts = value.trim().split('..');
    const [from, to = from] = parts;
    if (parts.length > 2 || from === undefined || to === undefined) return undefined;
    if (!isIsoDate(from.trim()) || !isIsoDate(to.trim())) return undefined;
    if (from.trim() > to.trim()) {
      fail(`expected a range FROM..TO with FROM on or before TO, got ${show(value)}; swap the dates`);
      return undefined;
    }
    return { from: from.trim(), to: to.trim() };
  },
);

const contact = (role: 'primary' | 'backup', missing: string) =>
  z.strictObject(
    {
      name: text('a name or role, such as Zorgcoördinator', `add the ${role} contact's name or role`),
      email: email(`add the ${role} contact's e-mail address`),
      absent: z
        .array(dateRange, { error: expecting('a list of dates or FROM..TO ranges', '') })
        .optional()
        .transform((list) => list ?? []),
    },
    { error: expecting('a mapping with name, email and optionally absent', missing) },
  );

const sender = field(
  'a sender such as "@veiligthuis.example.nl" (a whole domain) or "leerplicht@gemeente.example.nl"',
  { missing: 'write a sender, or remove the entry' },
  (value, fail) => {
    if (typeof value !== 'string') return undefined;
    const s = value.trim().toLowerCase();
    if (s.startsWith('@')) return isDomain(s.slice(1)) ? s : undefined;
    if (s.startsWith('*@') && isDomain(s.slice(2))) {
      fail(`expected "@domain" for a whole domain, got ${show(value)}; write "${s.slice(1)}"`);
      return undefined;
    }
    if (!s.includes('@') && isDomain(s)) {
      fail(`expected "@domain" for a whole domain, got ${show(value)}; write "@${s}"`);
      return undefined;
    }
    return isEmailAddress(s) ? s : undefined;
  },
);

const clockTime = (presence: Presence<string>) =>
  field('a time as HH:MM (24 hours), such as "07:45"', presence, parseClockTime);

const weekday = field(
  `one of ${WEEKDAYS.join(', ')}`,
  { missing: 'write a day, or remove the entry' },
  (value) => {
    const day = typeof value === 'string' ? value.trim().toLowerCase() : '';
    return (WEEKDAYS as readonly string[]).includes(day) ? (day as Weekday) : undefined;
  },
);

/** Reports the second and later occurrences of a value, at their index. */
function reportDuplicates(list: readonly string[], ctx: z.RefinementCtx, what: string): void {
  list.forEach((item, i) => {
    if (list.indexOf(item) !== i) {
      ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${item}" is listed twice; remove one` });
    }
  });
}

const schedule = z.strictObject(
  {
    checks: z
      .array(clockTime({ missing: 'write a time, or remove the entry' }), {
        error: expecting('a list of times such as ["07:00", "07:45"]', 'add checks: ["07:00", "07:45"]'),
      })
      .min(1, { error: 'expected at least one check time, got an empty list; add a time such as "07:00"' })
      .transform((list, ctx) => {
        reportDuplicates(list, ctx, 'the time');
        return [...list].sort();
      }),
    days: z
      .array(weekday, {
        error: expecting(
          'a list of days such as [mon, tue, wed, thu, fri]',
          'add days: [mon, tue, wed, thu, fri]',
        ),
      })
      .min(1, {
        error: 'expected at least one day, got an empty list; add days such as [mon, tue, wed, thu, fri]',
      })
      .transform((list, ctx) => {
        reportDuplicates(list, ctx, 'the day');
        return [...new Set(list)].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
      }),
    deadline: clockTime({ default: DEFAULTS.deadline }),
    holidays: z
      .strictObject(
        {
          region: z.enum(REGIONS, { error: expecting(`one of ${REGIONS.join(', ')}`, '') }).optional(),
          closed: z
            .array(dateRange, { error: expecting('a list of dates or FROM..TO ranges', '') })
            .optional()
            .transform((list) => list ?? []),
          open: z.array(dateRange, { error: expecting('a list of dates or FROM..TO ranges', '') }).optional(),
        },
        { error: expecting('a mapping such as { region: midden, closed: ["2027-03-10"] }', '') },
      )
      .optional()
      .transform((h) =>
        h
          ? {
              ...(h.region ? { region: h.region } : {}),
              closed: h.closed,
              ...(h.open && h.open.length > 0 ? { open: h.open } : {}),
            }
          : undefined,
      ),
    // Absent means `acknowledge` (see core/schedule.ts); left absent so that the parsed config stays as written.
    closedDays: z
      .enum(['acknowledge', 'ignore'] satisfies ClosedDays[], {
        error: expecting('acknowledge or ignore', ''),
      })
      .optional(),
  },
  {
    error: expecting(
      'a mapping with checks, days and deadline',
      'add schedule: with checks: ["07:00"] and days: [mon, tue, wed, thu, fri]',
    ),
  },
);

/**
 * The top-level keys. Exported so that parseConfig can run one field on its own
 * for cross-field rules, even when other parts of the file are invalid.
 */
export const topLevelFields = {
  school: text('the name of the school', "add the school's name, e.g. school: Basisschool De Reuzepas"),
  timezone: field(
    'an IANA time zone such as Europe/Amsterdam',
    { missing: 'add timezone: Europe/Amsterdam' },
    (value) => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      try {
        new Intl.DateTimeFormat(undefined, { timeZone: value.trim() });
        return value.trim();
      } catch (err) {
        if (err instanceof RangeError) return undefined;
        throw err;
      }
    },
  ),
  imap: server('IMAP', '993'),
  smtp: server('SMTP', '587 (STARTTLS) or 465 (implicit TLS)'),
  from: field(
    'an address such as "Handle with Care <hwc@school.example.nl>" or hwc@school.example.nl',
    {
      missing:
        'add the sender of the e-mails this program sends, e.g. from: "Handle with Care <hwc@school.example.nl>"',
    },
    (value) => (typeof value === 'string' ? parseMailAddress(value) : undefined),
  ),
  senders: z
    .array(sender, {
      error: expecting(
        'a list of senders such as ["@veiligthuis.example.nl"]',
        'list who may send signals, e.g. senders: ["@veiligthuis.example.nl"]',
      ),
    })
    .min(1, {
      error:
        'expected at least one sender, got an empty list; add who may send signals, e.g. "@veiligthuis.example.nl"',
    })
    .transform((list) => [...new Set(list)]),
  trustedAuthservId: field(
    'the host name of the receiving mail server, such as mx.school.example.nl',
    { default: undefined },
    (value) => (typeof value === 'string' && /^[^\s;]+$/.test(value.trim()) ? value.trim() : undefined),
  ).optional(),
  contacts: z.strictObject(
    {
      primary: contact(
        'primary',
        'add contacts.primary: { name: …, email: … }, the person who is notified first',
      ),
      backup: contact('backup', 'add contacts.backup: { name: …, email: … }, the person who stands in'),
    },
    { error: expecting('a mapping with primary and backup', 'add contacts: with primary and backup') },
  ),
  notify: z
    .enum(['both', 'escalate'], { error: expecting('both or escalate', '') })
    .optional()
    .transform((v): NotifyMode => v ?? DEFAULTS.notify),
  schedule,
  escalateAfter: durationMs('20m', {
    missing:
      'add how long to wait for the primary contact before the backup is alerted, e.g. escalateAfter: 20m',
  }),
  purgeAfter: durationMs('8h', { default: parseDurationMs(DEFAULTS.purgeAfter) ?? 0 }),
  checkTimeout: durationMs('5m', { default: parseDurationMs(DEFAULTS.checkTimeout) ?? 0 }),
  maxMessageBytes: field(
    'a size such as 5MB or 500KB, or a number of bytes',
    { default: DEFAULTS.maxMessageBytes },
    (value, fail) => {
      const bytes = parseByteSize(value);
      if (bytes !== undefined && bytes < 1024) {
        fail(`expected a size of at least 1KB, got ${show(value)}; write the unit, e.g. 5MB`);
        return undefined;
      }
      return bytes;
    },
  ),
  storage: text(
    'the path of a directory',
    'add the directory for the state database, e.g. storage: /var/lib/hwc-watcher',
  ),
  audit: z
    .strictObject(
      {
        keep: field(
          'a duration in days or years, such as 730d or 2y',
          { default: parseDurationDays(DEFAULTS.auditKeep) ?? 0 },
          (value, fail) => {
            const days = typeof value === 'string' ? parseDurationDays(value) : undefined;
            if (days === 0) fail(`expected a duration longer than zero, got ${show(value)}`);
            return days === 0 ? undefined : days;
          },
        ),
      },
      { error: expecting('a mapping such as { keep: 2y }', '') },
    )
    .optional()
    .transform((a) => a?.keep ?? parseDurationDays(DEFAULTS.auditKeep) ?? 0),
  allowPlaintextPassword: bool('').optional(),
};

export const configSchema = z.strictObject(topLevelFields, {
  error: expecting(
    'a mapping of keys such as school:, imap: and smtp:',
    'start from config/hwc.example.yaml',
  ),
});

/** Turns the parsed object into the public Config shape (durations in ms, renamed keys). */
export function toConfig(o: z.output<typeof configSchema>): Config {
  return {
    school: o.school,
    timezone: o.timezone,
    imap: o.imap,
    smtp: o.smtp,
    from: o.from,
    senders: o.senders,
    ...(o.trustedAuthservId !== undefined ? { trustedAuthservId: o.trustedAuthservId } : {}),
    contacts: o.contacts,
    notify: o.notify,
    schedule: o.schedule,
    escalateAfterMs: o.escalateAfter,
    purgeAfterMs: o.purgeAfter,
    checkTimeoutMs: o.checkTimeout,
    maxMessageBytes: o.maxMessageBytes,
    storage: o.storage,
    auditKeepDays: o.audit,
  };
}

// ---------------------------------------------------------------------------
// Schema introspection for "unknown key" messages

interface DefLike {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
}

function defOf(schema: z.core.$ZodType): DefLike {
  return schema._zod.def as unknown as DefLike;
}

/** Looks through optional/default/transform wrappers to the schema that does the work. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (next === undefined) return current;
    current = next;
  }
}

/** The keys that the schema allows in the mapping at `path` (for "did you mean"). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let current = unwrap(configSchema);
  for (const segment of path) {
    const def = defOf(current);
    const child =
      def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'array' ? def.element : undefined;
    if (child === undefined) return [];
    current = unwrap(child);
  }
  const def = defOf(current);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
