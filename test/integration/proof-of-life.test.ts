import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { deliver, listMessages, mailstackEnv, waitForMessages, withImap } from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc } from '../support/hwc.js';
import { CANARY, createSchool, headerOf, signalMail } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SCHEDULE = { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' };

function today(): string {
  return new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: 'Europe/Amsterdam' })
    .format(new Date())
    .toLowerCase();
}

function proofRows(storage: string): { kind: unknown; outcome: unknown }[] {
  const store = SqliteStore.open(storage);
  try {
    return store
      .rows()
      .filter((row) => row.type === 'proof-of-life')
      .map((row) => ({ kind: row.data.kind, outcome: row.data.outcome }));
  } finally {
    store.close();
  }
}

function bodyOf(source: Buffer): string {
  return source.toString('utf8').replace(/=\r?\n/g, '');
}

describe('proof of life on the real mail stack', () => {
  it('when a self-test is due, then a check sends a content-free mail to the HwC address, the next check finds and removes it, and both are in the audit log', async () => {
    const s = await createSchool({ schedule: SCHEDULE, proofOfLife: { selfTest: EVERY_DAY } });
    const first = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(first.code).toBe(0);
    await waitForMessages(s.hwc, 'INBOX', 1, 20_000);
    const [test] = await listMessages(s.hwc, 'INBOX');
    expect(headerOf(test!.source, 'Message-ID')).toMatch(/^<hwc\.[0-9a-f]{32}@school\.test>$/);
    expect(headerOf(test!.source, 'Subject')).toBe('Zelftest van hwc-watcher');
    expect(bodyOf(test!.source)).toContain('geen gegevens van leerlingen');

    const second = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(second.code).toBe(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    // The check left it alone as our own mail: no alert about it to anyone.
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(proofRows(s.install.storage)).toEqual([
      { kind: 'self-test', outcome: 'sent' },
      { kind: 'self-test', outcome: 'arrived' },
    ]);
    // Once a day: the third check sends no second test.
    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
  }, 120_000);

  it('when the self-test mail does not arrive, then the contacts get one urgent content-free alarm and the audit log says missing', async () => {
    const s = await createSchool({ schedule: SCHEDULE, proofOfLife: { selfTest: EVERY_DAY } });
    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(0);
    await waitForMessages(s.hwc, 'INBOX', 1, 20_000);
    // A mailbox rule that moves it away, and the time that passed since it was sent.
    await withImap(s.hwc, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageDelete('1:*');
    });
    const store = SqliteStore.open(s.install.storage);
    const [day] = (store.getMeta('proof_self_test_pending') ?? '').split(' ');
    store.setMeta('proof_self_test_pending', `${day} ${new Date(Date.now() - 20 * 60_000).toISOString()}`);
    store.close();

    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(0);
    await waitForMessages(s.zorg, 'INBOX', 1, 20_000);
    await waitForMessages(s.backup, 'INBOX', 1, 20_000);
    const [alarm] = await listMessages(s.zorg, 'INBOX');
    expect(headerOf(alarm!.source, 'Subject')).toBe(
      'DRINGEND: een testbericht kwam niet aan in de HwC-mailbox',
    );
    expect(bodyOf(alarm!.source)).toContain('Bij de controle daarna was het er nog niet');
    // The alarm goes once; later checks keep looking for a late arrival without alarming again.
    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
    expect(proofRows(s.install.storage)).toEqual([
      { kind: 'self-test', outcome: 'sent' },
      { kind: 'self-test', outcome: 'missing' },
    ]);
  }, 120_000);

  it('when the weekly mail is due and every check worked, then both contacts read "deze week 1 keer gecontroleerd, alles werkte", once that week', async () => {
    const s = await createSchool({ schedule: SCHEDULE, proofOfLife: { weeklyReport: today() } });
    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(0);
    await waitForMessages(s.zorg, 'INBOX', 1, 20_000);
    await waitForMessages(s.backup, 'INBOX', 1, 20_000);
    const [weekly] = await listMessages(s.zorg, 'INBOX');
    expect(headerOf(weekly!.source, 'Subject')).toBe(
      'Weekbericht hwc-watcher: deze week 1 keer gecontroleerd, alles werkte',
    );
    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
    expect(proofRows(s.install.storage)).toEqual([{ kind: 'weekly', outcome: 'sent' }]);
  }, 120_000);

  it('when the last check of the week failed, then the weekly mail says "de laatste controle lukte niet"', async () => {
    const s = await createSchool({ schedule: SCHEDULE, proofOfLife: { weeklyReport: today() } });
    const env = mailstackEnv();
    writeFileSync(
      s.install.configFile,
      readFileSync(s.install.configFile, 'utf8').replace(`port: ${env.imapPort}`, 'port: 1'),
    );
    expect((await runHwc(['check', '--config', s.install.configFile], { env: s.install.env })).code).toBe(1);
    await waitForMessages(s.zorg, 'INBOX', 1, 20_000);
    const [weekly] = await listMessages(s.zorg, 'INBOX');
    expect(headerOf(weekly!.source, 'Subject')).toBe(
      'Weekbericht hwc-watcher: deze week 1 keer gecontroleerd; 1 keer lukte de controle niet, en de laatste controle lukte niet',
    );
    expect(bodyOf(weekly!.source)).toContain('Kijk alstublieft nu zelf in de HwC-mailbox');
  }, 120_000);

  it('when a signal is handled in a week with the self-test and the weekly mail, then no byte hwc wrote outside the notification names the child or the signal: storage, logs, audit output, the report, and the mails of proof of life', async () => {
    const s = await createSchool({
      schedule: SCHEDULE,
      proofOfLife: { selfTest: EVERY_DAY, weeklyReport: today() },
    });
    const messageId = `pol-${randomBytes(6).toString('hex')}@veiligthuis.test`;
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: messageId }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const outputs: Record<string, string> = {};
    const hwc = async (label: string, args: string[]): Promise<number | null> => {
      const run = await runHwc(args, { env: s.install.env });
      outputs[`${label} stdout`] = run.stdout;
      outputs[`${label} stderr`] = run.stderr;
      return run.code;
    };
    expect(await hwc('first check', ['check', '--config', s.install.configFile])).toBe(0);
    // The signal, and the self-test beside it; the contacts have the notification and the weekly mail.
    const inbox = await waitForMessages(s.hwc, 'INBOX', 2, 20_000);
    const selfTest = inbox.find((m) => headerOf(m.source, 'Subject') === 'Zelftest van hwc-watcher');
    expect(selfTest).toBeDefined();
    await waitForMessages(s.zorg, 'INBOX', 2, 20_000);
    await waitForMessages(s.backup, 'INBOX', 1, 20_000);
    expect(await hwc('second check', ['check', '--config', s.install.configFile])).toBe(0);
    const report = join(s.install.dir, 'rapport.html');
    expect(
      await hwc('report', ['audit', '--config', s.install.configFile, '--format', 'html', '--out', report]),
    ).toBe(0);
    expect(readFileSync(report, 'utf8')).toContain('Werkt het nog? Het weekbericht en de zelftest');
    expect(await hwc('audit', ['audit', '--config', s.install.configFile])).toBe(0);
    expect(await hwc('audit json', ['audit', '--config', s.install.configFile, '--format', 'json'])).toBe(0);
    expect(await hwc('status', ['status', '--config', s.install.configFile, '--json'])).not.toBeNull();
    expect(proofRows(s.install.storage)).toEqual([
      { kind: 'weekly', outcome: 'sent' },
      { kind: 'self-test', outcome: 'sent' },
      { kind: 'self-test', outcome: 'arrived' },
    ]);

    const child = canaryForms([CANARY.name], [CANARY.isoDate]);
    const mails: Record<string, string> = {};
    const add = async (label: string, source: Buffer): Promise<void> => {
      const parsed = await simpleParser(source);
      mails[`${label} raw`] = source.toString('latin1');
      mails[`${label} text`] = parsed.text ?? '';
    };
    await add('self-test', selfTest!.source);
    let weekly = 0;
    for (const [role, user] of [
      ['zorg', s.zorg],
      ['backup', s.backup],
    ] as const) {
      for (const message of await listMessages(user, 'INBOX')) {
        if (!headerOf(message.source, 'Subject')?.startsWith('Weekbericht')) continue;
        weekly += 1;
        await add(`weekly to ${role}`, message.source);
      }
    }
    expect(weekly).toBe(2);
    // The forms do find the child where it belongs: in the notification (deliver: mail).
    const notification = (await listMessages(s.zorg, 'INBOX')).find(
      (m) => !headerOf(m.source, 'Subject')?.startsWith('Weekbericht'),
    );
    expect(scanForCanaries(child, [], { raw: notification!.source.toString('latin1') }).hits).not.toEqual([]);
    // Every file under the install (state, TMPDIR, the report), every line printed, every proof-of-life mail.
    const files = scanForCanaries([...child, messageId], [s.install.dir], { ...outputs, ...mails });
    expect(files.filesScanned).toBeGreaterThan(2);
    expect(files.hits).toEqual([]);
    // What Veilig Thuis got back answers its Message-ID by design (In-Reply-To), but never names the child.
    const receipts: Record<string, string> = {};
    for (const [i, message] of (await listMessages(s.vt, 'INBOX')).entries()) {
      receipts[`to Veilig Thuis ${i}`] = message.source.toString('latin1');
      receipts[`to Veilig Thuis ${i} text`] = (await simpleParser(message.source)).text ?? '';
    }
    expect(Object.keys(receipts).length).toBeGreaterThan(0);
    expect(scanForCanaries(child, [], receipts).hits).toEqual([]);
  }, 180_000);
});
