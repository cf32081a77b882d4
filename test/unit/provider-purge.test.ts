import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import { detectProvider } from '../../src/adapters/imap-mailbox.js';
import { ownMessageIds, signalKeyOf } from '../../src/core/identity.js';
import { contentDigest } from '../../src/check/body-digest.js';
import { captureLogger } from '../support/capture-logger.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { FakeMailer, FixedClock, GmailLikeMailbox } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';

// The Gmail path is tested against a Gmail-like fake behind the Mailbox port: the project's
// Dovecot cannot announce X-GM-EXT-1 or answer X-GM-RAW, so a real-server test is not possible here.

const SIGNAL = signalMail({
  id: 'gmail-sig@veiligthuis.test',
  date: null,
  body: ['Quirijn Zwartveld, 17-9-2014, Handle with Care'],
});

describe('provider-aware purge', () => {
  it('when the server announces X-GM-EXT-1, then it is Gmail; Microsoft hosts or an Exchange ID are Exchange', () => {
    expect(detectProvider(['IMAP4rev1', 'X-GM-EXT-1'], undefined, 'imap.gmail.com')).toBe('gmail');
    expect(detectProvider(['IMAP4rev1'], undefined, 'outlook.office365.com')).toBe('exchange');
    expect(detectProvider(['IMAP4rev1'], 'Microsoft Exchange', 'mail.school.nl')).toBe('exchange');
    expect(detectProvider(['IMAP4rev1', 'UIDPLUS'], 'Dovecot', '127.0.0.1')).toBe('generic');
  });

  it('when the mailbox is Gmail, then the signal and our sent copies are moved from All Mail to Trash and expunged there, leaving nothing', async () => {
    const mailbox = new GmailLikeMailbox();
    const store = SqliteStore.inMemory();
    mailbox.add(['INBOX'], SIGNAL);
    // Gmail saves submitted mail in Sent Mail: a copy of our own notification, found by its derived Message-ID.
    const [notifyId] = ownMessageIds(
      store.secret(),
      signalKeyOf(store.secret(), 'gmail-sig@veiligthuis.test', contentDigest(Buffer.from(SIGNAL))),
      'school.test',
    );
    mailbox.add(['[Gmail]/Sent Mail'], `Message-ID: <${notifyId}>\r\nSubject: x\r\n\r\nQuirijn\r\n`);
    const { logger, logs } = captureLogger();
    const report = await runCheck(
      {
        settings: checkSettings({
          school: 'De Proef',
          from: { address: 'hwc@school.test' },
          contacts: {
            primary: { name: 'Zorg', email: 'zorg@school.test' },
            backup: { name: 'Achterwacht', email: 'backup@school.test' },
          },
          schedule: { checks: ['07:00'], days: ['wed'], deadline: '08:15' },
          version: 'test',
        }),
        opener: mailbox,
        mailer: new FakeMailer(),
        store,
        clock: new FixedClock(new Date('2026-11-25T06:00:00Z')),
        logger,
        parser: mailParser,
      },
      { dryRun: false },
    );
    expect(report.counts.purgeVerified).toBe(true);
    expect(mailbox.total).toBe(0);
    expect(logs()).toContain('Gmail');
    expect(store.rows().at(-1)?.data.provider).toBe('gmail');
  });
});
