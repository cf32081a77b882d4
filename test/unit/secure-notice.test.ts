import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import type { CheckDeps } from '../../src/check/context.js';
import { runCheck } from '../../src/check/run-check.js';
import { commandParse } from '../../src/commands/parse.js';
import { classify, SECURE_NOTICE_REASON } from '../../src/core/classify.js';
import { composeSecureNoticeAlert } from '../../src/core/compose.js';
import { decideMessage, KEYWORD, type MessageEvidence } from '../../src/core/decide.js';
import type { ClassifiedMail } from '../../src/core/types.js';
import { indexOwnMail } from '../../src/core/identity.js';
import { captureLogger } from '../support/capture-logger.js';
import { checkSettings } from '../support/check-fixtures.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { mailFacts } from '../support/mail-facts.js';

const today = '2026-11-20';

async function classifyFixture(name: string): Promise<ClassifiedMail> {
  const raw = await readFile(new URL(`../fixtures/${name}`, import.meta.url));
  const parsed = await parseMail(raw);
  if (!parsed.ok) throw new Error(`fixture did not parse: ${parsed.reason}`);
  return classify(parsed.facts, { today });
}

const NOTICE = [
  'From: Veilig Thuis <signaal@veiligthuis.test>',
  'To: hwc@school.test',
  'Subject: Beveiligd bericht: Handle with Care Quirijn Zwartveld 17-9-2014',
  'Message-ID: <zv-1@veiligthuis.test>',
  'Disposition-Notification-To: signaal@veiligthuis.test',
  'Date: Wed, 25 Nov 2026 05:30:00 +0000',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'U heeft een beveiligd bericht ontvangen van Veilig Thuis.',
  'Klik op de link om het bericht te openen: https://app.zivver.test/m/1',
  'U ontvangt een verificatiecode per sms.',
  '',
].join('\r\n');

describe('secure-mail notices: recognition', () => {
  it.each(['secure-zivver.eml', 'secure-zorgmail.eml', 'secure-ome.eml'])(
    'when %s is classified, then it is a secure-mail notice with no child and a fixed reason',
    async (fixture) => {
      const result = await classifyFixture(fixture);
      expect(result.kind).toBe('secure-notice');
      expect(result.category).toBe('secure-notice');
      expect(result.children).toEqual([]);
      expect(result.needsReview).toBe(true);
      expect(result.reasons).toEqual([SECURE_NOTICE_REASON]);
    },
  );

  it.each([
    [
      'Egress',
      'You have received a secure email from Veilig Thuis. Click the link below to read the message. Egress Protect',
    ],
    [
      'Cisco',
      'You have received a secure message. Open the attachment securedoc.html. Registered Envelope. Click here to read the message. Cisco Secure Email Encryption Service',
    ],
    ['Virtru', 'signaal@veiligthuis.test has sent you an encrypted email. Unlock Message. Secured by Virtru'],
    [
      'Office 365',
      "You've received an encrypted message from signaal@veiligthuis.test. Read the message. One-time passcode.",
    ],
    [
      'Veilig mailen',
      'Je hebt een versleuteld bericht ontvangen. Veilig mailen via SecureMail: klik op de link en vul de toegangscode in.',
    ],
    ['Zivver without the received phrase', 'Zivver: Klik voor bericht. Voer de sms-code in.'],
  ])('when a %s notice arrives, then it is recognised whatever the wording', (_service, text) => {
    expect(classify(mailFacts({ subject: 'Bericht', text }), { today }).kind).toBe('secure-notice');
  });

  it('when a notice names a child in its subject, then it is still a notice: the signal is behind the link', () => {
    expect(
      classify(
        mailFacts({
          subject: 'Handle with Care: Eva Bos, 2-2-2012',
          text: NOTICE.split('\r\n\r\n')[1] ?? '',
        }),
        {
          today,
        },
      ).kind,
    ).toBe('secure-notice');
  });

  it('when a clear signal only mentions a secure-mail service in a footer, then it stays a signal', async () => {
    const result = await classifyFixture('signal-zivver-footer.eml');
    expect(result.kind).toBe('signal');
    expect(result.children.map((c) => c.name)).toEqual(['Joris Veenstra']);
  });

  it('when mail only talks about secure mail without a link or code, then it is not a notice', () => {
    const text = 'Wij mailen voortaan veilig met Zivver. Meer informatie volgt in de nieuwsbrief.';
    expect(classify(mailFacts({ subject: 'Nieuws', text }), { today }).kind).toBe('not-a-signal');
  });

  it('when our own urgent alert comes back into the mailbox, then it is not read as a notice', () => {
    const alert = composeSecureNoticeAlert({
      identity: {
        school: 'Basisschool De Proef',
        fromAddress: 'hwc@school.test',
        timezone: 'Europe/Amsterdam',
      },
      contact: { name: 'Zorgcoördinator', email: 'zorg@school.test' },
      at: new Date('2026-11-25T06:02:00Z'),
      messageId: 'hwc.secure.x@school.test',
    });
    expect(classify(mailFacts({ subject: alert.subject, text: alert.text }), { today }).kind).not.toBe(
      'secure-notice',
    );
  });
});

describe('secure-mail notices: decision and alert', () => {
  const evidence = (over: Partial<MessageEvidence> = {}): MessageEvidence => {
    const facts = mailFacts({ text: 'U heeft een beveiligd bericht ontvangen. Klik op de link.' });
    return {
      flags: [],
      facts,
      classified: classify(facts, { today }),
      trusted: true,
      contacts: { primary: 'zorg@school.test', backup: 'backup@school.test' },
      ownAddress: 'hwc@school.test',
      own: indexOwnMail(Buffer.alloc(32), [], 'school.test'),
      ...over,
    };
  };

  it('when a trusted sender sends a notice, then it gets its own action, never a signal or a purge', () => {
    expect(decideMessage(evidence())).toEqual({ action: 'secure-notice' });
  });

  it('when an unknown sender sends a notice, then it is set aside as untrusted, never urged on a person', () => {
    expect(decideMessage(evidence({ trusted: false }))).toEqual({
      action: 'set-aside',
      reason: 'untrusted-sender',
    });
  });

  it('when the notice was alerted before, then it is skipped', () => {
    expect(decideMessage(evidence({ flags: [KEYWORD.secureNotice] }))).toEqual({ action: 'skip' });
  });

  it('when the alert is composed, then it is urgent, in Dutch, and holds nothing of the notice', () => {
    const alert = composeSecureNoticeAlert({
      identity: {
        school: 'Basisschool De Proef',
        fromAddress: 'hwc@school.test',
        timezone: 'Europe/Amsterdam',
      },
      contact: { name: 'Zorgcoördinator', email: 'zorg@school.test' },
      at: new Date('2026-11-25T06:02:00Z'),
      messageId: 'hwc.secure.x@school.test',
    });
    expect(alert.subject).toBe('Dringend: beveiligd bericht in de HwC-mailbox openen');
    expect(alert.headers).toMatchObject({
      Importance: 'high',
      'X-Priority': '1',
      'Auto-Submitted': 'auto-generated',
    });
    expect(alert.to).toEqual(['zorg@school.test']);
    expect(alert.text).toContain('vóór het begin van de lessen');
    expect(alert.text).toContain('geen ontvangstbevestiging');
  });
});

describe('secure-mail notices: the check', () => {
  function setup(absent = false) {
    const mailbox = new FakeMailbox();
    const mailer = new FakeMailer();
    const { logger, logs } = captureLogger();
    const deps: CheckDeps = {
      settings: checkSettings(absent ? { primaryAbsent: [{ from: '2026-11-25', to: '2026-11-25' }] } : {}),
      opener: mailbox,
      mailer,
      store: SqliteStore.inMemory(),
      clock: new FixedClock(new Date('2026-11-25T06:00:00Z')),
      logger,
      parser: mailParser,
    };
    return { mailbox, mailer, deps, logs };
  }

  it('when a trusted notice arrives, then one urgent alert goes to the primary, no receipt or MDN, and it stays', async () => {
    const { mailbox, mailer, deps, logs } = setup();
    mailbox.add('INBOX', NOTICE);
    await runCheck(deps, { dryRun: false });
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => [m.kind, m.to[0], m.headers?.['X-Priority']])).toEqual([
      ['alert', 'zorg@school.test', '1'],
    ]);
    expect(mailer.sent[0]?.text).not.toContain('Zwartveld');
    expect(mailbox.folder('INBOX')).toHaveLength(1);
    expect(mailbox.folder('INBOX')[0]?.flags).toEqual(
      expect.arrayContaining([KEYWORD.secureNotice, KEYWORD.setAside]),
    );
    expect(logs()).not.toContain('Zwartveld');
  });

  it('when the primary contact is away today, then the backup gets the urgent alert', async () => {
    const { mailbox, mailer, deps } = setup(true);
    mailbox.add('INBOX', NOTICE);
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.map((m) => m.to[0])).toEqual(['backup@school.test']);
  });

  it('when SMTP is down, then the notice is not marked, the check fails after the signals, and the next check alerts', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', NOTICE);
    mailer.down = true;
    await expect(runCheck(deps, { dryRun: false })).rejects.toThrow();
    expect(mailbox.folder('INBOX')[0]?.flags).not.toContain(KEYWORD.secureNotice);
    mailer.down = false;
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent).toHaveLength(1);
  });

  it('when SMTP refuses the primary contact, then the backup gets the urgent alert and a signal is still notified', async () => {
    const { mailbox, mailer, deps } = setup();
    mailbox.add('INBOX', NOTICE);
    const head = NOTICE.split('\r\n\r\n')[0] ?? '';
    mailbox.add(
      'INBOX',
      `${head.replace('zv-1@', 'sig-2@').replace(/Subject:.*/, 'Subject: Handle with Care')}\r\n\r\nEva Bos, 2-2-2012, Handle with Care\r\n`,
    );
    mailer.refuse.add('zorg@school.test');
    await runCheck(deps, { dryRun: false });
    expect(mailer.sent.filter((m) => m.kind === 'alert').map((m) => m.to[0])).toEqual(['backup@school.test']);
    expect(mailer.sent.map((m) => [m.kind, m.to[0]])).toContainEqual(['notification', 'backup@school.test']);
    expect(mailbox.folder('INBOX')[0]?.flags).toContain(KEYWORD.secureNotice);
  });
});

describe('hwc parse shows the recognition and its reasons', () => {
  async function parseJson(fixture: string): Promise<Record<string, unknown>> {
    let out = '';
    const io = {
      env: {},
      cwd: new URL('../fixtures/', import.meta.url).pathname,
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: { write: () => true },
      signals: { once: () => undefined },
    };
    const code = await commandParse(fixture, { json: true }, io);
    expect(code).toBe(0);
    return JSON.parse(out) as Record<string, unknown>;
  }

  it('when a secure-mail notice is parsed with --json, then the kind and the fixed reason show, and nothing else', async () => {
    const result = await parseJson('secure-zivver.eml');
    expect(Object.keys(result)).toEqual(['kind', 'children', 'needsReview', 'reasons']);
    expect(result).toEqual({
      kind: 'secure-notice',
      children: [],
      needsReview: true,
      reasons: [SECURE_NOTICE_REASON],
    });
  });

  it('when a name with a missing part is parsed with --json, then the reason says which doubt, without the name', async () => {
    const result = await parseJson('name-parts-missing.eml');
    expect(result['reasons']).toContain('first name or surname missing');
    expect(JSON.stringify(result['reasons'])).not.toContain('Fenna');
  });
});
