import { randomUUID } from 'node:crypto';
import type { SignalRecord } from '../core/ports.js';
import type { ContactRole } from '../core/vocabulary.js';
import { composeConfirmedByOther, composeConfirmedThanks } from '../core/compose-confirmed.js';
import { CheckTimeoutError } from '../core/errors.js';
import { referenceOf } from '../core/identity.js';
import type { CheckContext } from './context.js';
import { deferredError, outcomeOf } from './send-or-fail.js';

const otherRole = (role: ContactRole): ContactRole => (role === 'primary' ? 'backup' : 'primary');

/**
 * After a confirmation that counts: thank the contact who confirmed, and tell the other contact,
 * when they were sent the notification, that it is taken care of, so that nobody acts twice.
 * Content-free. Sent before the confirmation is recorded, so that a crash in between sends them
 * once more rather than never; a notice the server does not take is logged and not retried,
 * because it is a courtesy: the confirmation itself must not wait for it. A confirmation on the
 * link page is sent on by the check's `thank` step (step-handlers.ts), once: there the notices are
 * recorded as sent afterwards, so a 4xx, a server that cannot be reached or the check's timeout
 * throws, and the next check sends them again (`mustArrive`); only a refusal counts as done.
 */
export async function sendConfirmedNotices(
  ctx: CheckContext,
  record: SignalRecord,
  role: ContactRole,
  options: { viaLink?: boolean; mustArrive?: boolean } = {},
): Promise<void> {
  const { deps } = ctx;
  const contacts = deps.settings.contacts;
  const other = otherRole(role);
  const otherTold = Boolean(record.notified[other]) && !record.refused[other];
  const base = {
    identity: ctx.identity,
    confirmer: contacts[role],
    confirmerRole: role,
    otherTold,
    other: contacts[other],
    reference: referenceOf(record.key),
    // A page confirm is sent on by the next check: its notices say when the contact confirmed.
    at: options.viaLink && record.confirmedAt ? new Date(record.confirmedAt) : deps.clock.now(),
    ...(record.purgedAt ? { alreadyPurged: true } : {}),
    ...(options.viaLink ? { viaLink: true } : {}),
  };
  const mails = [
    composeConfirmedThanks({ ...base, contact: contacts[role], messageId: id(ctx) }),
    ...(otherTold
      ? [composeConfirmedByOther({ ...base, contact: contacts[other], messageId: id(ctx) })]
      : []),
  ];
  let retry: unknown;
  for (const mail of mails) {
    try {
      if (outcomeOf(await deps.mailer.send(mail)) === 'deferred') retry ??= deferredError(mail.kind);
    } catch (err) {
      // After the timeout no mail may start (watchdog.ts): the check ends here.
      if (err instanceof CheckTimeoutError) throw err;
      if (!refusedForGood(err)) retry ??= err;
      deps.logger.warn(
        { step: 'confirm', kind: 'confirmed', outcome: 'failed', err },
        'the notice about a confirmation could not be sent',
      );
    }
  }
  if (retry !== undefined && options.mustArrive) throw retry;
}

/** The server refused the mail itself (5yz to the envelope or DATA): sending again would not help. */
const refusedForGood = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'SMTP_EMESSAGE' || code === 'SMTP_EENVELOPE';
};

const id = (ctx: CheckContext): string => `hwc.confirmed.${randomUUID()}@${ctx.domain}`;
