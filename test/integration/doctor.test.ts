import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { checkEntry, emptyCounts } from '../../src/core/audit-entry.js';
import { mailstackEnv, waitForMessages } from '../support/mailstack.js';
import { runHwc } from '../support/hwc.js';
import { createSchool as createAnySchool, textOf, type School } from '../support/school.js';
import {
  makeCertificates,
  startFakeImap,
  type FakeImapOptions,
  type FakeImapServer,
  type ServerCertificate,
  type TestCertificates,
} from '../support/fake-mail-servers.js';

/** A school that names its receiving server (the stack's MX), so that trust is not a WARN. */
function createSchool(overrides: Record<string, unknown> = {}): Promise<School> {
  return createAnySchool({ trustedAuthservId: mailstackEnv().authservId, ...overrides });
}

function doctor(school: School, extra: string[] = [], env: Record<string, string> = {}) {
  return runHwc(['doctor', '--config', school.install.configFile, ...extra], {
    env: { ...school.install.env, ...env },
  });
}

function linesWith(stdout: string, status: 'OK' | 'WARN' | 'FAIL'): string[] {
  return stdout.split('\n').filter((line) => line.startsWith(status));
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('hwc doctor', () => {
  it('when everything is set up, then every line is OK and --send-test reaches both contacts', async () => {
    const school = await createSchool();
    const run = await doctor(school, ['--send-test']);
    expect(run.code).toBe(0);
    expect(linesWith(run.stdout, 'FAIL')).toEqual([]);
    for (const what of [
      'config',
      'clock',
      'trust',
      'calendar',
      'storage',
      'audit chain',
      'imap tls',
      'smtp tls',
      'imap login',
      'smtp login',
      'test mail',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^OK {4}${what}: `, 'm'));
    }
    expect(run.stdout).toContain('UIDPLUS');
    for (const contact of [school.zorg, school.backup]) {
      const [mail] = await waitForMessages(contact, 'INBOX', 1);
      expect(await textOf(mail)).toContain('Dit is een testbericht van hwc-watcher');
    }
    expect(run.stdout + run.stderr).not.toContain(school.hwc.password);
    expect(run.stdout).not.toContain(school.zorg.address);
  });

  it('when no receiving server is named, then trust is a WARN that says the From header alone is trusted, and it exits 0', async () => {
    const school = await createAnySchool();
    const run = await doctor(school);
    expect(run.code).toBe(0);
    expect(linesWith(run.stdout, 'WARN')).toEqual([
      'WARN  trust: no receiving server is named, so without authentication results the school trusts the From header alone (anyone can write From: Veilig Thuis); set receivingServer: microsoft365 or google, or trustedAuthservId: <authserv-id of your mail server>',
    ]);
    expect(run.stdout).toMatch(/^OK {4}imap login: /m);
  });

  it('when the IMAP port is wrong, then the TLS and the login FAIL and it exits 1', async () => {
    const env = mailstackEnv();
    const school = await createSchool();
    const port = await closedPort();
    const broken = await createSchool({
      imap: {
        host: '127.0.0.1',
        port,
        secure: false,
        tls: { ca: env.caFile },
        auth: { user: school.hwc.address, pass: { env: 'HWC_IMAP_PASSWORD' } },
      },
    });
    const run = await doctor(broken);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^FAIL  imap tls: cannot connect to 127\\.0\\.0\\.1:${port} over TLS \\(ECONNREFUSED\\)`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(/^FAIL {2}imap login: could not log in/m);
    expect(run.stdout).toMatch(/^OK {4}smtp login: /m);
  });

  it('when the password is wrong, then both logins FAIL without printing it', async () => {
    const school = await createSchool();
    const run = await doctor(school, ['--send-test'], {
      HWC_IMAP_PASSWORD: 'wrong-password-1',
      HWC_SMTP_PASSWORD: 'wrong-password-2',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL {2}imap login: the server refused the login; check imap\.auth\.user and the password$/m,
    );
    expect(run.stdout).toMatch(
      /^FAIL {2}smtp login: the server refused the login; check smtp\.auth\.user and the password$/m,
    );
    expect(run.stdout).toMatch(/^FAIL {2}test mail: not sent, because the SMTP login failed/m);
    expect(run.stdout + run.stderr).not.toContain('wrong-password');
  });

  it('when the CA file is not configured, then the certificate is not trusted and TLS FAILs', async () => {
    const env = mailstackEnv();
    const school = await createSchool({
      imap: {
        host: '127.0.0.1',
        port: env.imapPort,
        secure: false,
        auth: { user: 'x@school.test', pass: { env: 'HWC_IMAP_PASSWORD' } },
      },
    });
    const run = await doctor(school);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL {2}imap tls: 127\.0\.0\.1:\d+ \(STARTTLS\): certificate not valid \(.+\); .*imap\.tls\.ca/m,
    );
    expect(run.stdout).toMatch(/^OK {4}smtp tls: /m);
  });

  it('when a server name does not resolve, then DNS FAILs', async () => {
    const school = await createSchool({
      smtp: {
        host: 'smtp.does-not-exist.invalid',
        port: 587,
        secure: false,
        auth: { user: 'x@school.test', pass: { env: 'HWC_SMTP_PASSWORD' } },
      },
    });
    const run = await doctor(school);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL {2}smtp dns: smtp\.does-not-exist\.invalid does not resolve \(\w+\); check smtp\.host/m,
    );
  });

  it('when the storage directory is world-readable, then storage FAILs with the chmod to run', async () => {
    const school = await createSchool();
    mkdirSync(school.install.storage);
    chmodSync(school.install.storage, 0o755);
    const run = await doctor(school);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `FAIL  storage: ${school.install.storage} is world-readable (mode 0755); chmod 700 ${school.install.storage}`,
    );
  });

  it('when the storage directory is group-readable, then storage is a WARN', async () => {
    const school = await createSchool();
    mkdirSync(school.install.storage);
    chmodSync(school.install.storage, 0o750);
    const run = await doctor(school);
    expect(run.stdout).toMatch(/^WARN {2}storage: .* is group-readable \(mode 0750\)/m);
  });

  it('when a row of the audit log was edited, then the audit chain FAILs', async () => {
    const school = await createSchool();
    const store = SqliteStore.open(school.install.storage);
    store.append(checkEntry(new Date('2026-11-23T06:00:00Z'), emptyCounts(), 'ok', 1200));
    store.append(checkEntry(new Date('2026-11-24T06:00:00Z'), emptyCounts(), 'ok', 1300));
    store.close();
    const db = new Database(join(school.install.storage, DATABASE_FILE));
    db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
    db.exec(`UPDATE audit SET data = json_set(data, '$.durationMs', 1) WHERE id = 1`);
    db.close();
    const run = await doctor(school);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}audit chain: broken at row 1 \(content\); run hwc audit verify/m);
  });

  it('when the configuration cannot be loaded, then each error is a FAIL and it exits 78', async () => {
    const school = await createSchool({
      schedule: { checks: ['25:00'], days: ['mon'] },
      notify: 'sometimes',
    });
    const run = await doctor(school);
    expect(run.code).toBe(78);
    const fails = linesWith(run.stdout, 'FAIL');
    expect(fails).toHaveLength(2);
    expect(fails).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FAIL {2}config: notify: /),
        expect.stringMatching(/^FAIL {2}config: schedule\.checks\[0\]: /),
      ]),
    );
  });
});

const DAY_MS = 86_400_000;
const FOLDERS = { INBOX: [], Sent: ['\\Sent'], Trash: ['\\Trash'] };

describe('hwc doctor against a scripted IMAP server', () => {
  let certificates: TestCertificates;
  let valid: ServerCertificate;
  const servers: FakeImapServer[] = [];

  beforeAll(() => {
    certificates = makeCertificates();
    valid = certificates.issue(new Date(Date.now() - DAY_MS), new Date(Date.now() + 365 * DAY_MS));
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  /** A school whose IMAP server is the fake; SMTP stays on the real stack. */
  async function schoolWithFake(
    options: Partial<FakeImapOptions>,
    tls: Record<string, unknown> = {},
  ): Promise<{ school: School; where: string }> {
    const host = options.host ?? '127.0.0.1';
    const server = await startFakeImap({
      certificate: valid,
      capabilities: ['UIDPLUS'],
      folders: FOLDERS,
      ...options,
    });
    servers.push(server);
    const school = await createSchool({
      imap: {
        host,
        port: server.port,
        secure: false,
        tls: { ca: certificates.caFile, ...tls },
        auth: { user: 'hwc@school.test', pass: { env: 'HWC_IMAP_PASSWORD' } },
      },
    });
    return { school, where: `${host}:${server.port}` };
  }

  it('when the server has UIDPLUS and both folders, then imap login is OK and it exits 0', async () => {
    const { school, where } = await schoolWithFake({});
    const run = await doctor(school);
    expect(linesWith(run.stdout, 'FAIL')).toEqual([]);
    expect(run.stdout).toMatch(
      new RegExp(
        `^OK {4}imap tls: ${where.replaceAll('.', '\\.')} \\(STARTTLS\\): certificate valid until `,
        'm',
      ),
    );
    expect(run.stdout).toContain(
      'OK    imap login: logged in; UIDPLUS; folders it will purge: INBOX \\Inbox, Sent \\Sent, Trash \\Trash\n',
    );
    expect(run.code).toBe(0);
  });

  it('when a loopback server does not offer STARTTLS, then imap tls is a WARN and it exits 0', async () => {
    const { school, where } = await schoolWithFake({ startTls: false });
    const run = await doctor(school);
    expect(linesWith(run.stdout, 'WARN')).toEqual([
      `WARN  imap tls: ${where} does not offer STARTTLS; set imap.secure: true with the implicit TLS port, or enable STARTTLS on the server`,
    ]);
    expect(run.code).toBe(0);
  });

  it('when the certificate has expired, then imap tls FAILs with renew it and it exits 1', async () => {
    const expired = certificates.issue(new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z'));
    const { school, where } = await schoolWithFake({ certificate: expired });
    const run = await doctor(school);
    expect(run.stdout).toContain(
      `FAIL  imap tls: ${where} (STARTTLS): certificate not valid (CERT_HAS_EXPIRED); the certificate has expired; renew it on the server\n`,
    );
    expect(run.code).toBe(1);
  });

  it('when the certificate has expired but tls.rejectUnauthorized is false, then imap tls is a WARN', async () => {
    const expired = certificates.issue(new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z'));
    const { school, where } = await schoolWithFake({ certificate: expired }, { rejectUnauthorized: false });
    const run = await doctor(school);
    expect(run.stdout).toContain(
      `WARN  imap tls: ${where} (STARTTLS): certificate not valid (CERT_HAS_EXPIRED); the certificate has expired; renew it on the server (accepted now only because tls.rejectUnauthorized is false)\n`,
    );
    expect(linesWith(run.stdout, 'FAIL')).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('when the certificate expires within 14 days, then imap tls is a WARN with the date and it exits 0', async () => {
    const notAfter = new Date(Date.now() + 10 * DAY_MS + DAY_MS / 2);
    const soon = certificates.issue(new Date(Date.now() - DAY_MS), notAfter);
    const { school, where } = await schoolWithFake({ certificate: soon });
    const run = await doctor(school);
    expect(linesWith(run.stdout, 'WARN')).toEqual([
      `WARN  imap tls: ${where}: the certificate expires in 10 days (${notAfter.toISOString().slice(0, 10)}); renew it soon`,
    ]);
    expect(run.code).toBe(0);
  });

  it('when the server lacks UIDPLUS, then imap login FAILs and it exits 1', async () => {
    const { school } = await schoolWithFake({ capabilities: [] });
    const run = await doctor(school);
    expect(linesWith(run.stdout, 'FAIL')).toEqual([
      'FAIL  imap login: the server lacks UIDPLUS (RFC 4315), so a signal cannot be deleted without touching other mail; use a server that supports it',
    ]);
    expect(run.code).toBe(1);
  });

  it('when there is no Sent and no Trash folder, then imap login is a WARN naming both and it exits 0', async () => {
    const { school } = await schoolWithFake({ folders: { INBOX: [], Projecten: [] } });
    const run = await doctor(school);
    expect(linesWith(run.stdout, 'WARN')).toEqual([
      'WARN  imap login: logged in; folders it will purge: INBOX \\Inbox; no \\Sent or \\Trash folder found, so copies there are not purged; check the folder names in webmail',
    ]);
    expect(run.code).toBe(0);
  });

  it('when only the Trash folder is missing, then imap login is a WARN naming \\Trash', async () => {
    const { school } = await schoolWithFake({ folders: { INBOX: [], Sent: ['\\Sent'] } });
    const run = await doctor(school);
    expect(linesWith(run.stdout, 'WARN')).toEqual([
      'WARN  imap login: logged in; folders it will purge: INBOX \\Inbox, Sent \\Sent; no \\Trash folder found, so copies there are not purged; check the folder names in webmail',
    ]);
    expect(run.code).toBe(0);
  });
});
