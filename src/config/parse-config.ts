/**
 * Pure validation of the configuration: raw YAML data and the environment in,
 * a typed Config (or every problem found) out. No file system access.
 */
import type * as z from 'zod';
import { formatPath, kindOf, show, unknownKeyMessage } from './errors.js';
import { knownKeysAt } from './known-keys.js';
import { configSchema, toConfig, topLevelFields, DEFAULTS } from './schema.js';
import { oauth2SecretSchemas, OAUTH2_SECRET_KEYS, secretRefSchema } from './secret-ref.js';
import type { Config, ResolvedConfig, SecretRef, ServerConfig } from './types.js';
import { GOOGLE_AUTHSERV_ID } from '../core/trust.js';
import { webChecks } from './web-schema.js';

export type ParseConfigResult = { config: Config; warnings: string[] } | { errors: string[] };

type Env = Record<string, string | undefined>;

const SAFER = '{ env: NAME }, { file: PATH } or { credential: NAME } (systemd LoadCredential)';
const SERVERS = ['imap', 'smtp'] as const;

/**
 * Validates `raw` (the YAML document as plain data) and applies defaults.
 * `env` is used only to check that `{ env: NAME }` and `{ credential: NAME }`
 * can be resolved later; no secret value is read into the result. Only whether a
 * variable is unset, empty or set may matter: where parses are kept, load-config.ts
 * hands over 'set' for every other value (adapters/config-cache.ts).
 * Collects all errors; each starts with the dotted key path.
 */
export function parseConfig(raw: unknown, env: Env): ParseConfigResult {
  if (raw === null || raw === undefined) {
    return { errors: ['(top level): the configuration is empty; start from config/hwc.example.yaml'] };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      errors: [
        `(top level): expected a mapping of keys such as school:, imap: and smtp:, got ${kindOf(raw)}; start from config/hwc.example.yaml`,
      ],
    };
  }
  // An empty YAML value (`host:`) is null; treat it as missing so that the
  // message says what to add instead of "got nothing".
  const input = nullsToUndefined(raw) as Record<string, unknown>;

  const parsed = configSchema.safeParse(input);
  const errors = parsed.success ? [] : parsed.error.issues.flatMap(formatIssue);
  const warnings: string[] = [];
  crossFieldChecks(input, env, errors, warnings);

  if (!parsed.success || errors.length > 0) return { errors };
  const config = toConfig(parsed.data);
  warnings.push(...adviceFor(config, input));
  return { config, warnings };
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${unknownKeyMessage(key, known)}`);
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/** Rules that span keys. Each field is parsed on its own so these run even when other keys are wrong. */
function crossFieldChecks(
  input: Record<string, unknown>,
  env: Env,
  errors: string[],
  warnings: string[],
): void {
  const allowPlaintext = input['allowPlaintextPassword'] === true;
  // The same rules for the password and for each OAuth2 secret (a client secret or a refresh
  // token reads the mailbox just as well as a password does).
  const secrets = SERVERS.flatMap((server) => [
    { path: [server, 'auth', 'pass'], schema: secretRefSchema, what: 'the password' },
    ...OAUTH2_SECRET_KEYS.map((name) => ({
      path: [server, 'auth', 'oauth2', name],
      schema: oauth2SecretSchemas[name],
      what: `the ${name === 'clientSecret' ? 'client secret' : name === 'refreshToken' ? 'refresh token' : 'service account key'}`,
    })),
  ]);
  for (const { path, schema, what } of secrets) {
    const key = path.join('.');
    const raw = at(input, path);
    if (raw === undefined) continue;
    const ref = schema.safeParse(raw);
    if (!ref.success) continue;
    const value = ref.data;
    if ('plaintext' in value) {
      const noun = what === 'the password' ? 'a password' : what.replace(/^the /, 'a ');
      if (allowPlaintext) {
        warnings.push(
          `${key}: ${what} is written in plain text in the configuration file (allowed by allowPlaintextPassword); anyone who can read the file can read the mailbox; use ${SAFER} instead`,
        );
      } else {
        errors.push(
          `${key}: ${noun} in plain text is refused; use ${SAFER}, or set allowPlaintextPassword: true at the top level to accept the risk`,
        );
      }
    } else if ('env' in value) {
      // Own variables only: `{ env: constructor }` is not set, whatever Object.prototype holds.
      const found = Object.hasOwn(env, value.env) ? env[value.env] : undefined;
      if (found === undefined) {
        errors.push(`${key}: environment variable ${value.env} is not set; set it, or use { file: /path }`);
      } else if (found === '') {
        errors.push(
          `${key}: environment variable ${value.env} is empty; set it to ${what}, or use { file: /path }`,
        );
      }
    } else if ('credential' in value && !env['CREDENTIALS_DIRECTORY']) {
      errors.push(
        `${key}: { credential: ${value.credential} } needs $CREDENTIALS_DIRECTORY, which systemd sets for LoadCredential=; run the service with LoadCredential=${value.credential}:/path/to/secret, or use { file: /path }`,
      );
    }
  }

  receivingServerChecks(input, errors);
  webChecks(input, errors);

  const escalate = topLevelFields.escalateAfter.safeParse(input['escalateAfter']);
  const purge = topLevelFields.purgeAfter.safeParse(input['purgeAfter']);
  if (escalate.success && purge.success && escalate.data >= purge.data) {
    const purgeText =
      typeof input['purgeAfter'] === 'string' ? input['purgeAfter'] : `${DEFAULTS.purgeAfter} (default)`;
    errors.push(
      `escalateAfter: expected less than purgeAfter (${purgeText}), got ${show(input['escalateAfter'])}; the backup must be alerted well before the signal is purged`,
    );
  }
}

/** A preset and an authserv-id must describe the same server (src/core/trust.ts). */
function receivingServerChecks(input: Record<string, unknown>, errors: string[]): void {
  const preset = topLevelFields.receivingServer.safeParse(input['receivingServer']);
  const id = topLevelFields.trustedAuthservId.safeParse(input['trustedAuthservId']);
  if (!preset.success || !id.success || preset.data === undefined) return;
  const authservId = id.data?.toLowerCase();
  if (preset.data === 'microsoft365' && authservId !== undefined) {
    errors.push(
      `trustedAuthservId: Exchange Online writes Authentication-Results without an authserv-id, so ${show(input['trustedAuthservId'])} never matches; remove trustedAuthservId (receivingServer: microsoft365 is enough)`,
    );
  } else if (preset.data === 'google' && authservId !== undefined && authservId !== GOOGLE_AUTHSERV_ID) {
    errors.push(
      `trustedAuthservId: Google stamps Authentication-Results as ${GOOGLE_AUTHSERV_ID}, got ${show(input['trustedAuthservId'])}; remove trustedAuthservId (receivingServer: google is enough)`,
    );
  } else if (preset.data === 'postfix' && authservId === undefined) {
    errors.push(
      'receivingServer: postfix needs trustedAuthservId, the AuthservID in opendkim.conf and opendmarc.conf (by default the host name of the mail server); add it, e.g. trustedAuthservId: mx.school.example.nl',
    );
  }
}

/** Warnings for settings that are valid but probably not what the admin meant. */
function adviceFor(config: Config, input: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const server of SERVERS) {
    const s: ServerConfig = config[server];
    if (!s.tls.rejectUnauthorized) {
      out.push(
        `${server}.tls.rejectUnauthorized: false; the server's certificate is not checked, so the connection can be intercepted; prefer tls.ca: /path/to/ca.pem`,
      );
    }
    if (!s.secure && (s.port === 993 || s.port === 465)) {
      out.push(
        `${server}.secure: false on port ${s.port}, which normally uses implicit TLS; did you mean secure: true?`,
      );
    }
    if (s.secure && (s.port === 143 || s.port === 587 || s.port === 25)) {
      out.push(
        `${server}.secure: true on port ${s.port}, which normally uses STARTTLS; did you mean secure: false?`,
      );
    }
  }
  const plaintextUsed = SERVERS.some((server) => {
    const auth = config[server].auth;
    const refs = auth.oauth2
      ? Object.values(auth.oauth2).filter((v): v is SecretRef => typeof v === 'object')
      : [auth.pass];
    return refs.some((ref) => 'plaintext' in ref);
  });
  if (input['allowPlaintextPassword'] === true && !plaintextUsed) {
    out.push('allowPlaintextPassword: true but no password is written in plain text; remove it');
  }
  if (config.contacts.primary.email.toLowerCase() === config.contacts.backup.email.toLowerCase()) {
    out.push(
      'contacts.backup.email: the same address as contacts.primary.email; nobody stands in when that person is away',
    );
  }
  const late = config.schedule.checks.filter((time) => time > config.schedule.deadline);
  if (late.length > 0) {
    out.push(
      `schedule.checks: ${late.join(', ')} after the deadline ${config.schedule.deadline}; a signal found then is already late`,
    );
  }
  return out;
}

/** Non-personal, non-secret facts for the startup log line. */
export interface ConfigLogFacts {
  school: string;
  timezone: string;
  imap: string;
  smtp: string;
  senders: number;
  checks: string[];
  days: string[];
  deadline: string;
  notify: string;
}

export function describeConfigForLog(config: Config | ResolvedConfig): ConfigLogFacts {
  return {
    school: config.school,
    timezone: config.timezone,
    imap: `${config.imap.host}:${config.imap.port}`,
    smtp: `${config.smtp.host}:${config.smtp.port}`,
    senders: config.senders.length,
    checks: [...config.schedule.checks],
    days: [...config.schedule.days],
    deadline: config.schedule.deadline,
    notify: config.notify,
  };
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function nullsToUndefined(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(nullsToUndefined);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullsToUndefined(v)]));
  }
  return value;
}
