/**
 * Reads the YAML configuration file, validates it with parseConfig, and resolves
 * what lives outside the file: passwords ({ env }, { file }, { credential }),
 * CA certificates and the storage path.
 *
 * Resolved passwords are wrapped in `Secret` (see secret.ts) and are never part
 * of a message; file contents are never quoted in a message either.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ConfigSources } from './parse-source.js';
import { Secret } from './secret.js';
import type {
  WebConfig,
  Config,
  ResolvedConfig,
  ResolvedServerConfig,
  ResolvedOAuth2Config,
  SecretRef,
  ServerAuth,
  ServerConfig,
} from './types.js';
import { parseServiceAccountKey } from './service-account-key.js';

type Env = Record<string, string | undefined>;

export type { ConfigSources } from './parse-source.js';

/** A config as parseConfig validated it: before any secret or CA file is read. */
export interface ParsedConfig {
  config: Config;
  warnings: string[];
}

/**
 * What parseConfig made of the very same sources in an earlier run (adapters/config-cache.ts):
 * validating is the same work every run, and loading yaml and zod for it was the largest part of
 * an empty check left (README, Performance).
 */
export interface ParsedConfigCache {
  /** The parse of exactly these sources, where the environment variables it read are as they were. */
  get(sources: ConfigSources, env: Env): ParsedConfig | undefined;
  /** Keeps a parse that read the environment variables `envNames`; failures cost only speed. */
  set(sources: ConfigSources, env: Env, envNames: readonly string[], parsed: ParsedConfig): void;
  /** Removes what was kept for this config file: its sources no longer give a parse to keep. */
  forget(sources: ConfigSources): void;
}

export interface LoadConfigDeps {
  env: Env;
  /** Directory against which a relative config path is resolved. */
  cwd: string;
  /** Reads a UTF-8 text file; throws like fs.readFileSync. Defaults to fs.readFileSync. */
  readFile?: (path: string) => string;
  /** A config directory's shared defaults (`defaults.yaml`), merged under this file. */
  defaultsFile?: string;
  /** Earlier runs' parses; without it every load parses and validates the files. */
  cache?: ParsedConfigCache;
}

export type LoadConfigResult = { config: ResolvedConfig; warnings: string[] } | { errors: string[] };

export async function loadConfig(path: string, deps: LoadConfigDeps): Promise<LoadConfigResult> {
  const readFile = deps.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const configPath = resolve(deps.cwd, path);
  const configDir = dirname(configPath);

  let source: string;
  try {
    source = readFile(configPath);
  } catch (err) {
    return {
      errors: [
        `${configPath}: cannot read the configuration file (${fsReason(err)}); check the path, or start from config/hwc.example.yaml`,
      ],
    };
  }
  let sources: ConfigSources = { configPath, config: source };
  if (deps.defaultsFile) {
    // An unreadable defaults file fails every school of the directory.
    const defaultsPath = resolve(deps.cwd, deps.defaultsFile);
    try {
      sources = { ...sources, defaults: { path: defaultsPath, source: readFile(defaultsPath) } };
    } catch (err) {
      return { errors: [`${defaultsPath}: cannot read the shared defaults file (${fsReason(err)})`] };
    }
  }

  const parsed =
    deps.cache?.get(sources, envStates(deps.env)) ?? (await parseAndKeep(sources, deps.env, deps.cache));
  if ('errors' in parsed) return parsed;

  const errors: string[] = [];
  const context: ResolveContext = { readFile, configDir, env: deps.env, errors };
  const imap = resolveServer('imap', parsed.config.imap, context);
  const smtp = resolveServer('smtp', parsed.config.smtp, context);
  if (errors.length > 0 || imap === undefined || smtp === undefined) return { errors };

  const config: ResolvedConfig = {
    ...(parsed.config satisfies Config),
    imap,
    smtp,
    storage: resolve(configDir, parsed.config.storage),
    ...(parsed.config.web ? { web: resolveWebPaths(parsed.config.web, configDir) } : {}),
  };
  return { config, warnings: parsed.warnings };
}

/**
 * Parses and validates the sources (yaml and zod load here, on first use), and keeps a valid
 * result in the cache with the names of the environment variables the validation read: a later
 * run may use it only while each of them is as it was (unset, empty or set). A validation that
 * listed the whole environment is not kept, nor an invalid config: either removes the old copy.
 */
async function parseAndKeep(
  sources: ConfigSources,
  env: Env,
  cache: ParsedConfigCache | undefined,
): Promise<ParsedConfig | { errors: string[] }> {
  const { parseSources } = await import('./parse-source.js');
  if (cache === undefined) return parseSources(sources, env);
  const read = new Set<string>();
  let listed = false;
  const parsed = parseSources(
    sources,
    envStates(env, {
      read: (name) => read.add(name),
      listed: () => {
        listed = true;
      },
    }),
  );
  // A config that became invalid (or unkeepable) leaves no copy of what it said before.
  if ('errors' in parsed || listed) cache.forget(sources);
  else cache.set(sources, envStates(env), [...read].sort(), parsed);
  return parsed;
}

/**
 * The environment as validation may know it where parses are kept: whether each variable is
 * unset, empty or set ('set', whatever its value), never the value itself. parseConfig asks no
 * more (it checks that `{ env: NAME }` and `{ credential: NAME }` can be resolved later), and a kept
 * parse must not depend on a password in the environment, nor its key be one a password's guess
 * could be tested against. `watch` hears every name read, and a listing of them all.
 */
function envStates(env: Env, watch?: { read: (name: string) => void; listed: () => void }): Env {
  const state = (name: string): string | undefined => {
    watch?.read(name);
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    return value === undefined || value === '' ? value : 'set';
  };
  // A target without a prototype: nothing inherited looks like a variable. Read-only.
  return new Proxy(Object.create(null) as Env, {
    get: (_, key) => (typeof key === 'string' ? state(key) : undefined),
    has: (_, key) => typeof key === 'string' && state(key) !== undefined,
    getOwnPropertyDescriptor: (_, key) => {
      const value = typeof key === 'string' ? state(key) : undefined;
      return value === undefined
        ? undefined
        : { value, writable: false, enumerable: true, configurable: true };
    },
    ownKeys: () => {
      watch?.listed();
      return Object.keys(env).filter((name) => env[name] !== undefined);
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    preventExtensions: () => false,
  });
}

/** The page's certificate and key, relative to the config file like every other path; read by `hwc run`. */
function resolveWebPaths(web: WebConfig, configDir: string): WebConfig {
  if (!web.tls || web.tls === 'proxy') return web;
  return { ...web, tls: { cert: resolve(configDir, web.tls.cert), key: resolve(configDir, web.tls.key) } };
}

interface ResolveContext {
  readFile: (path: string) => string;
  configDir: string;
  env: Record<string, string | undefined>;
  errors: string[];
}

function resolveServer(
  name: 'imap' | 'smtp',
  server: ServerConfig,
  context: ResolveContext,
): ResolvedServerConfig | undefined {
  const auth = resolveAuth(name, server.auth, context);
  let tls: ResolvedServerConfig['tls'] = { rejectUnauthorized: server.tls.rejectUnauthorized };
  if (server.tls.caFile !== undefined) {
    const caFile = resolve(context.configDir, server.tls.caFile);
    const ca = readCa(`${name}.tls.ca`, caFile, context);
    if (ca === undefined) return undefined;
    tls = { ...tls, caFile, ca };
  }
  if (auth === undefined) return undefined;
  return {
    host: server.host,
    port: server.port,
    secure: server.secure,
    tls,
    auth,
  };
}

function resolveAuth(
  name: 'imap' | 'smtp',
  auth: ServerAuth<SecretRef>,
  context: ResolveContext,
): ServerAuth<Secret> | undefined {
  if (auth.oauth2 === undefined) {
    const pass = resolveSecret(`${name}.auth.pass`, auth.pass, context);
    return pass === undefined ? undefined : { user: auth.user, pass };
  }
  const key = `${name}.auth.oauth2`;
  const o = auth.oauth2;
  const secret = (field: string, ref: SecretRef) => resolveSecret(`${key}.${field}`, ref, context);
  let oauth2: ResolvedOAuth2Config | undefined;
  switch (o.kind) {
    case 'microsoft':
    case 'client-credentials': {
      const clientSecret = secret('clientSecret', o.clientSecret);
      oauth2 = clientSecret && { ...o, clientSecret };
      break;
    }
    case 'google-refresh-token': {
      const clientSecret = secret('clientSecret', o.clientSecret);
      const refreshToken = secret('refreshToken', o.refreshToken);
      oauth2 = clientSecret && refreshToken && { ...o, clientSecret, refreshToken };
      break;
    }
    case 'google-service-account': {
      const serviceAccountKey = secret('serviceAccountKey', o.serviceAccountKey);
      const problem = serviceAccountKey && serviceAccountKeyProblem(serviceAccountKey.reveal());
      if (problem) {
        context.errors.push(
          `${key}.serviceAccountKey: ${problem}; in the Google Cloud console, create a JSON key for the service account (Keys, Add key, JSON) and point serviceAccountKey at that file`,
        );
      } else if (serviceAccountKey) {
        oauth2 = { kind: o.kind, serviceAccountKey };
      }
      break;
    }
  }
  return oauth2 === undefined ? undefined : { user: auth.user, oauth2 };
}

/** Why a text is not a usable Google service account key, without quoting any of it. */
function serviceAccountKeyProblem(text: string): string | undefined {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const parsed = parseServiceAccountKey(key);
  return typeof parsed === 'string' ? parsed : undefined;
}

function resolveSecret(key: string, ref: SecretRef, context: ResolveContext): Secret | undefined {
  const { env, errors } = context;
  if ('plaintext' in ref) return ref.plaintext;
  if ('env' in ref) {
    // parseConfig has checked this already; checked again so that this function stands on its own.
    const value = Object.hasOwn(env, ref.env) ? env[ref.env] : undefined;
    if (value === undefined || value === '') {
      errors.push(
        `${key}: environment variable ${ref.env} is ${value === undefined ? 'not set' : 'empty'}; set it, or use { file: /path }`,
      );
      return undefined;
    }
    return new Secret(value);
  }
  if ('file' in ref) {
    const path = resolve(context.configDir, ref.file);
    const noun = secretNoun(key);
    return readSecretFile(
      key,
      path,
      `the ${noun} file ${path}`,
      `create it with only the ${noun} (chmod 600), or use { env: NAME }`,
      context,
    );
  }
  const directory = env['CREDENTIALS_DIRECTORY'];
  if (!directory) {
    errors.push(
      `${key}: { credential: ${ref.credential} } needs $CREDENTIALS_DIRECTORY, which systemd sets for LoadCredential=; run the service with LoadCredential=${ref.credential}:/path/to/secret, or use { file: /path }`,
    );
    return undefined;
  }
  return readSecretFile(
    key,
    join(directory, ref.credential),
    `the systemd credential ${ref.credential} in $CREDENTIALS_DIRECTORY`,
    `add LoadCredential=${ref.credential}:/path/to/secret to the service unit`,
    context,
  );
}

function readSecretFile(
  key: string,
  path: string,
  what: string,
  fix: string,
  context: ResolveContext,
): Secret | undefined {
  let content: string;
  try {
    content = context.readFile(path);
  } catch (err) {
    context.errors.push(`${key}: cannot read ${what} (${fsReason(err)}); ${fix}`);
    return undefined;
  }
  // Editors and `echo` add a final newline; it is never part of the password.
  const value = content.replace(/\r?\n$/, '');
  if (value === '') {
    context.errors.push(`${key}: ${what} is empty; write the ${secretNoun(key)} into it`);
    return undefined;
  }
  return new Secret(value);
}

function readCa(key: string, path: string, context: ResolveContext): string | undefined {
  let content: string;
  try {
    content = context.readFile(path);
  } catch (err) {
    context.errors.push(
      `${key}: cannot read the CA certificate file ${path} (${fsReason(err)}); check the path, or remove tls.ca to use the system's trusted certificates`,
    );
    return undefined;
  }
  if (!content.includes('-----BEGIN CERTIFICATE-----')) {
    context.errors.push(
      `${key}: ${path} does not contain a PEM certificate (-----BEGIN CERTIFICATE-----); use the CA certificate in PEM format`,
    );
    return undefined;
  }
  return content;
}

/** What the secret at `key` is, for messages: the password, or one of the OAuth2 secrets. */
function secretNoun(key: string): string {
  if (key.endsWith('.clientSecret')) return 'client secret';
  if (key.endsWith('.refreshToken')) return 'refresh token';
  if (key.endsWith('.serviceAccountKey')) return 'service account key';
  return 'password';
}

/** A short reason from an fs error, without its message (which repeats the path). */
function fsReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  switch (code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied for this user';
    case 'EISDIR':
      return 'it is a directory';
    case undefined:
      return err instanceof Error ? (err.message.split('\n')[0] ?? 'unknown error') : 'unknown error';
    default:
      return code;
  }
}
