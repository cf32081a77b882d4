import { simpleParser, type Attachment } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { deliver, listMessages, submit, waitForMessages, type MailUser } from '../support/mailstack.js';
import { replyTo } from '../support/week.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc, type HwcRun, type TestInstall } from '../support/hwc.js';
import { CANARY, CANARY_SIBLING, createSchool, headerOf, textOf, type School } from '../support/school.js';
import {
  manyChildren,
  shapedSignal,
  type ShapeChild,
  type SignalShape,
} from '../support/completeness-mail.js';

// Every case tried on the real stack lost the child once; each must end with the child named to a
// contact, or with the signal still in the mailbox and a person told.
const YSOLDE: ShapeChild = { name: CANARY.name, written: CANARY.dutchDate };
const TEUNIS: ShapeChild = { name: CANARY_SIBLING.name, written: CANARY_SIBLING.dutchDate };

const check = (install: TestInstall) =>
  runHwc(['check', '--config', install.configFile], { env: install.env });

async function deliverShape(s: School, shape: Omit<SignalShape, 'from' | 'to'>): Promise<Buffer> {
  const raw = shapedSignal({ ...shape, from: s.vt.address, to: s.hwc.address });
  await deliver(raw, { from: s.vt.address, to: [s.hwc.address] });
  return Buffer.from(raw);
}

function expectNothingKept(install: TestInstall, runs: HwcRun[]): void {
  const forms = canaryForms([CANARY.name, CANARY_SIBLING.name], [CANARY.isoDate, CANARY_SIBLING.isoDate]);
  const outputs = Object.fromEntries(
    runs.flatMap((r, i) => [
      [`out-${i}`, r.stdout],
      [`err-${i}`, r.stderr],
    ]),
  );
  expect(scanForCanaries(forms, [install.storage, install.tmp], outputs).hits).toEqual([]);
}

/** What a contact received: each notification's text and, parsed again, its attached original. */
async function received(contact: MailUser, count: number) {
  await waitForMessages(contact, 'INBOX', count, 15_000);
  const mails = await listMessages(contact, 'INBOX');
  return Promise.all(
    mails.map(async (mail) => {
      const parsed = await simpleParser(mail.source);
      const original = parsed.attachments.find((a: Attachment) => a.contentType === 'message/rfc822');
      const inner = original ? await simpleParser(original.content) : undefined;
      const innerFiles = inner ? inner.attachments.map((a: Attachment) => a.content.toString('utf8')) : [];
      return {
        subject: headerOf(mail.source, 'Subject') ?? '',
        text: await textOf(mail),
        original: original?.content,
        originalText: `${inner?.text ?? ''}\n${innerFiles.join('\n')}`,
      };
    }),
  );
}

describe('every signal read whole, on the real Dovecot and Postfix', () => {
  it('when signals are forwarded three levels deep in multipart and ten levels without, then each child is named to the contact and the signals are purged', async () => {
    const s = await createSchool({ notify: 'both' });
    await deliverShape(s, { id: 'deep3@veiligthuis.test', children: [YSOLDE], nesting: 3, multipart: true });
    await deliverShape(s, { id: 'deep10@veiligthuis.test', children: [TEUNIS], nesting: 10 });
    await waitForMessages(s.hwc, 'INBOX', 2, 15_000);
    const run = await check(s.install);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const mails = await received(s.zorg, 2);
    expect(mails.some((m) => m.text.includes(`Leerling: ${CANARY.name}`))).toBe(true);
    expect(mails.some((m) => m.text.includes(`Leerling: ${CANARY_SIBLING.name}`))).toBe(true);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    expectNothingKept(s.install, [run]);
  });

  it('when forwards are nested past the parser bounds, then the signal stays in the mailbox and the contact is alerted', async () => {
    const s = await createSchool({ notify: 'both' });
    await deliverShape(s, { id: 'deep14@veiligthuis.test', children: [YSOLDE], nesting: 14 });
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    const run = await check(s.install);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [alert] = await received(s.zorg, 1);
    expect(alert?.text).toContain('te diep in elkaar zitten');
    expect(alert?.text).not.toContain(CANARY.name);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    expectNothingKept(s.install, [run]);
  });

  it('when a signal lists 300 children below a long thread, then the notification carries the original whole with every child, and with notify both the signal stays until a confirmation', async () => {
    const s = await createSchool({ notify: 'both' });
    const children = [YSOLDE, ...manyChildren(298), TEUNIS];
    const raw = await deliverShape(s, { id: 'list300@veiligthuis.test', children, padding: 25_000 });
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    const run = await check(s.install);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [mail] = await received(s.zorg, 1);
    expect(mail?.text).toContain('meer leerlingen dan deze melding kan opsommen');
    expect(mail?.original?.includes(raw.subarray(raw.indexOf('\r\n\r\n') + 4))).toBe(true);
    for (const child of children) expect(mail?.originalText).toContain(child.name);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    expectNothingKept(s.install, [run]);
  });

  it('when the child is named only in an attached file, then the attachment travels in the attached original, the signal stays after the check with notify both, and a confirming reply purges it', async () => {
    const s = await createSchool({ notify: 'both' });
    await deliverShape(s, {
      id: 'bijlage@veiligthuis.test',
      children: [YSOLDE],
      childIn: 'attachment',
      encoding: 'base64',
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    const run = await check(s.install);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const contact of [s.zorg, s.backup]) {
      const [mail] = await received(contact, 1);
      expect(mail?.subject).toMatch(/^(Achterwacht: c|C)ontroleer/);
      expect(mail?.text).toContain('origineel-signaal.eml');
      expect(mail?.text).toContain(
        'blijft dit signaal in de HwC-mailbox staan tot iemand deze melding heeft bevestigd',
      );
      expect(mail?.originalText).toContain(CANARY.name);
    }
    // Both were told, but a bounce of the attached original could still come: the signal waits.
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    const again = await check(s.install);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);

    const [notification] = await listMessages(s.backup, 'INBOX');
    if (!notification) throw new Error('the backup received no notification');
    const reply = replyTo(notification, await textOf(notification), {
      from: s.backup.address,
      to: s.hwc.address,
    });
    await submit(s.backup, reply, { from: s.backup.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 2, 15_000);
    const confirmed = await check(s.install);
    expect(confirmed.code, confirmed.stdout + confirmed.stderr).toBe(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    const thanks = (await received(s.backup, 2)).find((m) => m.subject.startsWith('Bevestiging ontvangen'));
    expect(thanks?.text).toContain('Het signaal wordt nu uit de HwC-mailbox verwijderd.');
    expectNothingKept(s.install, [run, again, confirmed]);
  });

  it('when two different signals share one Message-ID, then both children are named to the contact and both signals are purged', async () => {
    const s = await createSchool({ notify: 'both' });
    await deliverShape(s, { id: 'reused@veiligthuis.test', children: [YSOLDE] });
    await deliverShape(s, { id: 'reused@veiligthuis.test', children: [TEUNIS] });
    await waitForMessages(s.hwc, 'INBOX', 2, 15_000);
    const run = await check(s.install);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const mails = await received(s.zorg, 2);
    expect(mails.some((m) => m.text.includes(`Leerling: ${CANARY.name}`))).toBe(true);
    expect(mails.some((m) => m.text.includes(`Leerling: ${CANARY_SIBLING.name}`))).toBe(true);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    expectNothingKept(s.install, [run]);
  });

  it('when the original is too big to attach, then the contact is told to read it in the HwC mailbox and the signal stays there', async () => {
    const s = await createSchool({ notify: 'both', maxNotificationBytes: '2KB' });
    await deliverShape(s, {
      id: 'groot@veiligthuis.test',
      children: [YSOLDE],
      childIn: 'attachment',
      ballast: 20_000,
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 15_000);
    const first = await check(s.install);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const second = await check(s.install);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const mails = await received(s.zorg, 1);
    const notification = mails.find((m) => m.subject.includes('Handle with Care-signaal'));
    expect(notification?.original).toBeUndefined();
    expect(notification?.text).toContain('Lees het signaal vandaag nog zelf in de HwC-mailbox');
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    expectNothingKept(s.install, [first, second]);
  });
});
