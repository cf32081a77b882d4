import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import { verifyChain } from '../../src/core/audit-entry.js';
import { FixedClock } from '../support/fakes.js';
import { deliver, listMessages, submit, waitForMessages, type MailUser } from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import {
  CANARY,
  createSchool,
  headerOf,
  inProcessCheck,
  signalMail,
  textOf,
  type School,
} from '../support/school.js';

// Wednesday 25 November 2026, 07:00 in Amsterdam: the first morning check.
const MORNING = new Date('2026-11-25T06:00:00Z');
const minutes = (n: number): number => n * 60_000;

async function withSignal(s: School, id: string): Promise<void> {
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
}

async function subjects(user: MailUser): Promise<string[]> {
  return (await listMessages(user, 'INBOX')).map((m) => headerOf(m.source, 'Subject') ?? '');
}

async function replyTo(contact: MailUser, s: School, options: { headers: boolean }): Promise<void> {
  const [notification] = await listMessages(contact, 'INBOX');
  const id = headerOf(notification!.source, 'Message-ID');
  const subject = headerOf(notification!.source, 'Subject');
  const raw = [
    `From: ${contact.address}`,
    `To: ${s.hwc.address}`,
    `Subject: Re: ${subject}`,
    ...(options.headers ? [`In-Reply-To: ${id}`, `References: ${id}`] : []),
    `Message-ID: <reply-${Date.now()}@school.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Gezien, ik zorg ervoor.',
    '',
    // A quoting reply, as mail clients send it: the child, and the confirmation code.
    ...(await textOf(notification)).split(/\r?\n/).map((line) => `> ${line}`),
    '',
  ].join('\r\n');
  await submit(contact, raw, { from: contact.address, to: [s.hwc.address] });
}

describe('confirmation and escalation on the real mail stack (test clock)', () => {
  it('when the primary contact does not confirm within escalateAfter, then the backup gets the same content, both are reminded at the deadline, and the signal is purged', async () => {
    const s = await createSchool();
    await withSignal(s, 'esc-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);

      clock.advance(minutes(21));
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      const [escalated] = await listMessages(s.backup, 'INBOX');
      const text = await textOf(escalated);
      expect(text).toContain(`Leerling: ${CANARY.name}`);
      expect(text).toContain('achterwacht');
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);

      // 08:15 in Amsterdam: nobody confirmed.
      clock.advance(minutes(55));
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.zorg, 'INBOX', 2, 10_000);
      await waitForMessages(s.backup, 'INBOX', 2, 10_000);
      expect((await subjects(s.zorg)).some((subject) => subject.startsWith('DRINGEND'))).toBe(true);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
      const signalRow = check.store.rows().find((row) => row.type === 'signal' && row.data.purgeReason);
      expect(signalRow?.data).toMatchObject({ escalated: true, confirmedBy: 'none', purgeVerified: true });
      expect(verifyChain(check.store.rows()).intact).toBe(true);
    } finally {
      check.close();
    }
  });

  it('when the primary contact replies to the notification, then it counts as confirmed, the reply and the signal are purged, and the backup is never told', async () => {
    const s = await createSchool();
    await withSignal(s, 'conf-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      await replyTo(s.zorg, s, { headers: true });
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      clock.advance(minutes(5));
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.confirmations).toBe(1);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
      clock.advance(minutes(60));
      await runCheck(check.deps, { dryRun: false });
      expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
      const signalRow = check.store.rows().find((row) => row.type === 'signal' && row.data.purgeReason);
      expect(signalRow?.data).toMatchObject({
        confirmedBy: 'primary',
        minutesToConfirm: 5,
        escalated: false,
      });
    } finally {
      check.close();
    }
  });

  it('when a mail client drops In-Reply-To, then the reference in the subject still confirms', async () => {
    const s = await createSchool();
    await withSignal(s, 'conf-2@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      await replyTo(s.zorg, s, { headers: false });
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.confirmations).toBe(1);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    } finally {
      check.close();
    }
  });

  it('when the primary contact is absent today, then the backup is told at once', async () => {
    const s = await createSchool();
    await withSignal(s, 'absent-1@veiligthuis.test');
    const check = inProcessCheck(s, new FixedClock(MORNING), {
      primaryAbsent: [{ from: '2026-11-24', to: '2026-11-26' }],
    });
    try {
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      expect(await textOf((await listMessages(s.backup, 'INBOX'))[0])).toContain('afwezig');
      expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    } finally {
      check.close();
    }
  });

  it('when the SMTP server refuses the primary contact, then the backup is told in the same check', async () => {
    const s = await createSchool();
    await withSignal(s, 'refused-1@veiligthuis.test');
    const check = inProcessCheck(s, new FixedClock(MORNING));
    check.deps.settings.contacts.primary.email = 'nobody-here@school.test';
    try {
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      expect(await textOf((await listMessages(s.backup, 'INBOX'))[0])).toContain(
        'niet bij de zorgcoördinator kon worden afgeleverd',
      );
    } finally {
      check.close();
    }
  });

  it('when a bounce of the notification arrives, then it is removed quietly and the backup is told', async () => {
    const s = await createSchool();
    await withSignal(s, 'bounce-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      const [notification] = await listMessages(s.zorg, 'INBOX');
      const bounce = [
        'From: Mail Delivery System <MAILER-DAEMON@example.test>',
        `To: ${s.hwc.address}`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <bounce-${Date.now()}@example.test>`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b0"',
        '',
        '--b0',
        'Content-Type: text/plain',
        '',
        'The mail system could not deliver your message: mailbox full.',
        '--b0',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.test',
        '',
        `Final-Recipient: rfc822; ${s.zorg.address}`,
        'Action: failed',
        'Status: 5.2.2',
        '--b0',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: ${headerOf(notification!.source, 'Message-ID')}`,
        `Subject: ${headerOf(notification!.source, 'Subject')}`,
        '--b0--',
        '',
      ].join('\r\n');
      await deliver(bounce, { from: 'MAILER-DAEMON@example.test', to: [s.hwc.address] });
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.quietlyRemoved).toBe(1);
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      expect(await textOf((await listMessages(s.backup, 'INBOX'))[0])).toContain(
        'niet bij de zorgcoördinator kon worden afgeleverd',
      );
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
      expect((await subjects(s.zorg)).filter((subject) => subject.startsWith('HwC-mailbox'))).toHaveLength(0);
    } finally {
      check.close();
    }
  });

  it('when nobody confirms within purgeAfter, then the signal is purged anyway and the audit row says nobody confirmed', async () => {
    const s = await createSchool();
    await withSignal(s, 'hard-1@veiligthuis.test');
    // A signal that arrives in the evening: the deadline is tomorrow, the hard limit comes first.
    const clock = new FixedClock(new Date('2026-11-25T17:00:00Z'));
    const check = inProcessCheck(s, clock, { purgeAfterMs: 3_600_000 });
    try {
      await runCheck(check.deps, { dryRun: false });
      clock.advance(minutes(61));
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.unconfirmedPurged).toBe(1);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
      const signalRow = check.store.rows().find((row) => row.type === 'signal' && row.data.purgeReason);
      expect(signalRow?.data).toMatchObject({
        confirmedBy: 'none',
        purgeReason: 'hard-limit',
        escalated: true,
      });
      const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
      expect(scanForCanaries(forms, [s.install.storage], { logs: check.logs() }).hits).toEqual([]);
    } finally {
      check.close();
    }
  });
});
