import { describe, expect, it } from 'vitest';
import { guardedCheck } from '../../src/check/watchdog.js';
import type { CheckDeps } from '../../src/check/context.js';
import { CheckTimeoutError, MailerError } from '../../src/core/errors.js';
import type { Mailer, OutgoingMail, SendResult } from '../../src/core/ports.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { captureLogger } from '../support/capture-logger.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';

/**
 * An SMTP server that takes a mail but answers only after `answerMs` (never, when undefined), as
 * one does that queued the mail and is slow to say so. abort() fails every send still waiting.
 */
class SlowMailer implements Mailer {
  readonly accepted = new FakeMailer();
  aborted = 0;
  readonly #waiting = new Set<(err: Error) => void>();

  constructor(private readonly answerMs: number | undefined) {}

  send(mail: OutgoingMail): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.#waiting.add(fail);
      if (this.answerMs === undefined) return;
      setTimeout(() => {
        this.#waiting.delete(fail);
        resolve(this.accepted.send(mail));
      }, this.answerMs);
    });
  }

  close(): void {}

  abort(): void {
    this.aborted += 1;
    for (const fail of this.#waiting) fail(new MailerError('SMTP_ECONNECTION', 'connection closed'));
    this.#waiting.clear();
  }
}

function setup(mailer: Mailer) {
  const mailbox = new FakeMailbox();
  mailbox.add('INBOX', signalMail({ body: ['Quirijn Zwartveld-Oosterbeek, 17-9-2014, Handle with Care'] }));
  const store = SqliteStore.inMemory();
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings({ notify: 'both' }),
    opener: mailbox,
    mailer,
    store,
    clock: new FixedClock(new Date('2026-11-25T06:00:00Z')),
    logger,
    parser: mailParser,
  };
  return { mailbox, store, deps, logs };
}

describe('a send in flight when the check runs past checkTimeout', () => {
  it('when the server accepts the notification after the timeout, then the check waits for it, records it, sends nothing more, and the next check does not notify that contact again', async () => {
    const slow = new SlowMailer(300);
    const { store, deps, mailbox, logs } = setup(slow);
    const result = await guardedCheck(deps, { dryRun: false, timeoutMs: 50, settleMs: 5_000 });
    expect(result).toBeInstanceOf(CheckTimeoutError);
    expect((result as CheckTimeoutError).code).toBe('CHECK_TIMEOUT');
    expect(slow.accepted.sent.map((m) => [m.kind, m.to[0]])).toEqual([['notification', 'zorg@school.test']]);
    expect(store.allSignals()[0]?.notified.primary).toBeDefined();
    expect(store.rows().map((row) => row.data.error)).toEqual(['CHECK_TIMEOUT']);
    expect(logs()).toContain('waiting for the answer');

    const next = new FakeMailer();
    const after = await guardedCheck({ ...deps, mailer: next }, { dryRun: false, timeoutMs: 5_000 });
    expect(after).not.toBeInstanceOf(Error);
    expect(next.sent.map((m) => [m.kind, m.to[0]])).toEqual([
      ['notification', 'backup@school.test'],
      ['acknowledgement', 'signaal@veiligthuis.test'],
    ]);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when the server does not answer within the settle time, then the connection is closed, nothing is recorded as sent, and the next check sends the notification again', async () => {
    const silent = new SlowMailer(undefined);
    const { store, deps, logs } = setup(silent);
    const result = await guardedCheck(deps, { dryRun: false, timeoutMs: 50, settleMs: 100 });
    expect((result as CheckTimeoutError).code).toBe('CHECK_TIMEOUT');
    expect(silent.aborted).toBe(1);
    expect(store.allSignals()[0]?.notified.primary).toBeUndefined();
    expect(store.rows().map((row) => row.data.error)).toEqual(['CHECK_TIMEOUT']);
    expect(logs()).toContain('the connection is closed');

    const next = new FakeMailer();
    await guardedCheck({ ...deps, mailer: next }, { dryRun: false, timeoutMs: 5_000 });
    expect(next.sent.filter((m) => m.kind === 'notification').map((m) => m.to[0])).toEqual([
      'zorg@school.test',
      'backup@school.test',
    ]);
  });

  it('when no send is in flight at the timeout, then the check fails at once without waiting', async () => {
    const never = new SlowMailer(undefined);
    const { deps } = setup(never);
    deps.opener = { open: () => new Promise(() => undefined), abort: () => undefined };
    const result = await guardedCheck(deps, { dryRun: false, timeoutMs: 20, settleMs: 60_000 });
    expect((result as CheckTimeoutError).code).toBe('CHECK_TIMEOUT');
    expect(never.aborted).toBe(0);
  });
});
