import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import type { CheckDeps, CheckSettings } from '../../src/check/context.js';
import type { Clock } from '../../src/core/ports.js';
import { ImapMailboxOpener } from '../../src/adapters/imap-mailbox.js';
import { SmtpMailer } from '../../src/adapters/smtp-mailer.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { captureLogger } from './capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { createUser, createUserIn, mailstackEnv, type MailUser } from './mailstack.js';
import { makeInstall, type TestInstall } from './hwc.js';
import { checkSettings, signalMail as buildSignal } from './check-fixtures.js';

/** Canary children: names and dates that occur nowhere else, so any hit in a file is a leak. */
export const CANARY = { name: 'Ysolde Brinkhorst-Vlaskamp', dutchDate: '29-4-2015', isoDate: '2015-04-29' };
export const CANARY_SIBLING = {
  name: 'Teunis van der Quakkelaar',
  dutchDate: '03-11-2012',
  isoDate: '2012-11-03',
};

export interface School {
  hwc: MailUser;
  zorg: MailUser;
  backup: MailUser;
  vt: MailUser;
  install: TestInstall;
}

/** A fresh school on the real mail stack: its own HwC mailbox, contacts and Veilig Thuis sender. */
export async function createSchool(overrides: Record<string, unknown> = {}): Promise<School> {
  const env = mailstackEnv();
  const [hwc, zorg, backup, vt] = await Promise.all([
    createUser('hwc'),
    createUser('zorg'),
    createUser('backup'),
    createUserIn('veiligthuis.test', 'signaal'),
  ]);
  const server = (port: number) => ({
    host: '127.0.0.1',
    port,
    secure: false,
    tls: { rejectUnauthorized: true, ca: env.caFile },
  });
  const install = makeInstall(
    {
      school: 'Basisschool De Proeftuin',
      timezone: 'Europe/Amsterdam',
      imap: { ...server(env.imapPort), auth: { user: hwc.address, pass: { env: 'HWC_IMAP_PASSWORD' } } },
      smtp: {
        ...server(env.submissionPort),
        auth: { user: hwc.address, pass: { env: 'HWC_SMTP_PASSWORD' } },
      },
      from: `Handle with Care <${hwc.address}>`,
      senders: ['@veiligthuis.test'],
      contacts: {
        primary: { name: 'Zorgcoördinator', email: zorg.address },
        backup: { name: 'Achterwacht', email: backup.address },
      },
      schedule: { checks: ['07:00', '07:45', '08:05'], days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      escalateAfter: '20m',
      ...overrides,
    },
    { imap: hwc.password, smtp: hwc.password },
  );
  return { hwc, zorg, backup, vt, install };
}

export interface CanaryChild {
  name: string;
  isoDate: string;
  /** As Veilig Thuis writes it in the signal. */
  written: string;
}

export function signalWithChildren(
  from: string,
  to: string,
  options: { id: string; children: CanaryChild[]; mdn?: boolean },
): string {
  return buildSignal({
    from,
    fromName: 'Veilig Thuis Regio Proef',
    to,
    id: options.id,
    date: 'Wed, 25 Nov 2026 05:40:00 +0000',
    mime: true,
    ...(options.mdn ? { mdnTo: from } : {}),
    body: [
      'Goedemorgen,',
      '',
      ...options.children.map((child) => `${child.name}, ${child.written}, Handle with Care`),
      '',
      'Met vriendelijke groet,',
      'Veilig Thuis Regio Proef',
    ],
  });
}

/** The canary signal (with its sibling, if asked) from Veilig Thuis on the real mail stack. */
export function signalMail(
  from: string,
  to: string,
  options: { id: string; mdn?: boolean; siblings?: boolean },
): string {
  const children: CanaryChild[] = [
    { name: CANARY.name, isoDate: CANARY.isoDate, written: CANARY.dutchDate },
    ...(options.siblings
      ? [{ name: CANARY_SIBLING.name, isoDate: CANARY_SIBLING.isoDate, written: CANARY_SIBLING.dutchDate }]
      : []),
  ];
  return signalWithChildren(from, to, { id: options.id, children, ...(options.mdn ? { mdn: true } : {}) });
}

/** One header of a raw message, unfolded. */
export function headerOf(source: Buffer, name: string): string | undefined {
  const head = source.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** The decoded plain text of a raw message. */
export async function textOf(message: { source: Buffer } | undefined): Promise<string> {
  return message ? ((await simpleParser(message.source)).text ?? '') : '';
}

export interface InProcessCheck {
  deps: CheckDeps;
  store: SqliteStore;
  logs: () => string;
  close: () => void;
}

/**
 * The check's real adapters (imapflow, nodemailer, better-sqlite3 on disk) against the real mail
 * stack, with a test clock: how escalation over minutes and hours is tested without waiting.
 */
export function inProcessCheck(
  school: School,
  clock: Clock,
  settings: Partial<CheckSettings> = {},
): InProcessCheck {
  const env = mailstackEnv();
  const ca = readFileSync(env.caFile, 'utf8');
  const store = SqliteStore.open(school.install.storage);
  const { logger, logs } = captureLogger();
  const server = { host: env.host, secure: false, rejectUnauthorized: true, ca };
  const mailer = new SmtpMailer({
    ...server,
    port: env.submissionPort,
    user: school.hwc.address,
    pass: school.hwc.password,
    from: { name: 'Handle with Care', address: school.hwc.address },
  });
  const deps: CheckDeps = {
    settings: checkSettings({
      school: 'Basisschool De Proeftuin',
      from: { name: 'Handle with Care', address: school.hwc.address },
      contacts: {
        primary: { name: 'Zorgcoördinator', email: school.zorg.address },
        backup: { name: 'Achterwacht', email: school.backup.address },
      },
      notify: 'escalate',
      maxMessageBytes: 5 * 1024 * 1024,
      version: 'test',
      ...settings,
    }),
    opener: new ImapMailboxOpener(
      { ...server, port: env.imapPort, user: school.hwc.address, pass: school.hwc.password },
      { delaysMs: [] },
    ),
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  return {
    deps,
    store,
    logs,
    close: () => {
      mailer.close();
      store.close();
    },
  };
}
