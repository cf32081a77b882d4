import type { Mailer, OutgoingMail, SendResult } from '../core/ports.js';
import { MailerError } from '../core/errors.js';

/** How the SMTP server answered one send, for the log: never who it was for. */
export type SendOutcome = 'accepted' | 'refused' | 'deferred';

export function outcomeOf(result: SendResult): SendOutcome {
  if (result.accepted.length > 0) return 'accepted';
  return (result.deferred ?? []).length > 0 ? 'deferred' : 'refused';
}

/**
 * A 4yz answer (RFC 5321 4.2.1): the server will take the mail, only not now. The check fails with
 * this code, nothing about the contact is recorded, and the next check sends it again.
 */
export function deferredError(kind: OutgoingMail['kind']): MailerError {
  return new MailerError(
    'SMTP_DEFERRED',
    `SMTP server deferred the ${kind} with a temporary (4xx) answer; the next check sends it again`,
  );
}

/** Sends a mail that must arrive: a refused recipient fails the check like an SMTP error does. */
export async function sendOrFail(mailer: Mailer, mail: OutgoingMail): Promise<void> {
  const result = await mailer.send(mail);
  const outcome = outcomeOf(result);
  if (outcome === 'deferred') throw deferredError(mail.kind);
  if (outcome === 'refused') {
    throw new MailerError('RECIPIENT_REFUSED', `SMTP server refused the recipient of the ${mail.kind}`);
  }
}
