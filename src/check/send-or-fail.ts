import type { Mailer, OutgoingMail } from '../core/ports.js';
import { MailerError } from '../core/errors.js';

/** Sends a mail that must arrive: a refused recipient fails the check like an SMTP error does. */
export async function sendOrFail(mailer: Mailer, mail: OutgoingMail): Promise<void> {
  const result = await mailer.send(mail);
  if (result.accepted.length === 0) {
    throw new MailerError('RECIPIENT_REFUSED', `SMTP server refused the recipient of the ${mail.kind}`);
  }
}
