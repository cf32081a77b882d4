import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { deadManDue, sendDeadManAlarm, type DeadManSettings } from '../../src/check/dead-man.js';
import { HwcError } from '../../src/core/errors.js';
import { captureLogger } from '../support/capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';

function setup() {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  // 07:00 in Amsterdam on a Wednesday: before the deadline.
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings({ notify: 'escalate' }),
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  return { mailbox, mailer, store, clock, deps, logs };
}

const failureCode = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof HwcError ? err.code : 'other'),
  );

describe('a temporary SMTP answer (4xx)', () => {
  it('when the notification to the primary contact is deferred, then nothing is recorded of that contact, the backup is not told, and the next check notifies', async () => {
    const { mailbox, mailer, store, deps, logs } = setup();
    mailbox.add('INBOX', signalMail({ body: ['Quirijn Zwartveld, 17-9-2014, Handle with Care'] }));
    mailer.defer.add('zorg@school.test');

    expect(await failureCode(runCheck(deps, { dryRun: false }))).toBe('SMTP_DEFERRED');
    const [record] = store.allSignals();
    expect(record?.refused).toEqual({});
    expect(record?.notified).toEqual({});
    expect(mailer.sent).toEqual([]);
    expect(logs()).toContain('"outcome":"deferred"');

    mailer.defer.clear();
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => [m.kind, m.to[0]])).toEqual([
      ['notification', 'zorg@school.test'],
      ['acknowledgement', 'signaal@veiligthuis.test'],
    ]);
    expect(store.allSignals()[0]?.escalatedAt).toBeUndefined();
  });

  it('when the acknowledgement is deferred, then the check fails with SMTP_DEFERRED and the receipt is sent at the next check', async () => {
    const { mailbox, mailer, store, deps } = setup();
    mailbox.add('INBOX', signalMail({ body: ['Quirijn Zwartveld, 17-9-2014, Handle with Care'] }));
    mailer.defer.add('signaal@veiligthuis.test');
    expect(await failureCode(runCheck(deps, { dryRun: false }))).toBe('SMTP_DEFERRED');
    expect(store.allSignals()[0]?.acknowledgedAt).toBeUndefined();
    mailer.defer.clear();
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.filter((m) => m.kind === 'acknowledgement')).toHaveLength(1);
    expect(mailer.sent.filter((m) => m.kind === 'notification')).toHaveLength(1);
  });
});

describe('the dead-man alarm and a temporary SMTP answer', () => {
  const settings: DeadManSettings = {
    identity: {
      school: 'Basisschool De Proef',
      fromAddress: 'hwc@school.test',
      timezone: 'Europe/Amsterdam',
    },
    contacts: [
      { name: 'Zorgcoördinator', email: 'zorg@school.test' },
      { name: 'Achterwacht', email: 'backup@school.test' },
    ],
    schedule: {
      checks: ['07:00'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      timezone: 'Europe/Amsterdam',
    },
    deadline: '08:15',
  };

  it('when both contacts are deferred, then the alarm is not recorded as sent and goes out at the next try, once', async () => {
    const { mailer, store } = setup();
    const { logger } = captureLogger();
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    const ports = { mailer, clock, store, logger };
    mailer.defer.add('zorg@school.test');
    mailer.defer.add('backup@school.test');
    expect(deadManDue(ports, settings)).toBe(true);
    expect(await sendDeadManAlarm(ports, settings)).toBe(false);
    expect(deadManDue(ports, settings)).toBe(true);

    mailer.defer.clear();
    expect(await sendDeadManAlarm(ports, settings)).toBe(true);
    expect(deadManDue(ports, settings)).toBe(false);
    expect(mailer.sent).toHaveLength(1);
  });

  it('when only the backup is deferred, then the next try goes to the backup alone', async () => {
    const { mailer, store } = setup();
    const { logger } = captureLogger();
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    const ports = { mailer, clock, store, logger };
    mailer.defer.add('backup@school.test');
    expect(await sendDeadManAlarm(ports, settings)).toBe(true);
    expect(deadManDue(ports, settings)).toBe(true);
    mailer.defer.clear();
    expect(await sendDeadManAlarm(ports, settings)).toBe(true);
    expect(mailer.sent.map((m) => m.to)).toEqual([
      ['zorg@school.test', 'backup@school.test'],
      ['backup@school.test'],
    ]);
    expect(deadManDue(ports, settings)).toBe(false);
  });
});
