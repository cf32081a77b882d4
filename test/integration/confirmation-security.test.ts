import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import { legacyMessageId, referenceOf } from '../../src/core/identity.js';
import { FixedClock } from '../support/fakes.js';
import {
  appendMessage,
  deliver,
  listMessages,
  submit,
  waitForMessages,
  type MailUser,
  type StoredMessage,
} from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { sendSigned } from '../support/mail-auth.js';
import {
  CANARY,
  createSchool,
  headerOf,
  inProcessCheck,
  signalMail,
  textOf,
  type InProcessCheck,
  type School,
} from '../support/school.js';

// Wednesday 25 November 2026, 07:00 in Amsterdam: the first morning check.
const MORNING = new Date('2026-11-25T06:00:00Z');
const minutes = (n: number): number => n * 60_000;

async function withSignal(s: School, id: string, extraHeaders: string[] = []): Promise<void> {
  const raw = signalMail(s.vt.address, s.hwc.address, { id }).replace(
    `Message-ID: <${id}>\r\n`,
    [`Message-ID: <${id}>`, ...extraHeaders, ''].join('\r\n'),
  );
  // Signed by Veilig Thuis's side (OpenDKIM), so that it is acted on where the school names its
  // receiving server: the trust rule fails closed.
  await sendSigned(raw, { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
}

/** A mail as the school's receiving server would file it, stamp included: IMAP APPEND. */
async function forgeStamped(s: School, lines: string[]): Promise<void> {
  await appendMessage(s.hwc, 'INBOX', Buffer.from([...lines, ''].join('\r\n')));
}

/** Mail as anyone on the internet can send it: through the open inbound port, with any From. */
async function forge(s: School, lines: string[]): Promise<void> {
  await deliver([...lines, ''].join('\r\n'), { from: 'someone@example.test', to: [s.hwc.address] });
}

async function firstMail(user: MailUser): Promise<StoredMessage> {
  const [message] = await waitForMessages(user, 'INBOX', 1, 10_000);
  return message!;
}

function noCanaries(s: School, check: InProcessCheck): void {
  const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
  const { hits, filesScanned } = scanForCanaries(forms, [s.install.storage, s.install.tmp], {
    logs: check.logs(),
  });
  expect(filesScanned).toBeGreaterThan(0);
  expect(hits).toEqual([]);
}

describe('confirmations and bounces are security decisions (real mail stack, test clock)', () => {
  it('when a forged reply from the primary address carries only the subject reference, then it does not confirm, it is left for a person, and the backup is told at escalation', async () => {
    const s = await createSchool();
    await withSignal(s, 'forge-ref-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      const notification = await firstMail(s.zorg);
      // The reference is on every lock screen and in every preview: it proves nothing.
      const reference = /\[(HWC-[A-Z0-9]{6})\]/.exec(headerOf(notification.source, 'Subject') ?? '')?.[1];
      expect(reference).toBeDefined();
      await forge(s, [
        `From: ${s.zorg.address}`,
        `To: ${s.hwc.address}`,
        `Subject: Re: Handle with Care-signaal [${reference}]`,
        `Message-ID: <forged-ref-${Date.now()}@example.test>`,
        '',
        'Gezien, ik zorg ervoor.',
      ]);
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      clock.advance(minutes(5));
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.confirmations).toBe(0);
      expect(check.store.allSignals()[0]?.confirmedAt).toBeUndefined();
      const inbox = await listMessages(s.hwc, 'INBOX');
      expect(inbox).toHaveLength(2);
      expect(inbox.some((m) => m.flags.includes('$HwcSetAside'))).toBe(true);

      clock.advance(minutes(16));
      await runCheck(check.deps, { dryRun: false });
      const escalated = await firstMail(s.backup);
      expect(await textOf(escalated)).toContain(`Leerling: ${CANARY.name}`);
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });

  it('when a forged reply names the notification in In-Reply-To, as an outsider works it out from the receipt or as if it leaked, then it does not confirm', async () => {
    const s = await createSchool();
    await withSignal(s, 'forge-irt-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      const notification = await firstMail(s.zorg);
      const receipt = await firstMail(s.vt);
      const receiptId = (headerOf(receipt.source, 'Message-ID') ?? '').replace(/^<|>$/g, '');
      // The old trick: the receipt's id with "ack" turned into "notify-primary".
      const guessed = receiptId.replace(/^hwc\.(?:ack\.)?/, 'hwc.notify-primary.');
      const leaked = headerOf(notification.source, 'Message-ID') ?? '';
      for (const id of [`<${guessed}>`, leaked]) {
        await forge(s, [
          `From: ${s.zorg.address}`,
          `To: ${s.hwc.address}`,
          `Subject: Re: ${headerOf(notification.source, 'Subject')}`,
          `In-Reply-To: ${id}`,
          `References: ${id}`,
          `Message-ID: <forged-irt-${Math.random()}@example.test>`,
          '',
          'Gezien.',
        ]);
      }
      await waitForMessages(s.hwc, 'INBOX', 3, 10_000);
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.confirmations).toBe(0);
      expect(check.store.allSignals()[0]?.confirmedAt).toBeUndefined();
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(3);
      clock.advance(minutes(21));
      await runCheck(check.deps, { dryRun: false });
      await firstMail(s.backup);
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });

  it('when the contact replies quoting the notification, then it confirms, and copies under the old id form are purged too', async () => {
    const s = await createSchool();
    const signalId = 'quote-1@veiligthuis.test';
    await withSignal(s, signalId);
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      const notification = await firstMail(s.zorg);
      // A copy left in Sent by a version before this one, under the old Message-ID form.
      const key = check.store.allSignals()[0]?.key ?? '';
      const legacy = legacyMessageId('notify-primary', key, s.hwc.address.split('@')[1] ?? '');
      await appendMessage(
        s.hwc,
        'Sent',
        `From: ${s.hwc.address}\r\nTo: ${s.zorg.address}\r\nMessage-ID: <${legacy}>\r\nSubject: x\r\n\r\n${CANARY.name}\r\n`,
      );
      const text = await textOf(notification);
      expect(text).toMatch(/Bevestigingscode: [2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}/);
      expect(headerOf(notification.source, 'Subject')).not.toMatch(/[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}/);
      const raw = [
        `From: ${s.zorg.address}`,
        `To: ${s.hwc.address}`,
        `Subject: Re: ${headerOf(notification.source, 'Subject')}`,
        `In-Reply-To: ${headerOf(notification.source, 'Message-ID')}`,
        `Message-ID: <quote-reply-${Date.now()}@school.test>`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Gezien.',
        '',
        ...text.split(/\r?\n/).map((line) => `> ${line}`),
        '',
      ].join('\r\n');
      await submit(s.zorg, raw, { from: s.zorg.address, to: [s.hwc.address] });
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.confirmations).toBe(1);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
      expect(await listMessages(s.hwc, 'Sent')).toHaveLength(0);
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });

  it('when the trusted server stamped dmarc=fail on a reply, then even a reply with the code does not confirm and the backup is told', async () => {
    const s = await createSchool();
    await withSignal(s, 'dmarc-fail-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock, { trustedAuthservId: 'mx.school.test' });
    try {
      await runCheck(check.deps, { dryRun: false });
      const notification = await firstMail(s.zorg);
      const code = /Bevestigingscode: ([A-Z0-9-]+)/.exec(await textOf(notification))?.[1] ?? '';
      expect(code).not.toBe('');
      // The stack's school.test publishes no DMARC record, so its OpenDMARC stamps none for a
      // contact's reply: the header OpenDMARC writes for a fail is appended into the mailbox by
      // hand, past the MX (which would remove a copy that a sender wrote itself).
      await forgeStamped(s, [
        'Authentication-Results: mx.school.test; dmarc=fail (p=reject dis=none) header.from=school.test',
        `From: ${s.zorg.address}`,
        `To: ${s.hwc.address}`,
        `Subject: Re: ${headerOf(notification.source, 'Subject')}`,
        `In-Reply-To: ${headerOf(notification.source, 'Message-ID')}`,
        `Message-ID: <dmarc-fail-${Date.now()}@example.test>`,
        '',
        `Gezien. ${code}`,
      ]);
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.confirmations).toBe(0);
      clock.advance(minutes(21));
      await runCheck(check.deps, { dryRun: false });
      await firstMail(s.backup);
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });

  it('when a forged bounce of the notifications arrives before escalation, then it changes nothing and the backup is still told', async () => {
    const s = await createSchool();
    await withSignal(s, 'forge-bounce-1@veiligthuis.test');
    const clock = new FixedClock(MORNING);
    const check = inProcessCheck(s, clock);
    try {
      await runCheck(check.deps, { dryRun: false });
      const receipt = await firstMail(s.vt);
      const receiptId = (headerOf(receipt.source, 'Message-ID') ?? '').replace(/^<|>$/g, '');
      // Everything an outsider can try: the old id trick for the backup's notification, for a
      // recipient that is the backup, in the shape of a real DSN.
      const guessed = receiptId.replace(/^hwc\.(?:ack\.)?/, 'hwc.notify-backup.');
      await forge(s, [
        'From: Mail Delivery System <MAILER-DAEMON@school.test>',
        `To: ${s.hwc.address}`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <forged-bounce-${Date.now()}@example.test>`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b0"',
        '',
        '--b0',
        'Content-Type: text/plain',
        '',
        'The mail system could not deliver your message.',
        '--b0',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.school.test',
        '',
        `Final-Recipient: rfc822; ${s.backup.address}`,
        'Action: failed',
        'Status: 5.1.1',
        '--b0',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: <${guessed}>`,
        `In-Reply-To: <${receiptId}>`,
        '--b0--',
      ]);
      await waitForMessages(s.hwc, 'INBOX', 2, 10_000);
      await runCheck(check.deps, { dryRun: false });
      expect(check.store.allSignals()[0]?.refused).toEqual({});
      clock.advance(minutes(21));
      await runCheck(check.deps, { dryRun: false });
      expect(await textOf(await firstMail(s.backup))).toContain(`Leerling: ${CANARY.name}`);
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });

  it('when a signal asks for a read receipt at another address, then no MDN goes out and the log says why, without the address', async () => {
    const s = await createSchool();
    const elsewhere = 'ontvanger@example.test';
    await withSignal(s, 'mdn-other-1@veiligthuis.test', [`Disposition-Notification-To: ${elsewhere}`]);
    const check = inProcessCheck(s, new FixedClock(MORNING));
    try {
      const report = await runCheck(check.deps, { dryRun: false });
      expect(report.counts.mdnsSent).toBe(0);
      expect(report.counts.acknowledgementsSent).toBe(1);
      expect(check.logs()).toContain('"reason":"mdn-address-mismatch"');
      expect(check.logs()).not.toContain(elsewhere);
      await firstMail(s.vt);
      expect(await listMessages(s.vt, 'INBOX')).toHaveLength(1);
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });

  it('when the receipt goes to Veilig Thuis, then its Message-ID and headers hold nothing of the key, the reference or the notification id', async () => {
    const s = await createSchool({ notify: 'both' });
    await withSignal(s, 'receipt-ids-1@veiligthuis.test', [`Disposition-Notification-To: ${s.vt.address}`]);
    const check = inProcessCheck(s, new FixedClock(MORNING), { notify: 'both' });
    try {
      await runCheck(check.deps, { dryRun: false });
      const outgoing = await waitForMessages(s.vt, 'INBOX', 2, 10_000);
      const key = check.store.allSignals()[0]?.key ?? '';
      const notifications = [await firstMail(s.zorg), await firstMail(s.backup)];
      const notifyIds = notifications.map((n) =>
        (headerOf(n.source, 'Message-ID') ?? '').replace(/^<hwc\.|@.*$/g, ''),
      );
      const codes = await Promise.all(
        notifications.map(async (n) => /Bevestigingscode: ([A-Z0-9-]+)/.exec(await textOf(n))?.[1] ?? ''),
      );
      for (const mail of outgoing) {
        const headers = mail.headers.toLowerCase();
        const whole = mail.source.toString('utf8');
        expect(headerOf(mail.source, 'Message-ID')).toMatch(/^<hwc\.[0-9a-f]{32}@/);
        for (const prefix of [key.slice(0, 24), key.slice(0, 12), key.slice(0, 8)]) {
          expect(headers).not.toContain(prefix);
        }
        expect(whole).not.toContain(referenceOf(key));
        expect(whole).not.toContain(referenceOf(key).slice(4));
        for (const id of notifyIds) expect(headers).not.toContain(id.toLowerCase());
        for (const code of codes) expect(whole).not.toContain(code);
        expect(headers).not.toMatch(/notify-(primary|backup)/);
      }
      noCanaries(s, check);
    } finally {
      check.close();
    }
  });
});
