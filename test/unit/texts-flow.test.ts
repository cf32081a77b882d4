import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { captureLogger } from '../support/capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import type { OutgoingMail } from '../../src/core/ports.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';
import { arrivalTime } from '../../src/core/arrival.js';
import { isDeadManDue } from '../../src/core/schedule.js';

/** The texts in a whole check: what each contact is told, and when. Fakes behind the ports only. */

const CANARY = 'Quirijn Zwartveld-Oosterbeek';

function setup(date?: string) {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: { ...checkSettings(), notify: 'escalate' },
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  mailbox.add(
    'INBOX',
    signalMail({ ...(date ? { date } : {}), body: [`${CANARY}, 17-9-2014, Handle with Care`] }),
  );
  return { mailbox, mailer, store, clock, deps, logs };
}

const kinds = (mailer: FakeMailer) => mailer.sent.map((m) => `${m.kind}:${m.to[0]?.split('@')[0]}`);

function reply(from: string, notification: OutgoingMail | undefined, quote: boolean): string {
  const code = /Bevestigingscode: (\S+)/.exec(notification?.text ?? '')?.[1] ?? '';
  return [
    `From: ${from}`,
    'To: hwc@school.test',
    'Subject: Re: Handle with Care-signaal',
    `In-Reply-To: <${notification?.messageId}>`,
    `Message-ID: <reply-${Math.random()}@school.test>`,
    '',
    // A reply without the quote: only the code, as the notification says is enough.
    ...(quote ? ['Gezien.', ...(notification?.text ?? '').split('\n').map((l) => `> ${l}`)] : [code]),
    '',
  ].join('\r\n');
}

function outOfOffice(from: string, notification: OutgoingMail | undefined): string {
  return [
    `From: ${from}`,
    'To: hwc@school.test',
    'Subject: Automatisch antwoord: Handle with Care-signaal',
    `In-Reply-To: <${notification?.messageId}>`,
    `Message-ID: <ooo-${Math.random()}@school.test>`,
    'Auto-Submitted: auto-replied',
    '',
    'Ik ben afwezig tot en met maandag.',
    '',
  ].join('\r\n');
}

describe('texts in a whole check', () => {
  it('when the primary answers with an absence reply, then the backup is told at once with that reason, not "not delivered"', async () => {
    const { mailbox, mailer, clock, deps } = setup();
    await runCheck(deps, { dryRun: false });
    clock.advance(2 * 60_000);
    mailbox.add('INBOX', outOfOffice('zorg@school.test', mailer.sent[0]));
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer)).toEqual(['notification:zorg', 'acknowledgement:signaal', 'notification:backup']);
    const backup = mailer.sent[2];
    expect(backup?.subject.startsWith('Achterwacht: ')).toBe(true);
    expect(backup?.text).toContain('een automatisch afwezigheidsbericht is gekomen');
    expect(backup?.text).not.toContain('afgeleverd');
    expect(mailbox.folder('INBOX')).toHaveLength(1);
  });

  it('when an absence reply comes from someone else than the primary, then nobody is told early', async () => {
    const { mailbox, mailer, clock, deps } = setup();
    await runCheck(deps, { dryRun: false });
    clock.advance(2 * 60_000);
    mailbox.add('INBOX', outOfOffice('someone@elsewhere.test', mailer.sent[0]));
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer)).toEqual(['notification:zorg', 'acknowledgement:signaal']);
  });

  it('when the backup confirms after the escalation, then the primary hears who took over and the backup is thanked, without content', async () => {
    const { mailbox, mailer, clock, deps } = setup();
    await runCheck(deps, { dryRun: false });
    clock.advance(20 * 60_000);
    await runCheck(deps, { dryRun: false });
    clock.advance(3 * 60_000);
    mailbox.add('INBOX', reply('backup@school.test', mailer.sent[2], false));
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(1);
    expect(kinds(mailer).slice(3)).toEqual(['confirmed:backup', 'confirmed:zorg']);
    expect(mailer.sent[3]?.text).toContain('Dank u wel.');
    expect(mailer.sent[4]?.text).toContain('De achterwacht heeft de Handle with Care-melding met referentie');
    for (const mail of mailer.sent.slice(3)) expect(mail.text).not.toContain('Quirijn');
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when a contact replies with only the code, without quoting, then that confirms', async () => {
    const { mailbox, mailer, clock, deps } = setup();
    await runCheck(deps, { dryRun: false });
    clock.advance(5 * 60_000);
    mailbox.add('INBOX', reply('zorg@school.test', mailer.sent[0], false));
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(1);
    expect(kinds(mailer).at(-1)).toBe('confirmed:zorg');
  });

  it('when a signal arrived the evening before, then the notification and the receipt say when it arrived and when it was found', async () => {
    const { mailer, deps, store } = setup('Tue, 24 Nov 2026 17:58:00 +0000');
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent[0]?.text).toContain(
      'Ontvangen: gisteren om 18:58, gevonden bij de controle van 07:00.',
    );
    expect(mailer.sent[1]?.text).toContain('op dinsdag 24 november 2026 om 18:58 ontvangen');
    expect(mailer.sent[1]?.text).toContain('op woensdag 25 november 2026 om 07:00 gevonden');
    // The workflow row keeps times only; the deadline still counts from the check that found it.
    const [row] = store.allSignals();
    expect(row?.arrivedAt).toBe('2026-11-24T17:58:00.000Z');
    expect(row?.receivedAt).toBe('2026-11-25T06:00:00.000Z');
  });

  it('when the primary is notified, then the text says when the backup follows and when lessons begin', async () => {
    const { mailer, deps } = setup();
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent[0]?.text).toContain('Komt er vóór 07:20 geen bevestiging, dan krijgt de achterwacht');
    expect(mailer.sent[0]?.text).toMatch(/De lessen beginnen om \d\d:\d\d\./);
    expect(mailer.sent[0]?.headers?.['Importance']).toBe('high');
  });
});

describe('the arrival time', () => {
  const foundAt = new Date('2026-11-25T06:05:00Z');
  it('when INTERNALDATE is known, then it is the arrival', () => {
    const internalDate = new Date('2026-11-24T17:58:00Z');
    expect(arrivalTime({ foundAt, internalDate })).toEqual(internalDate);
  });
  it('when the Date header is earlier and plausible, then it wins; when implausible or later, it does not', () => {
    const internalDate = new Date('2026-11-24T17:58:00Z');
    const earlier = new Date('2026-11-24T17:50:00Z');
    expect(arrivalTime({ foundAt, internalDate, dateHeader: earlier })).toEqual(earlier);
    expect(arrivalTime({ foundAt, internalDate, dateHeader: new Date('2026-10-01T00:00:00Z') })).toEqual(
      internalDate,
    );
    expect(arrivalTime({ foundAt, internalDate, dateHeader: new Date('2026-11-24T18:30:00Z') })).toEqual(
      internalDate,
    );
  });
  it('when INTERNALDATE lies after the check, then the check time is used instead', () => {
    expect(arrivalTime({ foundAt, internalDate: new Date('2026-11-26T00:00:00Z') })).toEqual(foundAt);
    expect(arrivalTime({ foundAt, internalDate: new Date('invalid') })).toEqual(foundAt);
  });
});

describe('the dead-man alarm after the last morning check', () => {
  const schedule = {
    checks: ['07:00', '07:45'],
    days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const,
    timezone: 'Europe/Amsterdam',
  };
  const at = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00+01:00`);
  it('when the last scheduled check before the deadline has failed, then the alarm is due before the deadline', () => {
    expect(
      isDeadManDue(at('07:46'), undefined, { ...schedule, days: [...schedule.days] }, '08:15', undefined),
    ).toBe(true);
  });
  it('when only an earlier check failed, then the alarm waits for the last one', () => {
    expect(
      isDeadManDue(at('07:05'), undefined, { ...schedule, days: [...schedule.days] }, '08:15', undefined),
    ).toBe(false);
  });
  it('when a check succeeded this morning, or the alarm went out today, then it is not due', () => {
    const s = { ...schedule, days: [...schedule.days] };
    expect(isDeadManDue(at('07:46'), at('07:01'), s, '08:15', undefined)).toBe(false);
    expect(isDeadManDue(at('07:46'), undefined, s, '08:15', '2026-11-25')).toBe(false);
  });
});
