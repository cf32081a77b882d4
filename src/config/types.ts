/**
 * The configuration as the rest of the program sees it: `Config` as parsed from the file, and
 * `ResolvedConfig` once loadConfig has read what lives outside it (secrets, CA certificates).
 */
import type { Region } from '../core/holidays-nl.js';
import type { ClosedDays } from '../core/schedule.js';
import type { ReceivingServer } from '../core/trust.js';
import type {
  ContactRole,
  ContactWithAbsence,
  DateRange,
  DeliverMode,
  NotifyMode,
  Weekday,
} from '../core/vocabulary.js';
import type { Secret } from './secret.js';

export type {
  Contact,
  ContactWithAbsence,
  DateRange,
  DeliverMode,
  NotifyMode,
  Weekday,
} from '../core/vocabulary.js';

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

/** Whom parents and the MR can ask about privacy; named in the audit report. */
export interface PrivacyContact {
  name: string;
  email?: string;
}

/** How a push-monitoring service expects its pings (src/adapters/ping.ts). */
export type MonitoringStyle = 'healthchecks' | 'uptime-kuma';

export interface MonitoringConfig {
  /** May hold `{school}`, replaced by the school's name in a config directory. */
  pingUrl: string;
  style: MonitoringStyle;
  /** Healthchecks only: also ping `<url>/start` when a check begins. */
  pingStart: boolean;
}

/** The link mode's page (see src/config/web-schema.ts and src/web/). */
export interface WebConfig {
  listen: { host: string; port: number };
  /** Without a trailing slash. */
  baseUrl: string;
  /** A certificate and key (paths, absolute after loadConfig), or `proxy`: TLS ends at a proxy on this machine. */
  tls?: 'proxy' | { cert: string; key: string };
  /** scrypt hashes of the contacts' PINs (src/core/pin-hash.ts). */
  pins: Partial<Record<ContactRole, string>>;
  maxReveals: number;
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
  /** A preset for how the receiving server stamps Authentication-Results (src/core/trust.ts). */
  receivingServer?: ReceivingServer;
  contacts: { primary: ContactWithAbsence; backup: ContactWithAbsence };
  privacyContact?: PrivacyContact;
  /** Where a person opens the HwC mailbox by hand (webmail URL or shared mailbox name): named in the dead-man alarm. */
  mailboxHint?: string;
  /** The weekly mail and the self-test (proof-of-life-schema.ts); absent when both are off. */
  proofOfLife?: import('./proof-of-life-schema.js').ProofOfLifeConfig;
  notify: NotifyMode;
  deliver: DeliverMode;
  web?: WebConfig;
  schedule: Schedule;
  escalateAfterMs: number;
  purgeAfterMs: number;
  checkTimeoutMs: number;
  maxMessageBytes: number;
  /** The most messages whose content one check reads; mail from trusted senders first. */
  maxMessagesPerCheck: number;
  /** The largest notification, the attached original included; a larger original is held instead. */
  maxNotificationBytes: number;
  /** As written in the file; loadConfig makes it absolute against the config file's directory. */
  storage: string;
  auditKeepDays: number;
  /** Push monitoring after each check; absent: none. */
  monitoring?: MonitoringConfig;
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
