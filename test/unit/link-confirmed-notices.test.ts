import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { recordConfirmation } from '../../src/check/confirmations.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { nextSignalStep, type SignalPolicy, type SignalProgress } from '../../src/core/decide.js';
import type { SignalRecord } from '../../src/core/ports.js';
import { captureLogger } from '../support/capture-logger.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';

const CHILD = 'Quirijn Canarie';

function setup(notify: 'both' | 'escalate', store = SqliteStore.inMemory(), mailbox = new FakeMailbox()) {
  const mailer = new FakeMailer();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings({
      notify,
      deliver: 'link',
      link: { baseUrl: 'https://hwc.school.test', pinRoles: [] },
    }),
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
    linkTokens: store.linkTokens(),
  };
  return { deps, mailer, mailbox, store, clock, logs };
}

/** What the page does on "Gezien": a reveal, then the confirmation, both in the state only. */
function confirmOnPage(store: SqliteStore, role: 'primary' | 'backup', at: Date): void {
  const [record] = store.allSignals();
  store.putSignal({ ...(record as SignalRecord), revealedAt: at.toISOString() });
  const logger = captureLogger().logger;
  recordConfirmation({ store, logger }, { key: record?.key ?? '', role, proof: 'link' }, at);
}

/** With notify: both, a signal is told to both, and five minutes later the backup confirms on the page. */
async function confirmedOnPageByBackup() {
  const told = setup('both');
  told.mailbox.add(
    'INBOX',
    signalMail({ body: [`Leerling: ${CHILD}`, 'Geboortedatum: 04-09-2015', 'Handle with Care'] }),
  );
  await runCheck(told.deps, { dryRun: false });
  told.clock.advance(5 * 60_000);
  confirmOnPage(told.store, 'backup', new Date('2026-11-25T06:04:00Z'));
  return told;
}

const confirmedMails = (mailer: FakeMailer) => mailer.sent.filter((m) => m.kind === 'confirmed');

/** A primary told by link confirms on the page; the check after it is killed at `step`. */
async function killedAt(step: string) {
  const store = SqliteStore.inMemory();
  const mailbox = new FakeMailbox();
  const first = setup('escalate', store, mailbox);
  mailbox.add(
    'INBOX',
    signalMail({ body: [`Leerling: ${CHILD}`, 'Geboortedatum: 04-09-2015', 'Handle with Care'] }),
  );
  await runCheck(first.deps, { dryRun: false });
  confirmOnPage(store, 'primary', new Date('2026-11-25T06:05:00Z'));
  first.deps.onStep = (name) => {
    if (name === step) throw new Error('killed');
  };
  await expect(runCheck(first.deps, { dryRun: false })).rejects.toThrow();
  return { store, mailbox, sentBefore: confirmedMails(first.mailer).length };
}

describe('a confirmation on the link page', () => {
  it('when a contact confirms on the page, then the next check thanks them and tells the other contact, content-free, before the purge', async () => {
    const { deps, mailer, mailbox, store } = await confirmedOnPageByBackup();
    expect(mailbox.folder('INBOX')).toHaveLength(1);

    const report = await runCheck(deps, { dryRun: false });
    const [thanks, notice] = confirmedMails(mailer);
    expect(thanks?.to).toEqual(['backup@school.test']);
    expect(thanks?.text).toContain('Uw bevestiging via de link in de Handle with Care-melding');
    expect(thanks?.text).toContain('om 07:04 ontvangen');
    expect(notice?.to).toEqual(['zorg@school.test']);
    expect(notice?.subject).toMatch(/^Opgepakt door de achterwacht/);
    for (const mail of [thanks, notice]) expect(mail?.text).not.toContain('Canarie');
    expect(report.counts.purged).toBe(1);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(store.allSignals()[0]?.confirmedNoticesAt).toBeDefined();

    // Later checks find the signal purged: nothing is sent again.
    await runCheck(deps, { dryRun: false });
    expect(confirmedMails(mailer)).toHaveLength(2);
  });

  it('when the check dies after the notices were recorded but before the purge, then the restart purges and sends them not again', async () => {
    const { store, mailbox, sentBefore } = await killedAt('after-thank');
    expect(sentBefore).toBe(1);
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    const restart = setup('escalate', store, mailbox);
    const report = await runCheck(restart.deps, { dryRun: false });
    expect(confirmedMails(restart.mailer)).toHaveLength(0);
    expect(report.counts.purged).toBe(1);
  });

  it('when the check dies after the notices went out but before they were recorded, then the restart sends them once more and no more', async () => {
    const { store, mailbox, sentBefore } = await killedAt('sent-thank');
    expect(sentBefore).toBe(1);
    const restart = setup('escalate', store, mailbox);
    await runCheck(restart.deps, { dryRun: false });
    await runCheck(restart.deps, { dryRun: false });
    expect(confirmedMails(restart.mailer)).toHaveLength(1);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when SMTP defers the thanks or cannot be reached, then they are not recorded as sent, the signal waits, and the next check sends them', async () => {
    const { deps, mailer, mailbox, store } = await confirmedOnPageByBackup();

    mailer.defer.add('backup@school.test');
    await expect(runCheck(deps, { dryRun: false })).rejects.toMatchObject({ code: 'SMTP_DEFERRED' });
    expect(store.allSignals()[0]?.confirmedNoticesAt).toBeUndefined();
    expect(mailbox.folder('INBOX')).toHaveLength(1);

    mailer.defer.clear();
    mailer.down = true;
    await expect(runCheck(deps, { dryRun: false })).rejects.toMatchObject({ code: 'SMTP_ECONNREFUSED' });
    expect(store.allSignals()[0]?.confirmedNoticesAt).toBeUndefined();
    expect(mailbox.folder('INBOX')).toHaveLength(1);

    mailer.down = false;
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.purged).toBe(1);
    expect(confirmedMails(mailer).filter((m) => m.to.includes('backup@school.test'))).toHaveLength(1);
    expect(store.allSignals()[0]?.confirmedNoticesAt).toBeDefined();
  });

  it('when SMTP still defers the thanks once purgeAfter has passed, then the signal is purged as confirmed without them, and the log says so without personal data', async () => {
    const { deps, mailer, mailbox, store, clock, logs } = await confirmedOnPageByBackup();
    mailer.defer.add('backup@school.test');
    await expect(runCheck(deps, { dryRun: false })).rejects.toMatchObject({ code: 'SMTP_DEFERRED' });
    expect(mailbox.folder('INBOX')).toHaveLength(1);

    // The signal was found at 06:00 with purgeAfter 8 h; SMTP defers the thanks all day.
    clock.advance(8 * 3_600_000);
    const report = await runCheck(deps, { dryRun: false });
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(report.counts).toMatchObject({ purged: 1, unconfirmedPurged: 0 });
    const row = store.rows().find((r) => r.type === 'signal' && r.data.purgeReason);
    expect(row?.data).toMatchObject({ confirmedBy: 'backup', purgeReason: 'confirmed' });
    expect(store.allSignals()[0]?.confirmedNoticesAt).toBeUndefined();
    expect(confirmedMails(mailer).filter((m) => m.to.includes('backup@school.test'))).toHaveLength(0);
    const dropped = logs()
      .split('\n')
      .filter((line) => line.includes('"outcome":"dropped"'));
    expect(dropped).toHaveLength(1);
    expect(JSON.parse(dropped[0] ?? '{}')).toMatchObject({ step: 'thank', reason: 'past-purge-after' });
    expect(logs()).not.toContain('Canarie');
    expect(logs()).not.toContain('backup@school.test');
  });

  it('when the server refuses the thanks for good, then that counts as done and the signal is purged', async () => {
    const { deps, mailer, store } = await confirmedOnPageByBackup();

    mailer.refuse.add('backup@school.test');
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.purged).toBe(1);
    expect(store.allSignals()[0]?.confirmedNoticesAt).toBeDefined();
  });

  it('when a link signal is confirmed, then the step before the purge is the thanks, once, and a confirmation without a role (written before) goes straight to the purge', () => {
    const policy: SignalPolicy = {
      mode: 'escalate',
      escalateAfterMs: 20 * 60_000,
      purgeAfterMs: 8 * 3_600_000,
      deadline: new Date('2026-11-25T07:15:00Z'),
      primaryAbsent: false,
      deliver: 'link',
    };
    const flags = { mdnRequested: false, keywords: ['$HwcAcknowledged'] };
    const confirmed = {
      receivedAt: '2026-11-25T06:00:00Z',
      notified: { primary: '2026-11-25T06:00:00Z' },
      refused: {},
      acknowledgedAt: '2026-11-25T06:00:00Z',
      revealedAt: '2026-11-25T06:04:00Z',
      confirmedAt: '2026-11-25T06:05:00Z',
    };
    const now = new Date('2026-11-25T06:06:00Z');
    expect(nextSignalStep({ ...confirmed, confirmedBy: 'primary' }, flags, policy, now)).toEqual({
      step: 'thank',
      role: 'primary',
    });
    const thanked = { ...confirmed, confirmedBy: 'primary' as const, confirmedNoticesAt: now.toISOString() };
    expect(nextSignalStep(thanked, flags, policy, now)).toEqual({ step: 'purge', why: 'confirmed' });
    expect(nextSignalStep(confirmed, flags, policy, now)).toEqual({ step: 'purge', why: 'confirmed' });
    // By mail a reply sends its notices itself (confirmations.ts): no step for them.
    const { deliver: _mail, ...byMail } = policy;
    expect(nextSignalStep({ ...confirmed, confirmedBy: 'primary' }, flags, byMail, now).step).toBe('purge');
  });

  it('when the hard limit has passed and the thanks is still owed, then the signal is purged as confirmed and no thank step is planned; before it, the thanks still comes first', () => {
    const policy: SignalPolicy = {
      mode: 'escalate',
      escalateAfterMs: 20 * 60_000,
      purgeAfterMs: 8 * 3_600_000,
      deadline: new Date('2026-11-25T07:15:00Z'),
      primaryAbsent: false,
      deliver: 'link',
    };
    const flags = { mdnRequested: false, keywords: ['$HwcAcknowledged'] };
    const owed: SignalProgress = {
      receivedAt: '2026-11-25T06:00:00Z',
      notified: { primary: '2026-11-25T06:00:00Z', backup: '2026-11-25T06:20:00Z' },
      refused: {},
      acknowledgedAt: '2026-11-25T06:00:00Z',
      revealedAt: '2026-11-25T06:04:00Z',
      confirmedAt: '2026-11-25T06:05:00Z',
      confirmedBy: 'primary',
    };
    const limit = new Date('2026-11-25T14:00:00Z');
    const droppedPurge = { step: 'purge', why: 'confirmed', thanksDropped: true };
    expect(nextSignalStep(owed, flags, policy, new Date(limit.getTime() - 1))).toEqual({
      step: 'thank',
      role: 'primary',
    });
    expect(nextSignalStep(owed, flags, policy, limit)).toEqual(droppedPurge);
    expect(nextSignalStep(owed, flags, { ...policy, mode: 'both' }, limit)).toEqual(droppedPurge);
    // Held, or confirmed on the page without a recorded reveal: purged as confirmed all the same.
    expect(nextSignalStep({ ...owed, heldAt: '2026-11-25T06:00:00Z' }, flags, policy, limit)).toEqual(
      droppedPurge,
    );
    const { revealedAt: _revealed, ...unrevealed } = owed;
    expect(nextSignalStep(unrevealed, flags, policy, limit)).toEqual(droppedPurge);
    // The receipt to the sender still goes before the purge: dropping the thanks skips only the thanks.
    const { acknowledgedAt: _ack, ...unacknowledged } = owed;
    expect(nextSignalStep(unacknowledged, { mdnRequested: false, keywords: [] }, policy, limit)).toEqual({
      step: 'acknowledge',
    });
  });

  it('when a confirmed signal is still in the mailbox past purgeAfter, then it is purged as confirmed, never as an unconfirmed hard-limit purge', () => {
    const policy: SignalPolicy = {
      mode: 'escalate',
      escalateAfterMs: 20 * 60_000,
      purgeAfterMs: 8 * 3_600_000,
      deadline: new Date('2026-11-25T07:15:00Z'),
      primaryAbsent: false,
    };
    const flags = { mdnRequested: false, keywords: ['$HwcAcknowledged'] };
    const thanked: SignalProgress = {
      receivedAt: '2026-11-25T06:00:00Z',
      notified: { primary: '2026-11-25T06:00:00Z', backup: '2026-11-25T06:20:00Z' },
      refused: {},
      reminderSentAt: '2026-11-25T07:15:00Z',
      acknowledgedAt: '2026-11-25T06:00:00Z',
      revealedAt: '2026-11-25T06:04:00Z',
      confirmedAt: '2026-11-25T06:05:00Z',
      confirmedBy: 'primary',
      confirmedNoticesAt: '2026-11-25T06:06:00Z',
    };
    const late = new Date('2026-11-25T15:00:00Z');
    const asConfirmed = { step: 'purge', why: 'confirmed' };
    expect(nextSignalStep(thanked, flags, policy, late)).toEqual(asConfirmed);
    expect(nextSignalStep(thanked, flags, { ...policy, deliver: 'link' }, late)).toEqual(asConfirmed);
    const { confirmedAt: _at, confirmedBy: _by, confirmedNoticesAt: _notices, ...unconfirmed } = thanked;
    expect(nextSignalStep(unconfirmed, flags, { ...policy, deliver: 'link' }, late)).toEqual({
      step: 'purge',
      why: 'hard-limit',
    });
  });
});
