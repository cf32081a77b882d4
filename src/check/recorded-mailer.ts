import type { Logger, Mailer } from '../core/ports.js';
import { outcomeOf } from './send-or-fail.js';

/**
 * The check's mailer, which logs every send's outcome as the server gave it: accepted, refused
 * for good (5yz) or deferred (4yz), with counts and the kind of mail, never an address.
 */
export function recordedMailer(mailer: Mailer, logger: Logger): Mailer {
  return {
    async send(mail) {
      const result = await mailer.send(mail);
      const outcome = outcomeOf(result);
      const counts = {
        accepted: result.accepted.length,
        refused: result.rejected.length,
        deferred: (result.deferred ?? []).length,
      };
      const fields = { step: 'send', kind: mail.kind, outcome, counts };
      if (outcome === 'accepted' && counts.refused + counts.deferred === 0) {
        logger.info(fields, 'SMTP accepted the mail');
      } else {
        logger.warn(fields, 'SMTP did not accept the mail for every recipient');
      }
      return result;
    },
    ...(mailer.verify ? { verify: () => mailer.verify?.() ?? Promise.resolve() } : {}),
    close: () => mailer.close(),
    ...(mailer.abort ? { abort: () => mailer.abort?.() } : {}),
  };
}
