import MimeNode from 'nodemailer/lib/mime-node';
import type { Mailer, OutgoingMail, SendResult } from '../core/ports.js';
import { MailerError } from '../core/errors.js';
import {
  createSmtpTransport,
  smtpFailureCode,
  type SmtpTransport,
  type SmtpTransportSettings,
} from './smtp-transport.js';

export type SmtpSettings = SmtpTransportSettings & { from: { name?: string; address: string } };

const angle = (id: string): string => `<${id}>`;

export class SmtpMailer implements Mailer {
  private readonly transport: SmtpTransport;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = createSmtpTransport(settings);
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      const info = mail.disposition ? await this.sendReport(mail) : await this.sendPlain(mail);
      return {
        accepted: (info.accepted as unknown[]).map(String),
        rejected: (info.rejected as unknown[]).map(String),
      };
    } catch (err) {
      const e = err as { code?: string; rejected?: unknown[] };
      // Every recipient refused at RCPT time: the server answered, it just will not take this address.
      if (e.code === 'EENVELOPE' && Array.isArray(e.rejected) && e.rejected.length > 0) {
        return { accepted: [], rejected: mail.to };
      }
      // The OAuth2 sign-in failed: the transport's error names the fix.
      if (err instanceof MailerError) throw err;
      throw new MailerError(smtpFailureCode(err), `SMTP server did not accept the ${mail.kind}`);
    }
  }

  private from(): string | { name: string; address: string } {
    const { name, address } = this.settings.from;
    return name ? { name, address } : address;
  }

  private sendPlain(mail: OutgoingMail) {
    return this.transport.sendMail({
      from: this.from(),
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: angle(mail.messageId),
      ...(mail.inReplyTo ? { inReplyTo: angle(mail.inReplyTo) } : {}),
      ...(mail.references && mail.references.length > 0 ? { references: mail.references.map(angle) } : {}),
      headers: mail.headers ?? {},
    });
  }

  /** RFC 8098 3: an MDN is a multipart/report with a human part and a message/disposition-notification part. */
  private async sendReport(mail: OutgoingMail) {
    const disposition = mail.disposition;
    if (!disposition) throw new Error('not a report');
    const root = new MimeNode('multipart/report; report-type=disposition-notification');
    const from = this.settings.from;
    root.setHeader({
      From: from.name ? `"${from.name.replace(/"/g, '')}" <${from.address}>` : from.address,
      To: mail.to.join(', '),
      Subject: mail.subject,
      'Message-ID': angle(mail.messageId),
      Date: new Date().toUTCString(),
      ...(mail.inReplyTo ? { 'In-Reply-To': angle(mail.inReplyTo) } : {}),
      ...(mail.references && mail.references.length > 0
        ? { References: mail.references.map(angle).join(' ') }
        : {}),
      ...(mail.headers ?? {}),
    });
    root.createChild('text/plain; charset=utf-8').setContent(mail.text);
    const fields = [
      `Reporting-UA: ${disposition.reportingUa}`,
      `Final-Recipient: rfc822;${disposition.finalRecipient}`,
      ...(disposition.originalMessageId
        ? [`Original-Message-ID: ${angle(disposition.originalMessageId)}`]
        : []),
      `Disposition: ${disposition.disposition}`,
      '',
    ].join('\r\n');
    root.createChild('message/disposition-notification').setContent(fields);
    const raw = await root.build();
    return this.transport.sendMail({
      envelope: { from: from.address, to: mail.to },
      raw,
    });
  }

  close(): void {
    this.transport.close();
  }
}
