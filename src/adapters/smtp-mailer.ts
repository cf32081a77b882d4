import nodemailer from 'nodemailer';
import MimeNode from 'nodemailer/lib/mime-node';
import type { Mailer, OutgoingMail, SendResult } from '../core/ports.js';
import { MailerError } from '../core/errors.js';
import { OAuth2Error, type AccessTokenSource } from './oauth2-token.js';
import { isLoopbackHost } from '../core/loopback.js';

interface SmtpServerSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  ca?: string;
  rejectUnauthorized: boolean;
  from: { name?: string; address: string };
  timeoutMs?: number;
}

/** OAuth2 sign-in: where tokens come from, and what to tell the admin when the server refuses one. */
export interface SmtpOAuth2 {
  tokens: AccessTokenSource;
  refusalHint: string;
}

/** Exactly one of a password and OAuth2 (SASL XOAUTH2). */
export type SmtpSettings = SmtpServerSettings &
  ({ pass: string; oauth2?: undefined } | { oauth2: SmtpOAuth2; pass?: undefined });

const angle = (id: string): string => `<${id}>`;

/** The `code` of a failed send: connection problems are run errors, a refused recipient is not. */
export function smtpFailureCode(err: unknown): string {
  const e = err as { code?: string; responseCode?: number } | undefined;
  if (e?.code === 'EAUTH') return 'SMTP_AUTH_FAILED';
  if (typeof e?.code === 'string') return `SMTP_${e.code}`;
  return 'SMTP_ERROR';
}

export class SmtpMailer implements Mailer {
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;
  /** The last failed token request, copied: nodemailer overwrites the error's code with EAUTH. */
  private tokenFailure: { code: string; message: string } | undefined;

  constructor(private readonly settings: SmtpSettings) {
    const oauth2 = settings.oauth2;
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      // Credentials never cross a network in clear text: require STARTTLS unless on loopback.
      requireTLS: !settings.secure && !isLoopbackHost(settings.host),
      auth: oauth2
        ? {
            type: 'OAuth2',
            user: settings.user,
            // nodemailer asks again with renew = true when the server refused the token; the
            // expiry of "now" makes it ask every time, and the provider's cache decides.
            provisionCallback: (_user, renew, callback) => {
              this.tokenFailure = undefined;
              oauth2.tokens.token({ forceRefresh: renew }).then(
                (token) => callback(null, token, Date.now()),
                (err: unknown) => {
                  if (err instanceof OAuth2Error)
                    this.tokenFailure = { code: err.code, message: err.message };
                  callback(err instanceof Error ? err : new Error('token request failed'));
                },
              );
            },
          }
        : { user: settings.user, pass: settings.pass },
      tls: {
        rejectUnauthorized: settings.rejectUnauthorized,
        ...(settings.ca ? { ca: [settings.ca] } : {}),
      },
      connectionTimeout: settings.timeoutMs ?? 30_000,
      greetingTimeout: settings.timeoutMs ?? 30_000,
      socketTimeout: settings.timeoutMs ?? 60_000,
      logger: false,
      debug: false,
    });
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    this.tokenFailure = undefined;
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
      // Read through a method: the assignment happens in nodemailer's callback, out of TS's sight.
      const tokenFailure = this.lastTokenFailure();
      if (tokenFailure) throw new MailerError(tokenFailure.code, tokenFailure.message);
      if (this.settings.oauth2 && smtpFailureCode(err) === 'SMTP_AUTH_FAILED') {
        throw new MailerError(
          'SMTP_OAUTH2_REFUSED',
          `SMTP refused the OAuth2 token for the mailbox in smtp.auth.user; ${this.settings.oauth2.refusalHint}`,
        );
      }
      throw new MailerError(smtpFailureCode(err), `SMTP server did not accept the ${mail.kind}`);
    }
  }

  private lastTokenFailure(): { code: string; message: string } | undefined {
    return this.tokenFailure;
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
