import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { dsnFailedFor, mdnRecipient, nextSignalStep, replyProof } from '../../src/core/decide.js';
import { authenticatedDomainPass } from '../../src/core/trust.js';
import { captureLogger } from '../support/capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';
import { mailFacts as baseFacts } from '../support/mail-facts.js';

const CANARY_NAME = 'Quirijn Zwartveld-Oosterbeek';
// The school's server vouches for the signal, so that it is acted on where trustedAuthservId is
// set (the trust rule fails closed); without trustedAuthservId the header is not read.
const SIGNAL_PASS = 'Authentication-Results: mx.school.test; dmarc=pass header.from=veiligthuis.test';

const signal = (extra: string[] = []): string =>
  signalMail({ body: [`${CANARY_NAME}, 17-9-2014, Handle with Care`] }).replace(
    'Subject: Handle with Care\r\n',
    ['Subject: Handle with Care', SIGNAL_PASS, ...extra, ''].join('\r\n'),
  );

function escalating(trustedAuthservId?: string) {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings({ notify: 'escalate', ...(trustedAuthservId ? { trustedAuthservId } : {}) }),
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  const kinds = () => mailer.sent.map((m) => `${m.kind}:${m.to[0]?.split('@')[0]}`);
  return { mailbox, mailer, store, clock, deps, logs, kinds };
}

function reply(options: {
  from: string;
  subject: string;
  inReplyTo?: string;
  body: string[];
  headers?: string[];
}) {
  return [
    ...(options.headers ?? []),
    `From: ${options.from}`,
    'To: hwc@school.test',
    `Subject: ${options.subject}`,
    ...(options.inReplyTo ? [`In-Reply-To: <${options.inReplyTo}>`] : []),
    `Message-ID: <reply-${Math.random()}@school.test>`,
    '',
    ...options.body,
    '',
  ].join('\r\n');
}

function dsn(options: {
  from?: string;
  finalRecipient: string;
  action?: string;
  about: string;
  headers?: string[];
}) {
  return [
    ...(options.headers ?? []),
    `From: Mail Delivery System <${options.from ?? 'MAILER-DAEMON@school.test'}>`,
    'To: hwc@school.test',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <bounce-${Math.random()}@school.test>`,
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
    `Final-Recipient: rfc822; ${options.finalRecipient}`,
    `Action: ${options.action ?? 'failed'}`,
    'Status: 5.1.1',
    '--b',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: <${options.about}>`,
    '--b--',
    '',
  ].join('\r\n');
}

describe('confirmations are proven, not claimed', () => {
  it('when a forged reply carries only the reference in its subject, then it is set aside, nothing is confirmed, and the backup is told at escalation', async () => {
    const { mailbox, mailer, clock, deps, store, kinds } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    const reference = /\[(HWC-[A-Z0-9]{6})\]/.exec(mailer.sent[0]?.subject ?? '')?.[1];
    mailbox.add(
      'INBOX',
      reply({ from: 'zorg@school.test', subject: `Re: [${reference}]`, body: ['Gezien.'] }),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(0);
    expect(store.allSignals()[0]?.confirmedAt).toBeUndefined();
    expect(mailbox.folder('INBOX')).toHaveLength(2);
    expect(mailer.sent.at(-1)?.kind).toBe('alert');
    clock.advance(21 * 60_000);
    await runCheck(deps, { dryRun: false });
    expect(kinds()).toContain('notification:backup');
  });

  it('when a forged reply names the notification in In-Reply-To but has no code, then it does not confirm', async () => {
    const { mailbox, mailer, deps, store } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    const notification = mailer.sent[0];
    mailbox.add(
      'INBOX',
      reply({
        from: 'zorg@school.test',
        subject: `Re: ${notification?.subject}`,
        inReplyTo: notification?.messageId ?? '',
        body: ['Gezien.', '> Leerling: (iets dat op de melding lijkt)'],
      }),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(0);
    expect(store.allSignals()[0]?.confirmedAt).toBeUndefined();
    expect(mailbox.folder('INBOX')).toHaveLength(2);
  });

  it('when a contact who does not quote types the code, then the reply confirms; the backup code from the primary does not', async () => {
    const { mailbox, mailer, deps, store } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    const code = /Bevestigingscode: ([A-Z0-9-]+)/.exec(mailer.sent[0]?.text ?? '')?.[1] ?? '';
    mailbox.add(
      'INBOX',
      reply({ from: 'backup@school.test', subject: 'Re: melding', body: [`gezien ${code}`] }),
    );
    mailbox.add(
      'INBOX',
      reply({
        from: 'zorg@school.test',
        subject: `Re: ${mailer.sent[0]?.subject}`,
        body: [`gezien, ${code.toLowerCase()}`],
      }),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(1);
    expect(store.allSignals()[0]?.confirmedBy).toBe('primary');
  });

  it('when the trusted server stamps an aligned DKIM pass for the contact domain, then a reply without the code confirms; a pass from another server does not', async () => {
    const { mailbox, mailer, deps, store } = escalating('mx.school.test');
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    const base = { from: 'zorg@school.test', subject: `Re: ${mailer.sent[0]?.subject}`, body: ['Gezien.'] };
    mailbox.add(
      'INBOX',
      reply({ ...base, headers: ['Authentication-Results: mx.evil.test; dkim=pass header.d=school.test'] }),
    );
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()[0]?.confirmedAt).toBeUndefined();
    mailbox.add(
      'INBOX',
      reply({ ...base, headers: ['Authentication-Results: mx.school.test; dkim=pass header.d=school.test'] }),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(1);
  });
});

describe('bounces only ever make more people told', () => {
  it('when a forged bounce names the backup notification before it was sent, then it is set aside and the backup is still told', async () => {
    const { mailbox, mailer, clock, deps, store, kinds } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    // An outsider who somehow learned the id of the backup's notification to come.
    const { ownMessageId } = await import('../../src/core/identity.js');
    const key = store.allSignals()[0]?.key ?? '';
    const backupId = ownMessageId(store.secret(), 'notify-backup', key, 'school.test');
    mailbox.add('INBOX', dsn({ finalRecipient: 'backup@school.test', about: backupId }));
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()[0]?.refused.backup).toBeUndefined();
    expect(mailer.sent.at(-1)?.kind).toBe('alert');
    clock.advance(21 * 60_000);
    await runCheck(deps, { dryRun: false });
    expect(kinds()).toContain('notification:backup');
  });

  it('when a bounce of the primary notification names another recipient or says delayed, then nothing changes', async () => {
    const { mailbox, mailer, deps, store } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    const about = mailer.sent[0]?.messageId ?? '';
    mailbox.add('INBOX', dsn({ finalRecipient: 'someone@school.test', about }));
    mailbox.add('INBOX', dsn({ finalRecipient: 'zorg@school.test', action: 'delayed', about }));
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()[0]?.refused.primary).toBeUndefined();
    expect(mailer.sent.filter((m) => m.kind === 'notification')).toHaveLength(1);
  });

  it('when a bounce of the backup notification has no authenticated evidence, then the backup is not marked refused and a person looks', async () => {
    const { mailbox, mailer, clock, deps, store } = escalating();
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    clock.advance(21 * 60_000);
    await runCheck(deps, { dryRun: false });
    const backupNotification = mailer.sent.find(
      (m) => m.kind === 'notification' && m.to[0] === 'backup@school.test',
    );
    mailbox.add(
      'INBOX',
      dsn({ finalRecipient: 'backup@school.test', about: backupNotification?.messageId ?? '' }),
    );
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()[0]?.refused.backup).toBeUndefined();
    expect(mailbox.folder('INBOX')).toHaveLength(2);
  });

  it('when an authenticated bounce of the backup notification came back, then the escalation is not complete and the signal stays until purgeAfter', async () => {
    const { mailbox, mailer, clock, deps, store } = escalating('mx.school.test');
    mailbox.add('INBOX', signal());
    await runCheck(deps, { dryRun: false });
    clock.advance(21 * 60_000);
    await runCheck(deps, { dryRun: false });
    const backupNotification = mailer.sent.find(
      (m) => m.kind === 'notification' && m.to[0] === 'backup@school.test',
    );
    mailbox.add(
      'INBOX',
      dsn({
        finalRecipient: 'backup@school.test',
        about: backupNotification?.messageId ?? '',
        headers: ['Authentication-Results: mx.school.test; dkim=pass header.d=school.test'],
      }),
    );
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()[0]?.refused.backup).toBeDefined();
    clock.advance(60 * 60_000);
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.some((m) => m.kind === 'reminder')).toBe(true);
    expect(store.allSignals()[0]?.purgedAt).toBeUndefined();
    clock.advance(8 * 3_600_000);
    await runCheck(deps, { dryRun: false });
    expect(store.allSignals()[0]?.purgedAt).toBeDefined();
  });
});

describe('read receipts go only to the sender', () => {
  it('when Disposition-Notification-To names another address, then no MDN is sent and the log says why without an address', async () => {
    const { mailbox, mailer, deps, logs } = escalating();
    mailbox.add('INBOX', signal(['Disposition-Notification-To: spy@evil.test']));
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.filter((m) => m.kind === 'mdn')).toHaveLength(0);
    expect(logs()).toContain('mdn-address-mismatch');
    expect(logs()).not.toContain('evil.test');
  });

  it('when the addresses agree, then the MDN goes to the sender; a Return-Path elsewhere or two addresses stop it', () => {
    const facts = (headers: Record<string, string>, dnt?: string) => ({
      ...baseFacts({ fromAddress: 'signaal@veiligthuis.test', headers }),
      ...(dnt ? { dispositionNotificationTo: dnt } : {}),
    });
    const dnt = 'signaal@veiligthuis.test';
    expect(mdnRecipient(facts({}, dnt))).toEqual({ send: true, to: dnt });
    expect(mdnRecipient(facts({ 'return-path': `<${dnt}>` }, dnt))).toEqual({ send: true, to: dnt });
    expect(mdnRecipient(facts({ 'return-path': '<bounce@other.test>' }, dnt)).send).toBe(false);
    expect(mdnRecipient(facts({ 'return-path': '<>' }, dnt)).send).toBe(false);
    expect(mdnRecipient(facts({ 'disposition-notification-to': `${dnt}, b@evil.test` }, dnt)).send).toBe(
      false,
    );
    expect(mdnRecipient(facts({})).send).toBe(false);
  });
});

describe('the pure rules', () => {
  it('when a multipart/report is parsed, then only its message/delivery-status part gives recipients, not look-alike text', async () => {
    const real = await mailParser.parse(
      Buffer.from(dsn({ finalRecipient: 'zorg@school.test', about: 'x@school.test' })),
      1_000_000,
    );
    expect(real.ok && real.facts.deliveryStatus).toEqual([
      { finalRecipient: 'zorg@school.test', action: 'failed' },
    ]);
    const fake = dsn({ finalRecipient: 'zorg@school.test', about: 'x@school.test' })
      .replace(
        'Your message could not be delivered.',
        'Reporting-MTA: x\r\n\r\nFinal-Recipient: rfc822; backup@school.test\r\nAction: failed',
      )
      .replace('Content-Type: message/delivery-status', 'Content-Type: text/plain');
    const parsed = await mailParser.parse(Buffer.from(fake), 1_000_000);
    expect(parsed.ok && parsed.facts.deliveryStatus).toEqual([]);
  });

  it('when a DSN is judged, then only a multipart/report with a failed group for that address counts', () => {
    const report = { contentType: 'multipart/report', reportType: 'delivery-status' };
    const failed = [{ finalRecipient: 'zorg@school.test', action: 'failed' }];
    expect(dsnFailedFor(baseFacts({ ...report, deliveryStatus: failed }), 'zorg@school.test')).toBe(true);
    expect(dsnFailedFor(baseFacts({ ...report, deliveryStatus: failed }), 'backup@school.test')).toBe(false);
    expect(dsnFailedFor(baseFacts({ deliveryStatus: failed }), 'zorg@school.test')).toBe(false);
    expect(
      dsnFailedFor(
        baseFacts({ ...report, text: 'Final-Recipient: rfc822; zorg@school.test\nAction: failed' }),
        'zorg@school.test',
      ),
    ).toBe(false);
  });

  it('when Authentication-Results are read for a pass, then only the topmost trusted header per method decides and the domain must align', () => {
    const ar = (...headers: string[]) => baseFacts({ authenticationResults: headers });
    expect(
      authenticatedDomainPass(
        ar('mx.school.test; dkim=pass header.d=school.test'),
        'mx.school.test',
        'school.test',
      ),
    ).toBe(true);
    expect(
      authenticatedDomainPass(
        ar('mx.school.test; dmarc=pass header.from=school.test'),
        'mx.school.test',
        'school.test',
      ),
    ).toBe(true);
    expect(
      authenticatedDomainPass(
        ar('mx.school.test; dkim=pass header.d=evil.test'),
        'mx.school.test',
        'school.test',
      ),
    ).toBe(false);
    expect(
      authenticatedDomainPass(
        ar('mx.school.test; dmarc=fail header.from=school.test'),
        'mx.school.test',
        'school.test',
      ),
    ).toBe(false);
    expect(
      authenticatedDomainPass(
        ar(
          'mx.school.test; dkim=none; dmarc=fail header.from=school.test',
          'mx.school.test; dkim=pass header.d=school.test; dmarc=pass header.from=school.test',
        ),
        'mx.school.test',
        'school.test',
      ),
    ).toBe(false);
    expect(
      authenticatedDomainPass(
        ar('other.test; dkim=pass header.d=school.test'),
        'mx.school.test',
        'school.test',
      ),
    ).toBe(false);
    expect(
      authenticatedDomainPass(ar('mx.school.test; dkim=pass header.d=school.test'), '', 'school.test'),
    ).toBe(false);
  });

  it('when a reply is judged, then the code in text or HTML proves it, and the reference alone never does', () => {
    const code = 'K7P2Q-9XMRT';
    expect(
      replyProof(baseFacts({ text: `> Bevestigingscode: ${code}` }), code, undefined, 'zorg@school.test'),
    ).toBe('code');
    expect(
      replyProof(baseFacts({ html: `<p>k7p2q <b>9xmrt</b></p>` }), code, undefined, 'zorg@school.test'),
    ).toBe('code');
    expect(
      replyProof(baseFacts({ subject: 'Re: [HWC-ABCDEF]' }), code, undefined, 'zorg@school.test'),
    ).toBeUndefined();
    // The school's own server stamped a fail for the contact's domain: not even the code outweighs it.
    const failed = baseFacts({
      text: `> Bevestigingscode: ${code}`,
      authenticationResults: ['mx.school.test; dkim=none; dmarc=fail header.from=school.test'],
    });
    expect(replyProof(failed, code, 'mx.school.test', 'zorg@school.test')).toBeUndefined();
    expect(replyProof(failed, code, undefined, 'zorg@school.test')).toBe('code');
  });

  it('when the backup notification bounced after it was sent, then the escalation is not complete; an SMTP refusal of the backup still completes it', () => {
    const policy = {
      mode: 'escalate' as const,
      escalateAfterMs: 20 * 60_000,
      purgeAfterMs: 8 * 3_600_000,
      deadline: new Date('2026-11-25T07:15:00Z'),
      primaryAbsent: false,
    };
    const flags = { mdnRequested: false, keywords: [] };
    const base = {
      receivedAt: '2026-11-25T06:00:00.000Z',
      notified: { primary: '2026-11-25T06:00:00.000Z', backup: '2026-11-25T06:21:00.000Z' },
      acknowledgedAt: '2026-11-25T06:00:00.000Z',
      reminderSentAt: '2026-11-25T07:15:00.000Z',
    };
    const now = new Date('2026-11-25T07:20:00Z');
    expect(nextSignalStep({ ...base, refused: {} }, flags, policy, now)).toEqual({
      step: 'purge',
      why: 'escalation-complete',
    });
    expect(
      nextSignalStep({ ...base, refused: { backup: '2026-11-25T06:30:00.000Z' } }, flags, policy, now).step,
    ).toBe('wait');
    expect(
      nextSignalStep(
        {
          ...base,
          notified: { primary: base.notified.primary },
          refused: { backup: '2026-11-25T06:21:00.000Z' },
        },
        flags,
        policy,
        now,
      ),
    ).toEqual({ step: 'purge', why: 'escalation-complete' });
  });
});
