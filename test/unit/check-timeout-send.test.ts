import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
 * An SMTP server that takes a mail and answers only when the test says so, as one does that
 * queued the mail and is slow to say so. abort() fails every send still waiting for its answer.
 */
class SlowMailer implements Mailer {
  readonly accepted = new FakeMailer();
  aborted = 0;
  readonly #waiting: { mail: OutgoingMail; resolve: (r: SendResult) => void; reject: (e: Error) => void }[] =
    [];
  #started: () => void = () => undefined;
  /** Settles when the first send is under way. */
  readonly started = new Promise<void>((resolve) => (this.#started = resolve));

  send(mail: OutgoingMail): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      this.#waiting.push({ mail, resolve, reject });
      this.#started();
    });
  }

  /** The server's 250 to every mail waiting for it. */
  async answer(): Promise<void> {
    for (const { mail, resolve } of this.#waiting.splice(0)) resolve(await this.accepted.send(mail));
  }

  close(): void {}

  abort(): void {
    this.aborted += 1;
    for (const { reject } of this.#waiting.splice(0))
      reject(new MailerError('SMTP_ECONNECTION', 'connection closed'));
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
  // The watchdog's clock is the test's: the timeout falls exactly while a send waits for its answer.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when the server accepts the notification after the timeout, then the check waits for it, records it, sends nothing more, and the next check does not notify that contact again', async () => {
    const slow = new SlowMailer();
    const { store, deps, mailbox, logs } = setup(slow);
    const running = guardedCheck(deps, { dryRun: false, timeoutMs: 1_000, settleMs: 5_000 });
    await slow.started;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(logs()).toContain('waiting for the answer');
    await slow.answer();
    const result = await running;
    expect(result).toBeInstanceOf(CheckTimeoutError);
    expect((result as CheckTimeoutError).code).toBe('CHECK_TIMEOUT');
    expect(slow.accepted.sent.map((m) => [m.kind, m.to[0]])).toEqual([['notification', 'zorg@school.test']]);
    expect(store.allSignals()[0]?.notified.primary).toBeDefined();
    expect(store.rows().map((row) => row.data.error)).toEqual(['CHECK_TIMEOUT']);

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
    const silent = new SlowMailer();
    const { store, deps, logs } = setup(silent);
    const running = guardedCheck(deps, { dryRun: false, timeoutMs: 1_000, settleMs: 5_000 });
    await silent.started;
    await vi.advanceTimersByTimeAsync(6_000);
    const result = await running;
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

  it('when the send got its answer but the check then hangs on the mailbox, then nothing is said to be closed and no resend is promised', async () => {
    const slow = new SlowMailer();
    const { store, deps, mailbox, logs } = setup(slow);
    let hang = false;
    // After the answer every mailbox call waits for ever, as one on a dropped IMAP connection.
    deps.opener = {
      open: async (...args: Parameters<FakeMailbox['open']>) => {
        const opened = await mailbox.open(...args);
        return new Proxy(opened, {
          get(target, name, receiver) {
            const value: unknown = Reflect.get(target, name, receiver);
            if (typeof value !== 'function') return value;
            return (...callArgs: unknown[]) =>
              hang
                ? new Promise(() => undefined)
                : (value as (...a: unknown[]) => unknown).apply(target, callArgs);
          },
        });
      },
      abort: () => undefined,
    };
    const running = guardedCheck(deps, { dryRun: false, timeoutMs: 1_000, settleMs: 5_000 });
    await slow.started;
    await vi.advanceTimersByTimeAsync(1_000);
    hang = true;
    await slow.answer();
    await vi.advanceTimersByTimeAsync(6_000);
    const result = await running;
    expect((result as CheckTimeoutError).code).toBe('CHECK_TIMEOUT');
    expect(slow.aborted).toBe(0);
    expect(logs()).not.toContain('the connection is closed');
    expect(store.allSignals()[0]?.notified.primary).toBeDefined();
  });

  it('when no send is in flight at the timeout, then the check fails at once without waiting', async () => {
    const never = new SlowMailer();
    const { deps } = setup(never);
    deps.opener = { open: () => new Promise(() => undefined), abort: () => undefined };
    const running = guardedCheck(deps, { dryRun: false, timeoutMs: 1_000, settleMs: 60_000 });
    // Only the time budget passes, not the settle time: a wait for sends would never end here.
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await running;
    expect((result as CheckTimeoutError).code).toBe('CHECK_TIMEOUT');
    expect(never.aborted).toBe(0);
  });
});
