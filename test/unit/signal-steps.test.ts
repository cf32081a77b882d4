import { describe, expect, it } from 'vitest';
import { advanceSignal, MAX_STEPS_PER_SIGNAL } from '../../src/check/signal-steps.js';
import { HANDLERS, type StepHandlers } from '../../src/check/step-handlers.js';
import type { CheckContext, SignalInProgress } from '../../src/check/context.js';
import { emptyCounts } from '../../src/core/audit-entry.js';
import { classify } from '../../src/core/classify.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';

async function oneSignal(): Promise<{
  ctx: CheckContext;
  signal: SignalInProgress;
  mailbox: FakeMailbox;
  mailer: FakeMailer;
  logs: () => string;
}> {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const raw = signalMail({ body: ['Quirijn Zwartveld-Oosterbeek, 17-9-2014, Handle with Care'] });
  const uid = mailbox.add('INBOX', raw);
  const parsed = await mailParser.parse(Buffer.from(raw), 5_000_000);
  if (!parsed.ok) throw new Error('the test signal did not parse');
  const classified = classify(parsed.facts, { today: '2026-11-25' });
  const settings = checkSettings();
  const ctx: CheckContext = {
    deps: {
      settings,
      opener: mailbox,
      mailer,
      store: SqliteStore.inMemory(),
      clock,
      logger,
      parser: mailParser,
    },
    mailbox,
    identity: { school: settings.school, fromAddress: settings.from.address, timezone: settings.timezone },
    domain: 'school.test',
    counts: emptyCounts(),
    step: () => undefined,
  };
  const signal: SignalInProgress = {
    key: 'ab'.repeat(32),
    folder: 'INBOX',
    uid,
    facts: parsed.facts,
    classified,
    keywords: [],
    record: {
      key: 'ab'.repeat(32),
      uidValidity: mailbox.uidValidity,
      uid,
      receivedAt: clock.now().toISOString(),
      notified: {},
      refused: {},
      needsReview: classified.needsReview,
      children: classified.children.length,
    },
  };
  return { ctx, signal, mailbox, mailer, logs };
}

describe('the step machine', () => {
  it('when a step does not record what it did, then the signal stops after the step limit instead of looping', async () => {
    const { ctx, signal, mailer, logs } = await oneSignal();
    let calls = 0;
    const forgetful: StepHandlers = {
      ...HANDLERS,
      notify: async () => {
        calls += 1;
      },
    };
    await expect(advanceSignal(ctx, signal, forgetful)).rejects.toMatchObject({ code: 'TOO_MANY_STEPS' });
    expect(calls).toBe(MAX_STEPS_PER_SIGNAL);
    expect(mailer.sent).toHaveLength(0);
    expect(logs()).toContain('too-many-steps');
  });

  it('when a signal is handled, then it leaves the mailbox only through the purge handler', async () => {
    const { ctx, signal, mailbox, mailer } = await oneSignal();
    const purges: string[] = [];
    const recording: StepHandlers = {
      ...HANDLERS,
      purge: async (_ctx, current, step, now) => {
        purges.push(step.why);
        current.record = { ...current.record, purgedAt: now.toISOString() };
      },
    };
    const turn = await advanceSignal(ctx, signal, recording);
    expect(turn).toEqual({ end: 'done' });
    expect(purges).toEqual(['handled']);
    expect(mailer.sent.map((m) => m.kind)).toEqual(['notification', 'notification', 'acknowledgement']);
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(ctx.counts.purged).toBe(0);
  });
});
