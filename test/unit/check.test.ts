import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { KEYWORD } from '../../src/core/decide.js';
import { verifyChain } from '../../src/core/audit-entry.js';
import { captureLogger } from '../support/capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import type { OutgoingMail } from '../../src/core/ports.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';

const CANARY_NAME = 'Quirijn Zwartveld-Oosterbeek';
const CANARY_DATE = '17-9-2014';

function signal(options: { from?: string; mdn?: boolean; id?: string } = {}): string {
  return signalMail({
    ...(options.from ? { from: options.from } : {}),
    ...(options.id ? { id: options.id } : {}),
    ...(options.mdn ? { mdnTo: 'signaal@veiligthuis.test' } : {}),
    body: [`${CANARY_NAME}, ${CANARY_DATE}, Handle with Care`],
  });
}

function setup() {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings(),
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  return { mailbox, mailer, store, clock, deps, logs };
}

describe('runCheck', () => {
  it('when a trusted signal arrives, then both contacts are told, the sender gets a receipt, and it is purged', async () => {
    const { mailbox, mailer, store, deps, logs } = setup();
    mailbox.add('INBOX', signal());
    mailbox.add('Trash', signal());

    const report = await runCheck(deps, { dryRun: false });

    expect(mailer.sent.map((m) => [m.kind, m.to[0]])).toEqual([
      ['notification', 'zorg@school.test'],
      ['notification', 'backup@school.test'],
      ['acknowledgement', 'signaal@veiligthuis.test'],
    ]);
    expect(mailer.sent[0]?.text).toContain(CANARY_NAME);
    expect(mailer.sent[0]?.text).toContain('17 september 2014');
    expect(mailer.sent[2]?.text).not.toContain(CANARY_NAME);
    expect(mailer.sent[2]?.inReplyTo).toBe('sig-1@veiligthuis.test');
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(mailbox.folder('Trash')).toHaveLength(0);
    expect(report.counts).toMatchObject({
      signals: 1,
      notificationsSent: 2,
      acknowledgementsSent: 1,
      purged: 1,
    });
    expect(verifyChain(store.rows()).intact).toBe(true);
    expect(JSON.stringify(store.rows())).not.toContain('Quirijn');
    expect(logs()).not.toContain('Quirijn');
    expect(logs()).not.toContain('veiligthuis');
  });

  it('when the signal asks for a read receipt, then one MDN is sent and $MDNSent guards against a second', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', signal({ mdn: true }));
    await runCheck(deps, { dryRun: false });
    const mdn = mailer.sent.filter((m) => m.kind === 'mdn');
    expect(mdn).toHaveLength(1);
    expect(mdn[0]?.disposition?.disposition).toBe('automatic-action/MDN-sent-automatically; processed');
  });

  it('when SMTP is down, then nothing is purged and the check fails', async () => {
    const { mailbox, mailer, deps, store } = setup();
    mailbox.add('INBOX', signal());
    mailer.down = true;
    await expect(runCheck(deps, { dryRun: false })).rejects.toMatchObject({ code: 'SMTP_ECONNREFUSED' });
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(store.rows().at(-1)?.data.outcome).toBe('failed');
  });

  it('when SMTP fails after the notifications, then the next check sends no second notification and purges', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', signal());
    mailer.failAfter = 2;
    await expect(runCheck(deps, { dryRun: false })).rejects.toThrow();
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    mailer.failAfter = Number.POSITIVE_INFINITY;
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.filter((m) => m.kind === 'notification')).toHaveLength(2);
    expect(mailer.sent.filter((m) => m.kind === 'acknowledgement')).toHaveLength(1);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when the sender is not trusted, then the signal is set aside, never forwarded, and the alert has no content', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', signal({ from: 'vt@veiligthuis.test.evil.example' }));
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['alert']);
    expect(mailer.sent[0]?.text).not.toContain('Quirijn');
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(mailbox.folder('INBOX')[0]?.flags).toContain(KEYWORD.setAside);

    await runCheck(deps, { dryRun: false });
    expect(mailer.sent).toHaveLength(1);
  });

  it('when the primary contact is refused by SMTP, then the backup is still told and the signal is purged', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', signal());
    mailer.refuse.add('zorg@school.test');
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.filter((m) => m.kind === 'notification').map((m) => m.to[0])).toEqual([
      'backup@school.test',
    ]);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when no contact can be reached, then the signal stays and the check fails', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', signal());
    mailer.refuse.add('zorg@school.test');
    mailer.refuse.add('backup@school.test');
    await expect(runCheck(deps, { dryRun: false })).rejects.toMatchObject({ code: 'CONTACTS_UNREACHABLE' });
    expect(mailbox.folder('INBOX')).toHaveLength(1);
  });

  it('when a contact replies to the notification, then the reply is recorded as a confirmation and removed', async () => {
    const { mailbox, mailer, deps, store } = setup();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    const notification = mailer.sent[0];
    mailbox.add(
      'INBOX',
      [
        'From: Zorg <zorg@school.test>',
        'To: hwc@school.test',
        `Subject: Re: ${notification?.subject}`,
        `In-Reply-To: <${notification?.messageId}>`,
        'Message-ID: <reply-1@school.test>',
        '',
        `Gezien. > Leerling: ${CANARY_NAME} > Geboortedatum: ${CANARY_DATE} > Codewoord: Handle with Care`,
        // A quoting reply carries the confirmation code from the notification's body.
        ...(notification?.text ?? '').split('\n').map((line) => `> ${line}`),
        '',
      ].join('\r\n'),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(1);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(store.allSignals()[0]?.confirmedBy).toBe('primary');
    expect(mailer.sent.filter((m) => m.kind === 'alert')).toHaveLength(0);
  });

  it('when run as a dry run, then nothing is sent, flagged, deleted or recorded', async () => {
    const { mailbox, mailer, deps, store } = setup();
    mailbox.add('INBOX', signal({ mdn: true }));
    mailbox.add('INBOX', signal({ from: 'x@evil.example', id: 'other@evil.example' }));
    const before = JSON.stringify([...mailbox.contents]);
    const report = await runCheck(deps, { dryRun: true });
    expect(JSON.stringify([...mailbox.contents])).toBe(before);
    expect(mailer.sent).toHaveLength(0);
    expect(store.rows()).toHaveLength(0);
    expect(report.counts).toMatchObject({ signals: 1, setAside: 1 });
    expect(report.plan.join('\n')).toContain('MDN');
    expect(report.plan.join('\n')).not.toContain('Quirijn');
  });

  it('when a message is bigger than the limit, then it is set aside without being read', async () => {
    const { mailbox, mailer, deps } = setup();
    deps.settings.maxMessageBytes = 100;
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['alert']);
    expect(mailer.sent[0]?.text).toContain('te groot');
  });
});

describe('runCheck with escalation (notify: escalate)', () => {
  function escalating() {
    const context = setup();
    context.deps.settings.notify = 'escalate';
    return context;
  }
  const kinds = (mailer: FakeMailer) => mailer.sent.map((m) => `${m.kind}:${m.to[0]?.split('@')[0]}`);

  /** A reply that quotes the notification, as mail clients do: so it carries the confirmation code. */
  function reply(from: string, notification: OutgoingMail | undefined): string {
    return [
      `From: ${from}`,
      'To: hwc@school.test',
      'Subject: Re: Handle with Care-signaal',
      `In-Reply-To: <${notification?.messageId}>`,
      `Message-ID: <reply-${Math.random()}@school.test>`,
      '',
      'Gezien.',
      '',
      ...(notification?.text ?? '').split('\n').map((line) => `> ${line}`),
      '',
    ].join('\r\n');
  }

  it('when the primary contact does not confirm, then the backup is told after escalateAfter, both are reminded at the deadline, and then it is purged', async () => {
    const { mailbox, mailer, clock, deps, store } = escalating();
    mailbox.add('INBOX', signal());
    const first = await runCheck(deps, { dryRun: false });
    expect(kinds(mailer)).toEqual(['notification:zorg', 'acknowledgement:signaal']);
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(first.nextDueAt?.toISOString()).toBe('2026-11-25T06:20:00.000Z');

    clock.advance(20 * 60_000);
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer).slice(2)).toEqual(['notification:backup']);
    expect(mailer.sent[2]?.text).toContain('de melding niet binnen 20 minuten heeft bevestigd');
    expect(mailbox.folder('INBOX')).toHaveLength(1);

    clock.advance(55 * 60_000);
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer).slice(3)).toEqual(['reminder:zorg', 'reminder:backup']);
    expect(mailer.sent[3]?.text).not.toContain('Quirijn');
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    const row = store.rows().find((r) => r.type === 'signal' && r.data.purgeReason);
    expect(row?.data).toMatchObject({
      escalated: true,
      confirmedBy: 'none',
      purgeReason: 'escalation-complete',
    });
  });

  it('when the primary contact confirms in time, then the backup is never told and the signal is purged', async () => {
    const { mailbox, mailer, clock, deps } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    clock.advance(5 * 60_000);
    mailbox.add('INBOX', reply('zorg@school.test', mailer.sent[0]));
    await runCheck(deps, { dryRun: false });
    clock.advance(60 * 60_000);
    await runCheck(deps, { dryRun: false });
    // The primary is thanked; the backup, who was never told, hears nothing.
    expect(kinds(mailer)).toEqual(['notification:zorg', 'acknowledgement:signaal', 'confirmed:zorg']);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when the backup replies to a notification it never got, then that is no confirmation and a person looks at the reply', async () => {
    const { mailbox, mailer, deps } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    mailbox.add('INBOX', reply('backup@school.test', mailer.sent[0]));
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(0);
    expect(mailbox.folder('INBOX')).toHaveLength(2);
    expect(mailer.sent.at(-1)?.kind).toBe('alert');
    expect(mailer.sent.at(-1)?.text).toContain('niet van een contactpersoon');
  });

  it('when a purged signal is a week old, then its workflow row is forgotten and only the audit log remains', async () => {
    const { mailbox, mailer, clock, deps, store } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    mailbox.add('INBOX', reply('zorg@school.test', mailer.sent[0]));
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()).toHaveLength(1);
    clock.advance(8 * 24 * 3_600_000);
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()).toHaveLength(0);
    expect(store.rows().some((row) => row.data.purgeReason === 'confirmed')).toBe(true);
  });

  it('when the primary contact is absent today, then the backup is told at once', async () => {
    const { mailbox, mailer, deps } = escalating();
    deps.settings.primaryAbsent = [{ from: '2026-11-23', to: '2026-11-27' }];
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer)).toEqual(['notification:backup', 'acknowledgement:signaal']);
    expect(mailer.sent[0]?.text).toContain('afwezig');
  });

  it('when the primary contact is absent and a message needs a person, then the backup gets the alert', async () => {
    const { mailbox, mailer, deps } = escalating();
    deps.settings.primaryAbsent = [{ from: '2026-11-25', to: '2026-11-25' }];
    mailbox.add('INBOX', signal({ from: 'x@evil.example', id: 'evil@evil.example' }));
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer)).toEqual(['alert:backup']);
  });

  it('when SMTP refuses the primary contact, then the backup is told in the same check', async () => {
    const { mailbox, mailer, deps } = escalating();
    mailer.refuse.add('zorg@school.test');
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    expect(kinds(mailer)).toEqual(['notification:backup', 'acknowledgement:signaal']);
    expect(mailer.sent[0]?.text).toContain(
      'omdat de melding niet bij de zorgcoördinator kon worden afgeleverd.',
    );
  });

  it('when the notification to the primary bounces, then the bounce is removed quietly and the backup is told', async () => {
    const { mailbox, mailer, deps } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    mailbox.add(
      'INBOX',
      [
        'From: Mail Delivery System <MAILER-DAEMON@school.test>',
        'To: hwc@school.test',
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <bounce-1@school.test>',
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; school.test',
        '',
        'Final-Recipient: rfc822; zorg@school.test',
        'Action: failed',
        'Status: 5.1.1',
        '--b',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: <${mailer.sent[0]?.messageId}>`,
        'Subject: Handle with Care-signaal',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.quietlyRemoved).toBe(1);
    expect(kinds(mailer).slice(2)).toEqual(['notification:backup']);
    expect(mailer.sent.filter((m) => m.kind === 'alert')).toHaveLength(0);
  });

  it('when nobody confirms before purgeAfter, then the signal is purged anyway and the audit says nobody confirmed', async () => {
    const { mailbox, clock, deps, store } = escalating();
    deps.settings.purgeAfterMs = 60 * 60_000;
    deps.settings.schedule.deadline = '23:00';
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    clock.advance(61 * 60_000);
    const report = await runCheck(deps, { dryRun: false });
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(report.counts.unconfirmedPurged).toBe(1);
    const row = store.rows().find((r) => r.type === 'signal' && r.data.purgeReason);
    expect(row?.data).toMatchObject({ confirmedBy: 'none', purgeReason: 'hard-limit' });
  });
});
