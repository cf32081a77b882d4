import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { startFakeSmtp, type FakeSmtpOptions } from '../support/fake-mail-servers.js';
import { runHwc, type HwcRun } from '../support/hwc.js';
import { deliver, listMessages, mailstackEnv, waitForMessages } from '../support/mailstack.js';
import { CANARY, createSchool, signalMail, type School } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
// The dead-man alarm goes out once the morning's last scheduled check failed: here that is 23:58.
const LATE = { checks: ['00:00', '23:58'], days: EVERY_DAY, deadline: '23:59' };

/** The config with SMTP (and, if asked, IMAP) pointed at another port. */
function pointAt(s: School, ports: { smtp?: number; imap?: number }): string {
  const env = mailstackEnv();
  let config = readFileSync(s.install.configFile, 'utf8');
  if (ports.smtp !== undefined) config = config.replace(`port: ${env.submissionPort}`, `port: ${ports.smtp}`);
  if (ports.imap !== undefined) config = config.replace(`port: ${env.imapPort}`, `port: ${ports.imap}`);
  const file = join(s.install.dir, `faulty-${ports.smtp ?? 'smtp'}-${ports.imap ?? 'imap'}.yaml`);
  writeFileSync(file, config);
  return file;
}

const check = (s: School, configFile = s.install.configFile): Promise<HwcRun> =>
  runHwc(['check', '--config', configFile], { env: s.install.env });

function signalRow(s: School): Record<string, unknown> | undefined {
  const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT * FROM signals').get() as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
}

function meta(s: School, name: string): string | undefined {
  const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: string } | undefined)
      ?.value;
  } finally {
    db.close();
  }
}

function expectNoCanaries(s: School, outputs: string[]): void {
  const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
  const { hits } = scanForCanaries(
    forms,
    [s.install.storage, s.install.tmp],
    Object.fromEntries(outputs.map((o, i) => [`output-${i}`, o])),
  );
  expect(hits).toEqual([]);
}

async function withSignal(s: School, id: string): Promise<void> {
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
}

describe('temporary SMTP answers (4xx) are temporary', () => {
  const stages: [string, (s: School) => FakeSmtpOptions][] = [
    ['RCPT', (s) => ({ rcpt: (to) => (to === s.zorg.address ? '451 4.7.1 try again later' : undefined) })],
    ['DATA', () => ({ data: '451 4.3.0 queue temporarily full' })],
  ];
  for (const [stage, answers] of stages) {
    it(`when the SMTP server answers 451 at ${stage} for the primary contact, then the contact is not marked refused, the backup is not told, the check exits 1, and the next check (SMTP recovered) notifies`, async () => {
      // A deadline late in the day: no dead-man alarm and no deadline escalation get in the way.
      const s = await createSchool({ notify: 'escalate', schedule: LATE });
      await withSignal(s, `deferred-${stage}@veiligthuis.test`);
      const fake = await startFakeSmtp(answers(s));
      try {
        const deferred = await check(s, pointAt(s, { smtp: fake.port }));
        expect(deferred.code, deferred.stdout + deferred.stderr).toBe(1);
        expect(deferred.stdout).toContain('SMTP_DEFERRED');
        expect(deferred.stdout).toContain('"outcome":"deferred"');
        const row = signalRow(s);
        expect(row?.refused_primary_at).toBeNull();
        expect(row?.notified_primary_at).toBeNull();
        expect(row?.escalated_at).toBeNull();
        // Nothing went to the backup, and the signal stays.
        expect(fake.rcpts).not.toContain(s.backup.address);
        expect(fake.delivered).toEqual([]);
        expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);

        const recovered = await check(s);
        expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);
        await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
        expect(signalRow(s)?.escalated_at).toBeNull();
        expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
        expectNoCanaries(s, [deferred.stdout, deferred.stderr, recovered.stdout, recovered.stderr]);
      } finally {
        await fake.close();
      }
    }, 60_000);
  }

  it('when the SMTP server answers 550 at RCPT for the primary contact, then that contact is refused for good and the backup is told in the same check', async () => {
    const s = await createSchool({ notify: 'escalate', schedule: LATE });
    await withSignal(s, 'refused-550@veiligthuis.test');
    const fake = await startFakeSmtp({
      rcpt: (to) => (to === s.zorg.address ? '550 5.1.1 no such user' : undefined),
    });
    try {
      const run = await check(s, pointAt(s, { smtp: fake.port }));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const row = signalRow(s);
      expect(row?.refused_primary_at).not.toBeNull();
      expect(row?.notified_backup_at).not.toBeNull();
      expect(row?.escalation_reason).toBe('unreachable');
      expect(fake.delivered.some((to) => to.includes(s.backup.address))).toBe(true);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('when the dead-man alarm gets a 451, then it is not recorded as sent, and it is sent at the next check once SMTP recovered, once', async () => {
    const s = await createSchool({ schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '00:01' } });
    const fake = await startFakeSmtp({ rcpt: () => '451 4.7.1 try again later' });
    try {
      const deferred = await check(s, pointAt(s, { smtp: fake.port, imap: 1 }));
      expect(deferred.code).toBe(1);
      expect(deferred.stdout).toContain('dead-man alarm could not be sent');
      expect(meta(s, 'dead_man_sent_on')).toBeUndefined();
      expect(fake.delivered).toEqual([]);

      const recovered = await check(s, pointAt(s, { imap: 1 }));
      expect(recovered.code).toBe(1);
      expect(recovered.stdout).toContain('dead-man alarm sent to both contacts');
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      expect(meta(s, 'dead_man_sent_on')).toBeDefined();

      const again = await check(s, pointAt(s, { imap: 1 }));
      expect(again.code).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
      expect(await listMessages(s.backup, 'INBOX')).toHaveLength(1);
    } finally {
      await fake.close();
    }
  }, 90_000);
});
