import type { Mailer, OutgoingMail, SendResult } from '../core/ports.js';
import { MailerError } from '../core/errors.js';
import { smtpFailureCode } from './smtp-failure.js';
import type { SmtpTransport, SmtpTransportSettings } from './smtp-transport.js';

export type SmtpSettings = SmtpTransportSettings & { from: { name?: string; address: string } };

const angle = (id: string): string => `<${id}>`;

const isTransient = (code: unknown): boolean => typeof code === 'number' && code >= 400 && code < 500;

/**
 * A refusal for the mail's size: the enhanced status 5.3.4 or 4.3.4 (RFC 3463, "message too big
 * for system"), or a 552 or 452 to MAIL FROM with SIZE (RFC 1870 6) or to DATA. A 4.3.4 or 452 is
 * only "not now" in SMTP's terms, but the same mail with the original would be refused at every
 * check: it is a size refusal too, so the notification goes without the original and the signal is
 * held. A 552 at RCPT (a full mailbox, 5.2.2) or a 452 4.5.3 (too many recipients, RFC 5321
 * 4.5.3.1.10) is not about the mail's size.
 */
function refusedForSize(e: { code?: string; responseCode?: unknown; response?: unknown }): boolean {
  const response = typeof e.response === 'string' ? e.response : '';
  if (/\b[45]\.3\.4\b/.test(response)) return true;
  return (
    (e.responseCode === 552 || e.responseCode === 452) &&
    (e.code === 'EMESSAGE' || e.code === 'EENVELOPE') &&
    !/\b[45]\.2\.2\b|\b4\.5\.3\b/.test(response)
  );
}

/**
 * Splits the refused recipients by the server's reply to each: 5yz is permanent, anything else
 * (4yz, or no code at all) is only deferred, because calling a contact unreachable on a maybe
 * would tell fewer people, or tell them later, for good.
 */
function refusals(rejected: string[], errors: unknown): { rejected: string[]; deferred: string[] } {
  const permanent = new Set<string>();
  for (const error of Array.isArray(errors) ? errors : []) {
    const e = error as { recipient?: unknown; responseCode?: unknown };
    if (typeof e.recipient === 'string' && typeof e.responseCode === 'number' && e.responseCode >= 500) {
      permanent.add(e.recipient.toLowerCase());
    }
  }
  return {
    rejected: rejected.filter((to) => permanent.has(to.toLowerCase())),
    deferred: rejected.filter((to) => !permanent.has(to.toLowerCase())),
  };
}

/**
 * The check's mailer: one SMTP session for all its mails (see SmtpTransportOptions.oneSession),
 * opened at the first mail and ended by close(). nodemailer is loaded at the first mail too: a
 * morning without mail never needs it.
 */
export class SmtpMailer implements Mailer {
  #transport: Promise<SmtpTransport> | undefined;

  constructor(private readonly settings: SmtpSettings) {}

  private transport(): Promise<SmtpTransport> {
    this.#transport ??= import('./smtp-transport.js').then(({ createSmtpTransport }) =>
      createSmtpTransport(this.settings, { oneSession: true }),
    );
    return this.#transport;
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      const info = mail.disposition ? await this.sendReport(mail) : await this.sendPlain(mail);
      const accepted = (info.accepted as unknown[]).map(String);
      return { accepted, ...refusals((info.rejected as unknown[]).map(String), info.rejectedErrors) };
    } catch (err) {
      const e = err as {
        code?: string;
        rejected?: unknown[];
        rejectedErrors?: unknown;
        responseCode?: unknown;
        response?: unknown;
      };
      const rejectedAll = e.code === 'EENVELOPE' && Array.isArray(e.rejected) && e.rejected.length > 0;
      if (!rejectedAll && (mail.attachments?.length ?? 0) > 0 && refusedForSize(e)) {
        return { accepted: [], rejected: [], tooBig: [...mail.to] };
      }
      // Every recipient refused at RCPT time: the server answered, it just will not take these
      // addresses now (4yz) or ever (5yz).
      if (e.code === 'EENVELOPE' && Array.isArray(e.rejected) && e.rejected.length > 0) {
        return { accepted: [], ...refusals(e.rejected.map(String), e.rejectedErrors) };
      }
      // A 4yz to MAIL FROM or DATA, or a 421 closing the session: nothing was delivered, and the
      // server asks to be tried again later (RFC 5321 4.2.1).
      if (isTransient(e.responseCode)) return { accepted: [], rejected: [], deferred: [...mail.to] };
      // The OAuth2 sign-in failed: the transport's error names the fix.
      if (err instanceof MailerError) throw err;
      throw new MailerError(smtpFailureCode(err), `SMTP server did not accept the ${mail.kind}`);
    }
  }

  /** Signs in without sending (SMTP AUTH, then QUIT): for the daily check that sending still works. */
  async verify(): Promise<void> {
    try {
      await (await this.transport()).verify();
    } catch (err) {
      if (err instanceof MailerError) throw err;
      const code = smtpFailureCode(err);
      throw new MailerError(
        code,
        code === 'SMTP_AUTH_FAILED'
          ? 'SMTP server refused the login; check smtp.auth'
          : 'SMTP server could not be reached or signed in to; check smtp.host and smtp.port',
      );
    }
  }

  private from(): string | { name: string; address: string } {
    const { name, address } = this.settings.from;
    return name ? { name, address } : address;
  }

  private async sendPlain(mail: OutgoingMail) {
    return (await this.transport()).sendMail({
      from: this.from(),
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: angle(mail.messageId),
      ...(mail.inReplyTo ? { inReplyTo: angle(mail.inReplyTo) } : {}),
      ...(mail.references && mail.references.length > 0 ? { references: mail.references.map(angle) } : {}),
      headers: mail.headers ?? {},
      ...(mail.attachments && mail.attachments.length > 0
        ? {
            attachments: mail.attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              contentDisposition: 'attachment' as const,
              content: a.content,
            })),
          }
        : {}),
    });
  }

  /** RFC 8098 3: an MDN is a multipart/report with a human part and a message/disposition-notification part. */
  private async sendReport(mail: OutgoingMail) {
    const disposition = mail.disposition;
    if (!disposition) throw new Error('not a report');
    const { default: MimeNode } = await import('nodemailer/lib/mime-node');
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
    return (await this.transport()).sendMail({
      envelope: { from: from.address, to: mail.to },
      raw,
    });
  }

  close(): void {
    this.#end((t) => t.close());
  }

  /** Past checkTimeout: a send waiting for the server's answer fails now instead of completing later. */
  abort(): void {
    this.#end((t) => t.abort());
  }

  #end(how: (transport: SmtpTransport) => void): void {
    const transport = this.#transport;
    this.#transport = undefined;
    void transport?.then(how, () => undefined);
  }
}
