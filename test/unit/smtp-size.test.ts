import { describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer.js';
import type { OutgoingMail } from '../../src/core/ports.js';
import { startFakeSmtp, type FakeSmtpOptions } from '../support/fake-mail-servers.js';

const mail = (attached: boolean): OutgoingMail => ({
  kind: 'notification',
  to: ['zorg@school.test'],
  subject: 'Handle with Care-signaal [HWC-2345AB]',
  text: 'Beste Zorgcoördinator,',
  messageId: 'hwc.0123456789abcdef0123456789abcdef@school.test',
  ...(attached
    ? {
        attachments: [
          {
            filename: 'origineel-signaal.eml',
            contentType: 'message/rfc822' as const,
            content: Buffer.from('From: a@vt.test\r\nSubject: x\r\n\r\nbody\r\n'),
          },
        ],
      }
    : {}),
});

async function sendTo(options: FakeSmtpOptions, attached: boolean) {
  const fake = await startFakeSmtp(options);
  const mailer = new SmtpMailer({
    host: '127.0.0.1',
    port: fake.port,
    secure: false,
    rejectUnauthorized: true,
    user: 'hwc@school.test',
    pass: 'x',
    from: { address: 'hwc@school.test' },
  });
  try {
    return await mailer.send(mail(attached));
  } finally {
    mailer.close();
    await fake.close();
  }
}

describe('a mail server that refuses a notification for its size', () => {
  it('when DATA is answered 552 5.3.4 for a mail with the original attached, then the result says too big, not refused', async () => {
    const result = await sendTo({ data: '552 5.3.4 Message size exceeds fixed limit' }, true);
    expect(result).toEqual({ accepted: [], rejected: [], tooBig: ['zorg@school.test'] });
  });

  it('when RCPT is answered 552 5.2.2 (mailbox full), then that is the recipient, never the size', async () => {
    const result = await sendTo({ rcpt: () => '552 5.2.2 mailbox full' }, true);
    expect(result.tooBig).toBeUndefined();
    expect(result.rejected).toEqual(['zorg@school.test']);
  });

  it('when DATA is answered 452 4.3.4 for a mail with the original attached, then the result says too big, not only deferred', async () => {
    const result = await sendTo({ data: '452 4.3.4 Message too big for system' }, true);
    expect(result).toEqual({ accepted: [], rejected: [], tooBig: ['zorg@school.test'] });
  });

  it('when DATA is answered 452 4.3.4 for a mail without the original, then it is only deferred', async () => {
    const result = await sendTo({ data: '452 4.3.4 Message too big for system' }, false);
    expect(result.tooBig).toBeUndefined();
    expect(result.deferred).toEqual(['zorg@school.test']);
  });

  it('when RCPT is answered 452 4.5.3 (too many recipients), then that is deferred, never the size', async () => {
    const result = await sendTo({ rcpt: () => '452 4.5.3 Too many recipients' }, true);
    expect(result.tooBig).toBeUndefined();
    expect(result.deferred).toEqual(['zorg@school.test']);
  });
});
