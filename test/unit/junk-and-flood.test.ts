import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { KEYWORD } from '../../src/core/decide.js';
import { captureLogger } from '../support/capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';

const CANARY_NAME = 'Quirijn Zwartveld-Oosterbeek';
const signal = (id = 'sig-1@veiligthuis.test', from?: string) =>
  signalMail({ id, ...(from ? { from } : {}), body: [`${CANARY_NAME}, 17-9-2014, Handle with Care`] });

function junkMail(n: number): string {
  return [
    `From: Aanbieding <promo${n}@example.test>`,
    'To: hwc@school.test',
    `Subject: Korting ${n}`,
    `Message-ID: <promo-${n}@example.test>`,
    '',
    'Nu 50% korting.',
    '',
  ].join('\r\n');
}

function setup(maxMessagesPerCheck = 200) {
  const mailbox = new FakeMailbox();
  const mailer = new FakeMailer();
  const store = SqliteStore.inMemory();
  const clock = new FixedClock(new Date('2026-11-25T06:00:00Z'));
  const { logger, logs } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings({ maxMessagesPerCheck }),
    opener: mailbox,
    mailer,
    store,
    clock,
    logger,
    parser: mailParser,
  };
  return { mailbox, mailer, store, deps, logs };
}

describe('runCheck and the Junk folder', () => {
  it('when a trusted signal lies in Junk, then it is notified, acknowledged and purged from Junk, and tracked there', async () => {
    const { mailbox, mailer, store, deps, logs } = setup();
    const uid = mailbox.add('Junk', signal());
    const report = await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['notification', 'notification', 'acknowledgement']);
    expect(mailer.sent[0]?.text).toContain(CANARY_NAME);
    expect(mailbox.folder('Junk')).toHaveLength(0);
    expect(report.counts).toMatchObject({ signals: 1, purged: 1, purgeVerified: true });
    const [record] = store.allSignals();
    expect(record).toMatchObject({ folder: 'Junk', uid, uidValidity: '1' });
    expect(logs()).not.toContain('Quirijn');
  });

  it('when the same signal lies in INBOX and, with an added header, in Junk, then it is handled once and both copies go', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', `Received: from mx.school.test\r\n${signal()}`);
    mailbox.add('Junk', signal());
    const report = await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['notification', 'notification', 'acknowledgement']);
    expect(report.counts).toMatchObject({ signals: 1, purged: 1, purgeVerified: true });
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(mailbox.folder('Junk')).toHaveLength(0);
  });

  it('when Junk holds a newsletter and a look-alike sender, then they stay untouched: no flag, no alert, not read', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('Junk', junkMail(1));
    mailbox.add('Junk', signal('evil@x.test', 'signaal@veiligthuis.test.evil.test'));
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent).toEqual([]);
    expect(mailbox.folder('Junk').map((m) => m.flags)).toEqual([[], []]);
    expect(mailbox.calls.filter((c) => c.startsWith('fetch') || c.startsWith('store'))).toEqual([]);
  });

  it('when a reply of a contact lies in Junk, then it is neither counted nor removed', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add(
      'Junk',
      [
        'From: zorg@school.test',
        'To: hwc@school.test',
        'Subject: Re: Handle with Care-signaal [HWC-ABCDEF]',
        'Message-ID: <r1@school.test>',
        '',
        'Gezien.',
        '',
      ].join('\r\n'),
    );
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent).toEqual([]);
    expect(mailbox.folder('Junk')).toHaveLength(1);
  });

  it('when a trusted sender in Junk sent something that is not a signal, then a person is told and it is marked in Junk, never deleted', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add(
      'Junk',
      signalMail({ id: 'news@veiligthuis.test', body: ['Onze nieuwsbrief van november.'] }),
    );
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['alert']);
    expect(mailbox.folder('Junk').map((m) => m.flags)).toEqual([[KEYWORD.setAside]]);
  });

  it('when the check that handles a Junk signal dies mid-purge, then the next check finishes the purge without telling anyone again', async () => {
    const { mailbox, mailer, store, deps } = setup();
    mailbox.add('Junk', signal());
    mailbox.add('Trash', signal());
    const dying: CheckDeps = {
      ...deps,
      onStep: (step) => {
        if (step === 'mid-purge') throw new Error('killed');
      },
    };
    await expect(runCheck(dying, { dryRun: false })).rejects.toThrow('killed');
    const sentBefore = mailer.sent.length;
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.length).toBe(sentBefore);
    expect(mailbox.folder('Junk')).toHaveLength(0);
    expect(mailbox.folder('Trash')).toHaveLength(0);
    expect(store.allSignals()[0]?.purgedAt).toBeDefined();
  });

  it('when the check that handles a Junk signal dies after the first notification, then the next check goes on from the state in Junk', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('Junk', signal());
    const dying: CheckDeps = {
      ...deps,
      onStep: (step) => {
        if (step === 'after-notify-primary') throw new Error('killed');
      },
    };
    await expect(runCheck(dying, { dryRun: false })).rejects.toThrow('killed');
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => `${m.kind}:${m.to[0]}`)).toEqual([
      'notification:zorg@school.test',
      'notification:backup@school.test',
      'acknowledgement:signaal@veiligthuis.test',
    ]);
    expect(mailbox.folder('Junk')).toHaveLength(0);
  });
});

describe('runCheck in a flood', () => {
  it('when thousands of junk mails come before the signal, then the signal is handled first and no more than the bound is read', async () => {
    const { mailbox, mailer, deps, logs } = setup(100);
    for (let i = 0; i < 2_000; i += 1) mailbox.add('INBOX', junkMail(i));
    mailbox.add('INBOX', signal());
    const report = await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.kind)).toEqual([
      'notification',
      'notification',
      'acknowledgement',
      'alert',
    ]);
    const fetches = mailbox.calls.filter((c) => c.startsWith('fetch'));
    expect(fetches).toHaveLength(100);
    expect(fetches[0]).toBe(`fetch INBOX ${2_001}`);
    // One listing per folder, and the set-aside keywords in one STORE, not one per message.
    expect(mailbox.calls.filter((c) => c === 'list INBOX')).toHaveLength(1);
    expect(mailbox.calls.filter((c) => c.endsWith(KEYWORD.setAside))).toEqual([
      `store INBOX 99 ${KEYWORD.setAside}`,
    ]);
    expect(report.counts.setAside).toBe(99);
    expect(logs()).toContain('maxMessagesPerCheck');
  }, 30_000);

  it('when junk comes before the signal, then the signal is passed on before any junk is downloaded', async () => {
    const { mailbox, mailer, deps } = setup(100);
    for (let i = 0; i < 30; i += 1) mailbox.add('INBOX', junkMail(i));
    mailbox.add('INBOX', signal());
    const fetchesAtSend: number[] = [];
    const send = mailer.send.bind(mailer);
    mailer.send = async (mail) => {
      fetchesAtSend.push(mailbox.calls.filter((c) => c.startsWith('fetch')).length);
      return send(mail);
    };
    await runCheck(deps, { dryRun: false });
    // notification, notification, acknowledgement: only the signal itself was read by then.
    expect(fetchesAtSend.slice(0, 3)).toEqual([1, 1, 1]);
    expect(fetchesAtSend.at(-1)).toBe(31);
  });

  it('when a flood is larger than the bound, then each later check makes progress on the rest and alerts about each message once', async () => {
    const { mailbox, mailer, deps } = setup(150);
    for (let i = 0; i < 400; i += 1) mailbox.add('INBOX', junkMail(i));
    const marked = () => mailbox.folder('INBOX').filter((m) => m.flags.includes(KEYWORD.setAside)).length;
    const progress: number[] = [];
    for (let check = 0; check < 5; check += 1) {
      await runCheck(deps, { dryRun: false });
      progress.push(marked());
    }
    expect(progress).toEqual([150, 300, 400, 400, 400]);
    expect(mailer.sent.map((m) => m.kind)).toEqual(['alert', 'alert', 'alert']);
    expect(mailbox.folder('INBOX')).toHaveLength(400);
  }, 30_000);

  it('when SMTP is down for the alert in a flood, then nothing is marked and the next check alerts about the same messages', async () => {
    const { mailbox, mailer, deps } = setup(50);
    for (let i = 0; i < 80; i += 1) mailbox.add('INBOX', junkMail(i));
    mailer.down = true;
    await expect(runCheck(deps, { dryRun: false })).rejects.toThrow();
    expect(mailbox.folder('INBOX').filter((m) => m.flags.length > 0)).toHaveLength(0);
    mailer.down = false;
    const report = await runCheck(deps, { dryRun: false });
    expect(report.counts.setAside).toBe(50);
  });

  it('when forged mail from a trusted address floods the inbox, then it is set aside batch by batch and the real signal is still reached', async () => {
    const { mailbox, mailer, deps } = setup(40);
    // Forged From: the sender is listed, but the body is no signal: each check sets 40 aside.
    for (let i = 0; i < 100; i += 1) {
      mailbox.add('INBOX', junkMail(i).replace(`promo${i}@example.test`, 'signaal@veiligthuis.test'));
    }
    mailbox.add('INBOX', signal('real@veiligthuis.test'));
    const notified = () => mailer.sent.filter((m) => m.kind === 'notification').length;
    let checks = 0;
    while (notified() === 0 && checks < 5) {
      await runCheck(deps, { dryRun: false });
      checks += 1;
    }
    expect(notified()).toBe(2);
    expect(checks).toBe(3);
  }, 30_000);
});
