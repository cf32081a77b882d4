import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { classify } from '../../src/core/classify.js';
import { nextSignalStep, type SignalPolicy } from '../../src/core/decide.js';
import { signalKey } from '../../src/core/identity.js';
import type { OutgoingMail, SendResult } from '../../src/core/ports.js';
import { createHash } from 'node:crypto';
import { captureLogger } from '../support/capture-logger.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings } from '../support/check-fixtures.js';
import { manyChildren, shapedSignal, type SignalShape } from '../support/completeness-mail.js';

const TODAY = { today: '2026-11-25' };

function setup(overrides: Parameters<typeof checkSettings>[0] = {}) {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings(overrides),
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  return { mailbox, mailer, store, clock, deps, logs };
}

async function read(shape: SignalShape) {
  const parsed = await parseMail(Buffer.from(shapedSignal(shape)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return { facts: parsed.facts, classified: classify(parsed.facts, TODAY) };
}

const notifications = (mailer: FakeMailer) => mailer.sent.filter((m) => m.kind === 'notification');

/** A reply that quotes the notification, so it carries the confirmation code. */
function reply(from: string, notification: OutgoingMail | undefined): string {
  return [
    `From: ${from}`,
    'To: hwc@school.test',
    'Subject: Re: Handle with Care-signaal',
    `In-Reply-To: <${notification?.messageId}>`,
    `Message-ID: <reply-${notification?.messageId}>`,
    '',
    'Gelezen in de HwC-mailbox.',
    '',
    ...(notification?.text ?? '').split('\n').map((line) => `> ${line}`),
    '',
  ].join('\r\n');
}

describe('nested forwards', () => {
  it('when a signal is forwarded as an attachment three levels deep in multipart, then its child is read', async () => {
    const [child] = manyChildren(1, 3);
    const { classified } = await read({
      id: 'n3@veiligthuis.test',
      children: [child!],
      nesting: 3,
      multipart: true,
    });
    expect(classified.children.map((c) => c.name)).toEqual([child?.name]);
  });

  it('when a signal is forwarded ten levels deep without multipart, then its child is read', async () => {
    const [child] = manyChildren(1, 5);
    const { classified } = await read({ id: 'n10@veiligthuis.test', children: [child!], nesting: 10 });
    expect(classified.children.map((c) => c.name)).toEqual([child?.name]);
  });

  it('when forwards are nested past the bounds, then the mail is set aside for that reason, a person is alerted, and nothing is purged', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add(
      'INBOX',
      shapedSignal({ id: 'deep@veiligthuis.test', children: manyChildren(1), nesting: 13 }),
    );
    const report = await runCheck(deps, { dryRun: false });
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(report.counts.purged).toBe(0);
    const alert = mailer.sent.find((m) => m.kind === 'alert');
    expect(alert?.text).toContain('te diep in elkaar zitten');
    expect(alert?.text).not.toContain(manyChildren(1)[0]?.name ?? '?');
  });

  it('when a forward hides its nesting in base64, then the recursion stops at the bound all the same', async () => {
    let message = shapedSignal({ id: 'b64-0@veiligthuis.test', children: manyChildren(1) });
    for (let level = 1; level <= 14; level += 1) {
      message = [
        'From: signaal@veiligthuis.test',
        `Message-ID: <b64-${level}@veiligthuis.test>`,
        'Content-Type: message/rfc822',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(message).toString('base64'),
      ].join('\r\n');
    }
    const parsed = await parseMail(Buffer.from(message));
    expect(parsed).toEqual({ ok: false, reason: 'too-deeply-nested' });
  });
});

describe('nothing cut silently', () => {
  it('when the text is longer than the parser keeps, then the cut is a review reason', async () => {
    const raw = Buffer.from(
      shapedSignal({ id: 'long@veiligthuis.test', children: manyChildren(1), padding: 5000 }),
    );
    const parsed = await parseMail(raw, { maxTextLength: 1000 });
    expect(parsed.ok && parsed.facts.completeness?.textCut).toBe(true);
    const classified = parsed.ok ? classify(parsed.facts, TODAY) : undefined;
    expect(classified?.needsReview).toBe(true);
    expect(classified?.reasons).toContain('text longer than can be read; the original is attached');
  });

  it('when a signal lists 300 children, then the notification carries the original whole, and every child is in it', async () => {
    const { mailbox, mailer, deps } = setup();
    const children = manyChildren(300);
    const raw = shapedSignal({ id: 'list@veiligthuis.test', children });
    mailbox.add('INBOX', raw);
    await runCheck(deps, { dryRun: false });
    const [first] = notifications(mailer);
    expect(first?.text).toContain('meer leerlingen dan deze melding kan opsommen');
    expect(first?.attachments?.[0]?.contentType).toBe('message/rfc822');
    expect(first?.attachments?.[0]?.content.equals(Buffer.from(raw))).toBe(true);
    const attached = await parseMail(first?.attachments?.[0]?.content ?? Buffer.alloc(0));
    for (const child of children) expect(attached.ok && attached.facts.text).toContain(child.name);
  });

  it('when a review signal is longer than the inline copy, then the cut says where the rest is', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add(
      'INBOX',
      shapedSignal({ id: 'pad@veiligthuis.test', children: manyChildren(60), padding: 30_000 }),
    );
    await runCheck(deps, { dryRun: false });
    expect(notifications(mailer)[0]?.text).toContain(
      '[... ingekort: het hele bericht zit als bijlage bij deze e-mail]',
    );
  });
});

describe('the child only in an attachment', () => {
  it('when a signal says "zie bijlage" with notify both, then both notifications carry the original with its attachment, and the signal stays until a confirmation', async () => {
    const { mailbox, mailer, deps, store } = setup();
    const [child] = manyChildren(1, 7);
    const raw = shapedSignal({ id: 'att@veiligthuis.test', children: [child!], childIn: 'attachment' });
    mailbox.add('INBOX', raw);
    const report = await runCheck(deps, { dryRun: false });
    const sent = notifications(mailer);
    expect(sent).toHaveLength(2);
    for (const mail of sent) {
      expect(mail.attachments?.[0]?.content.equals(Buffer.from(raw))).toBe(true);
      expect(mail.attachments?.[0]?.filename).toBe('origineel-signaal.eml');
      expect(mail.text).toContain('zit als bijlage bij deze e-mail');
      expect(mail.text).toContain(
        'blijft dit signaal in de HwC-mailbox staan tot iemand deze melding heeft bevestigd',
      );
    }
    // Both were told, but a size bounce of the attachment could still come back: it must find the signal.
    expect(report.counts.purged).toBe(0);
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(store.allSignals()[0]?.heldAt).toBeDefined();

    mailbox.add('INBOX', reply('backup@school.test', sent[1]));
    const confirmed = await runCheck(deps, { dryRun: false });
    expect(confirmed.counts).toMatchObject({ confirmations: 1, purged: 1 });
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(store.rows().some((row) => row.data.purgeReason === 'confirmed')).toBe(true);
  });

  it('when notify both tells a signal whose body names every child, then it is purged in the same check, as before', async () => {
    const { mailbox, mailer, deps, store } = setup();
    mailbox.add('INBOX', shapedSignal({ id: 'plain@veiligthuis.test', children: manyChildren(1, 8) }));
    const report = await runCheck(deps, { dryRun: false });
    expect(notifications(mailer).every((m) => m.attachments === undefined)).toBe(true);
    expect(notifications(mailer)[0]?.text).not.toContain('tot iemand deze melding heeft bevestigd');
    expect(report.counts.purged).toBe(1);
    expect(store.rows().some((row) => row.data.purgeReason === 'handled')).toBe(true);
  });

  it('when notify escalate attaches the original, then the notification does not promise a hold the escalation does not keep', async () => {
    const { mailbox, mailer, deps, store } = setup({ notify: 'escalate' });
    mailbox.add(
      'INBOX',
      shapedSignal({ id: 'esc@veiligthuis.test', children: manyChildren(1, 9), childIn: 'attachment' }),
    );
    await runCheck(deps, { dryRun: false });
    const [first] = notifications(mailer);
    expect(first?.attachments).toHaveLength(1);
    expect(first?.text).not.toContain('tot iemand deze melding heeft bevestigd');
    expect(store.allSignals()[0]?.heldAt).toBeUndefined();
  });
});

/** A mail server that refuses any mail with an attachment for its size (552 5.3.4). */
class SizeLimitedMailer extends FakeMailer {
  override async send(mail: OutgoingMail): Promise<SendResult> {
    if ((mail.attachments?.length ?? 0) > 0) return { accepted: [], rejected: [], tooBig: [...mail.to] };
    return super.send(mail);
  }
}

describe('an original that cannot travel', () => {
  const attachmentSignal = (id: string) =>
    shapedSignal({ id, children: manyChildren(1, 2), childIn: 'attachment', ballast: 4000 });

  it('when the original is larger than maxNotificationBytes, then the contact is told to read it in the mailbox, and it is held past purgeAfter', async () => {
    const { mailbox, mailer, clock, deps, store } = setup({ maxNotificationBytes: 2048, notify: 'escalate' });
    deps.settings.purgeAfterMs = 60 * 60_000;
    mailbox.add('INBOX', attachmentSignal('big@veiligthuis.test'));
    await runCheck(deps, { dryRun: false });
    const [first] = notifications(mailer);
    expect(first?.attachments).toBeUndefined();
    expect(first?.text).toContain('Lees het signaal vandaag nog zelf in de HwC-mailbox');
    expect(store.allSignals()[0]?.heldAt).toBeDefined();

    // Escalation, the deadline reminder and purgeAfter all pass: the signal stays.
    for (const minutes of [25, 60, 24 * 60]) {
      clock.advance(minutes * 60_000);
      await runCheck(deps, { dryRun: false });
    }
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(notifications(mailer).map((m) => m.to[0])).toEqual(['zorg@school.test', 'backup@school.test']);
    expect(mailer.sent.filter((m) => m.kind === 'reminder').length).toBeGreaterThan(0);

    // The contact read it in the mailbox and confirms: that ends the hold.
    mailbox.add('INBOX', reply('zorg@school.test', first));
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.confirmations).toBe(1);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(store.rows().some((row) => row.data.purgeReason === 'confirmed')).toBe(true);
  });

  it('when the mail server refuses the notification for its size, then it goes again without the original and the signal is held', async () => {
    const { mailbox, deps, store, logs } = setup();
    const mailer = new SizeLimitedMailer();
    deps.mailer = mailer;
    mailbox.add('INBOX', attachmentSignal('refused@veiligthuis.test'));
    const report = await runCheck(deps, { dryRun: false });
    expect(notifications(mailer)).toHaveLength(2);
    expect(notifications(mailer)[0]?.text).toContain('HwC-mailbox');
    expect(report.counts.purged).toBe(0);
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(store.allSignals()[0]?.heldAt).toBeDefined();
    expect(logs()).toContain('original-refused-for-size');
  });

  it('when a signal is held, then purgeAfter, a complete escalation and notify both never purge it; a confirmation does', () => {
    const policy: SignalPolicy = {
      mode: 'escalate',
      escalateAfterMs: 20 * 60_000,
      purgeAfterMs: 60 * 60_000,
      deadline: new Date('2026-11-25T07:15:00Z'),
      primaryAbsent: false,
    };
    const progress = {
      receivedAt: '2026-11-25T06:00:00Z',
      notified: { primary: '2026-11-25T06:00:00Z', backup: '2026-11-25T06:20:00Z' },
      refused: {},
      acknowledgedAt: '2026-11-25T06:00:00Z',
      reminderSentAt: '2026-11-25T07:15:00Z',
      heldAt: '2026-11-25T06:00:00Z',
    };
    const flags = { mdnRequested: false, keywords: [] };
    const late = new Date('2026-11-26T06:00:00Z');
    expect(nextSignalStep(progress, flags, policy, late)).toEqual({ step: 'held' });
    expect(nextSignalStep(progress, flags, { ...policy, mode: 'both' }, late)).toEqual({ step: 'held' });
    expect(nextSignalStep({ ...progress, confirmedAt: '2026-11-26T05:00:00Z' }, flags, policy, late)).toEqual(
      {
        step: 'purge',
        why: 'confirmed',
      },
    );
    const { heldAt: _, ...unheld } = progress;
    expect(nextSignalStep(unheld, flags, policy, late)).toEqual({ step: 'purge', why: 'hard-limit' });
  });
});

describe('a reused Message-ID', () => {
  it('when two different signals share a Message-ID, then both are notified and each purge deletes only its own message', async () => {
    const { mailbox, mailer, deps } = setup();
    const [a, b] = manyChildren(2, 11);
    mailbox.add('INBOX', shapedSignal({ id: 'same@veiligthuis.test', children: [a!] }));
    mailbox.add('INBOX', shapedSignal({ id: 'same@veiligthuis.test', children: [b!] }));
    const report = await runCheck(deps, { dryRun: false });
    const primary = notifications(mailer).filter((m) => m.to[0] === 'zorg@school.test');
    expect(primary).toHaveLength(2);
    expect(primary.some((m) => m.text.includes(a?.name ?? '?'))).toBe(true);
    expect(primary.some((m) => m.text.includes(b?.name ?? '?'))).toBe(true);
    expect(report.counts).toMatchObject({ signals: 2, purged: 2, purgeVerified: true });
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when the first signal is purged while a second with its Message-ID waits, then the second stays in the mailbox', async () => {
    const { mailbox, mailer, deps } = setup({ notify: 'escalate' });
    const [a, b] = manyChildren(2, 13);
    const first = mailbox.add('INBOX', shapedSignal({ id: 'reuse@veiligthuis.test', children: [a!] }));
    await runCheck(deps, { dryRun: false });
    const second = mailbox.add('INBOX', shapedSignal({ id: 'reuse@veiligthuis.test', children: [b!] }));
    mailbox.add('INBOX', reply('zorg@school.test', notifications(mailer)[0]));
    await runCheck(deps, { dryRun: false });
    const uids = mailbox.folder('INBOX').map((m) => m.uid);
    expect(uids).not.toContain(first);
    expect(uids).toContain(second);
    expect(notifications(mailer).some((m) => m.text.includes(b?.name ?? '?'))).toBe(true);
  });

  it('when a signal in flight was stored under the legacy key, then it keeps that key and is not notified again', async () => {
    const { mailbox, mailer, deps, store } = setup({ notify: 'escalate' });
    const raw = Buffer.from(shapedSignal({ id: 'legacy@veiligthuis.test', children: manyChildren(1, 17) }));
    const uid = mailbox.add('INBOX', raw);
    const legacy = signalKey(
      store.secret(),
      'legacy@veiligthuis.test',
      createHash('sha256').update(raw).digest('hex'),
    );
    store.putSignal({
      key: legacy,
      uidValidity: '1',
      uid,
      receivedAt: '2026-11-25T05:50:00.000Z',
      notified: { primary: '2026-11-25T05:51:00.000Z' },
      refused: {},
      acknowledgedAt: '2026-11-25T05:51:00.000Z',
      needsReview: false,
      children: 1,
    });
    await runCheck(deps, { dryRun: false });
    expect(notifications(mailer)).toHaveLength(0);
    expect(store.allSignals().map((r) => r.key)).toEqual([legacy]);
  });
});

describe('the dry run', () => {
  it('when a signal needs its original, then the plan says whether it is attached or held', async () => {
    const raw = shapedSignal({
      id: 'dry@veiligthuis.test',
      children: manyChildren(1),
      childIn: 'attachment',
    });
    const attached = setup();
    attached.mailbox.add('INBOX', raw);
    const plan = (await runCheck(attached.deps, { dryRun: true })).plan.join('\n');
    expect(plan).toContain('with the original attached: held in the mailbox until a contact confirms');
    const held = setup({ maxNotificationBytes: 2048 });
    held.mailbox.add('INBOX', raw);
    expect((await runCheck(held.deps, { dryRun: true })).plan.join('\n')).toContain('held in the mailbox');
    expect(attached.mailer.sent).toHaveLength(0);
  });
});
