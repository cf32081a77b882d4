import { describe, expect, it } from 'vitest';
import { guardedCheck } from '../../src/check/watchdog.js';
import { sendDeadManAlarm } from '../../src/check/dead-man.js';
import type { CheckDeps } from '../../src/check/context.js';
import { verifyChain, retentionCutoff } from '../../src/core/audit-entry.js';
import { MailboxError } from '../../src/core/errors.js';
import type { Mailbox, MailboxOpener } from '../../src/core/ports.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { pruneExpiredAudit } from '../../src/audit-retention.js';
import { captureLogger } from '../support/capture-logger.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings } from '../support/check-fixtures.js';

const NOW = new Date('2026-11-25T06:00:00Z');

function deps(opener: MailboxOpener) {
  const store = SqliteStore.inMemory();
  const { logger, logs } = captureLogger();
  const clock = new FixedClock(NOW);
  const d: CheckDeps = {
    settings: checkSettings(),
    opener,
    mailer: new FakeMailer(),
    store,
    clock,
    logger,
    parser: mailParser,
  };
  return { deps: d, store, logs, clock };
}

const refusing: MailboxOpener = {
  open: () => Promise.reject(new MailboxError('IMAP_AUTH_REFUSED', 'the IMAP server refused the login')),
};

describe('audit rows of failed checks and alarms', () => {
  it('when the login is refused before the mailbox opens, then the check still leaves one failed row with the code only', async () => {
    const { deps: d, store } = deps(refusing);
    const result = await guardedCheck(d, { dryRun: false, timeoutMs: 5_000 });
    expect(result).toBeInstanceOf(MailboxError);
    const rows = store.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.type).toBe('check');
    expect(rows[0]?.data).toMatchObject({
      outcome: 'failed',
      error: 'IMAP_AUTH_REFUSED',
      provider: 'unknown',
    });
    expect(JSON.stringify(rows[0])).not.toContain('refused the login');
  });

  it('when the check runs past its time budget, then exactly one failed row with CHECK_TIMEOUT is written', async () => {
    const hanging: MailboxOpener = {
      open: () => new Promise<Mailbox>(() => undefined),
      abort: () => undefined,
    };
    const { deps: d, store } = deps(hanging);
    await guardedCheck(d, { dryRun: false, timeoutMs: 20 });
    expect(store.rows().map((row) => row.data.error)).toEqual(['CHECK_TIMEOUT']);
  });

  it('when a check fails after the mailbox opened, then it writes its own row once, not a second one', async () => {
    const mailbox = new FakeMailbox();
    mailbox.add('INBOX', 'From: a@b.test\r\nSubject: x\r\nMessage-ID: <n1@b.test>\r\n\r\nnieuwsbrief\r\n');
    const { deps: d, store } = deps(mailbox);
    (d.mailer as FakeMailer).down = true;
    await guardedCheck(d, { dryRun: false, timeoutMs: 5_000 });
    const checks = store.rows().filter((row) => row.type === 'check');
    expect(checks).toHaveLength(1);
    expect(checks[0]?.data).toMatchObject({
      outcome: 'failed',
      error: 'SMTP_ECONNREFUSED',
      provider: 'generic',
    });
  });

  it('when a dry run fails, then no audit row is written', async () => {
    const { deps: d, store } = deps(refusing);
    await guardedCheck(d, { dryRun: true, timeoutMs: 5_000 });
    expect(store.rows()).toHaveLength(0);
  });

  it('when the dead-man alarm is sent or cannot be sent, then an alarm row records which', async () => {
    const { store, clock } = deps(refusing);
    const { logger } = captureLogger();
    const settings = {
      identity: {
        school: 'Basisschool De Test',
        fromAddress: 'hwc@school.test',
        timezone: 'Europe/Amsterdam',
      },
      contacts: [
        { name: 'Zorg', email: 'zorg@school.test' },
        { name: 'Wacht', email: 'wacht@school.test' },
      ],
      schedule: { checks: ['07:00'], days: ['wed' as const], timezone: 'Europe/Amsterdam' },
      deadline: '08:15',
    };
    const mailer = new FakeMailer();
    expect(await sendDeadManAlarm({ mailer, clock, store, logger }, settings)).toBe(true);
    // The alarm goes to each contact once a day: the failed one is the next school day's.
    clock.advance(24 * 3_600_000);
    mailer.down = true;
    expect(await sendDeadManAlarm({ mailer, clock, store, logger }, settings)).toBe(false);
    expect(store.rows().map((row) => [row.type, row.data])).toEqual([
      ['alarm', { kind: 'dead-man', outcome: 'sent' }],
      ['alarm', { kind: 'dead-man', outcome: 'failed' }],
    ]);
  });

  it('when the log holds alarm and failed check rows, then verify accepts the chain and prune removes them like any row', async () => {
    const { deps: d, store, clock } = deps(refusing);
    await guardedCheck(d, { dryRun: false, timeoutMs: 5_000 });
    const { logger } = captureLogger();
    const settings = {
      identity: { school: 'S', fromAddress: 'hwc@school.test', timezone: 'Europe/Amsterdam' },
      contacts: [{ name: 'Zorg', email: 'zorg@school.test' }],
      schedule: { checks: ['07:00'], days: ['wed' as const], timezone: 'Europe/Amsterdam' },
      deadline: '08:15',
    };
    await sendDeadManAlarm({ mailer: new FakeMailer(), clock, store, logger }, settings);
    expect(verifyChain(store.rows())).toMatchObject({ intact: true, rows: 2 });
    const later = new Date(NOW.getTime() + 800 * 86_400_000);
    expect(retentionCutoff(later, 730).getTime()).toBeGreaterThan(NOW.getTime());
    const result = pruneExpiredAudit(store, 730, later);
    expect(result.outcome).toBe('pruned');
    expect(store.rows().map((row) => row.type)).toEqual(['prune']);
    expect(verifyChain(store.rows())).toMatchObject({ intact: true });
  });
});
