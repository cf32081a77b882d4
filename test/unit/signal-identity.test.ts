import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { bodyDigest, contentDigest, decodedSubject } from '../../src/check/body-digest.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { signalKeyOf } from '../../src/core/identity.js';
import type { Mailbox, MailboxOpener } from '../../src/core/ports.js';
import { captureLogger } from '../support/capture-logger.js';
import { FakeMailbox, FakeMailer, FixedClock, GmailLikeMailbox } from '../support/fakes.js';
import { checkSettings } from '../support/check-fixtures.js';

function withSubject(subject: string, id: string, body = 'Handle with Care, zie onderwerp.'): string {
  return [
    'From: Veilig Thuis <signaal@veiligthuis.test>',
    'To: hwc@school.test',
    `Subject: ${subject}`,
    `Message-ID: ${id}`,
    'Date: Wed, 25 Nov 2026 05:30:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

function deps(opener: MailboxOpener & Mailbox, overrides: Parameters<typeof checkSettings>[0] = {}) {
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  const { logger } = captureLogger();
  const all: CheckDeps = {
    settings: checkSettings(overrides),
    opener,
    mailer,
    store,
    clock: new FixedClock(new Date('2026-11-25T06:00:00Z')),
    logger,
    parser: mailParser,
  };
  return { mailer, store, deps: all };
}

const primaryTexts = (mailer: FakeMailer) =>
  mailer.sent.filter((m) => m.kind === 'notification' && m.to[0] === 'zorg@school.test').map((m) => m.text);

describe('the content digest', () => {
  it('when the Subject differs, then the digest differs; when it is only encoded or folded otherwise, then it does not', () => {
    const plain = Buffer.from(withSubject('HwC Daan Smit 17-8-2012', '<a@x.test>'));
    const other = Buffer.from(withSubject('HwC Anna Bos 3-2-2013', '<a@x.test>'));
    const encoded = Buffer.from(
      withSubject('=?utf-8?Q?HwC_Daan?=\r\n =?utf-8?B?IFNtaXQgMTctOC0yMDEy?=', '<a@x.test>'),
    );
    expect(bodyDigest(plain)).toBe(bodyDigest(other));
    expect(contentDigest(plain)).not.toBe(contentDigest(other));
    expect(decodedSubject(encoded)).toBe('HwC Daan Smit 17-8-2012');
    expect(contentDigest(encoded)).toBe(contentDigest(plain));
  });
});

describe('a reused Message-ID with the same body', () => {
  it('when two signals differ only in the Subject that names the child, then both are notified and both purged', async () => {
    const mailbox = new FakeMailbox();
    const { mailer, deps: all } = deps(mailbox);
    mailbox.add('INBOX', withSubject('HwC Daan Smit 17-8-2012', '<same@veiligthuis.test>'));
    mailbox.add('INBOX', withSubject('HwC Anna Bos 3-2-2013', '<same@veiligthuis.test>'));
    const report = await runCheck(all, { dryRun: false });
    const texts = primaryTexts(mailer);
    expect(texts.some((t) => t.includes('Daan Smit'))).toBe(true);
    expect(texts.some((t) => t.includes('Anna Bos'))).toBe(true);
    expect(report.counts).toMatchObject({ signals: 2, purgeVerified: true });
    expect(mailbox.folder('INBOX')).toHaveLength(0);
  });

  it('when the first is purged while a second with another Subject waits, then the second stays in the mailbox', async () => {
    const mailbox = new FakeMailbox();
    const { mailer, deps: all } = deps(mailbox, { notify: 'escalate' });
    const first = mailbox.add('INBOX', withSubject('HwC Daan Smit 17-8-2012', '<reuse@veiligthuis.test>'));
    await runCheck(all, { dryRun: false });
    const second = mailbox.add('INBOX', withSubject('HwC Anna Bos 3-2-2013', '<reuse@veiligthuis.test>'));
    const notification = mailer.sent.find((m) => m.kind === 'notification');
    mailbox.add(
      'INBOX',
      [
        'From: zorg@school.test',
        'To: hwc@school.test',
        'Subject: Re: Handle with Care-signaal',
        `In-Reply-To: <${notification?.messageId}>`,
        `Message-ID: <reply-${notification?.messageId}>`,
        '',
        'Gelezen in de HwC-mailbox.',
        '',
        ...(notification?.text ?? '').split('\n').map((line) => `> ${line}`),
        '',
      ].join('\r\n'),
    );
    await runCheck(all, { dryRun: false });
    const uids = mailbox.folder('INBOX').map((m) => m.uid);
    expect(uids).not.toContain(first);
    expect(uids).toContain(second);
    expect(primaryTexts(mailer).some((t) => t.includes('Anna Bos'))).toBe(true);
  });

  it('when a signal in flight was stored under the body-only key, then it keeps that key and is not notified again', async () => {
    const mailbox = new FakeMailbox();
    const { mailer, store, deps: all } = deps(mailbox, { notify: 'escalate' });
    const raw = Buffer.from(withSubject('HwC Daan Smit 17-8-2012', '<upgrade@veiligthuis.test>'));
    const uid = mailbox.add('INBOX', raw);
    const earlier = signalKeyOf(store.secret(), 'upgrade@veiligthuis.test', bodyDigest(raw));
    store.putSignal({
      key: earlier,
      uidValidity: '1',
      uid,
      receivedAt: '2026-11-25T05:50:00.000Z',
      notified: { primary: '2026-11-25T05:51:00.000Z' },
      refused: {},
      acknowledgedAt: '2026-11-25T05:51:00.000Z',
      needsReview: false,
      children: 1,
    });
    await runCheck(all, { dryRun: false });
    expect(primaryTexts(mailer)).toHaveLength(0);
    expect(store.allSignals().map((r) => r.key)).toEqual([earlier]);
  });

  it("when a row under the body-only key is another message's (another UID), then this one is notified as a signal of its own", async () => {
    const mailbox = new FakeMailbox();
    const { mailer, store, deps: all } = deps(mailbox, { notify: 'escalate' });
    const raw = Buffer.from(withSubject('HwC Anna Bos 3-2-2013', '<elsewhere@veiligthuis.test>'));
    const uid = mailbox.add('INBOX', raw);
    store.putSignal({
      key: signalKeyOf(store.secret(), 'elsewhere@veiligthuis.test', bodyDigest(raw)),
      uidValidity: '1',
      uid: uid + 100,
      receivedAt: '2026-11-25T05:50:00.000Z',
      notified: { primary: '2026-11-25T05:51:00.000Z' },
      refused: {},
      needsReview: false,
      children: 1,
    });
    await runCheck(all, { dryRun: false });
    expect(primaryTexts(mailer).some((t) => t.includes('Anna Bos'))).toBe(true);
  });
});

describe('the Gmail purge of All Mail', () => {
  it('when another signal in All Mail has the Message-ID in other case and without brackets, then it is not moved to Trash', async () => {
    const mailbox = new GmailLikeMailbox();
    const { mailer, deps: all } = deps(mailbox);
    mailbox.add(['INBOX'], withSubject('HwC Daan Smit 17-8-2012', '<Case@VeiligThuis.test>'));
    const other = withSubject('HwC Anna Bos 3-2-2013', 'case@veiligthuis.TEST', 'Anna Bos, 3-2-2013.');
    mailbox.add(['[Gmail]/All Mail'], other);
    const report = await runCheck(all, { dryRun: false });
    expect(primaryTexts(mailer).some((t) => t.includes('Daan Smit'))).toBe(true);
    expect(report.counts.purged).toBe(1);
    expect(mailbox.in('[Gmail]/All Mail').map((m) => m.raw.toString())).toEqual([other]);
  });
});
