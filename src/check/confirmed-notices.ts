import { randomUUID } from 'node:crypto';
import type { SignalRecord } from '../core/ports.js';
import type { ContactRole } from '../core/vocabulary.js';
import { composeConfirmedByOther, composeConfirmedThanks } from '../core/compose-confirmed.js';
import { referenceOf } from '../core/identity.js';
import type { CheckContext } from './context.js';

const otherRole = (role: ContactRole): ContactRole => (role === 'primary' ? 'backup' : 'primary');

/**
 * After a confirmation that counts: thank the contact who confirmed, and tell the other contact,
 * when they were sent the notification, that it is taken care of, so that nobody acts twice.
 * Content-free. Sent before the confirmation is recorded, so that a crash in between sends them
 * once more rather than never; a notice the server does not take is logged and not retried,
 * because it is a courtesy: the confirmation itself must not wait for it. A confirmation on the
 * link page is sent on by the check's `thank` step (step-handlers.ts), once.
 */
export async function sendConfirmedNotices(
  ctx: CheckContext,
  record: SignalRecord,
  role: ContactRole,
  options: { viaLink?: boolean } = {},
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
  for (const mail of mails) {
    try {
      await deps.mailer.send(mail);
    } catch (err) {
      deps.logger.warn(
        { step: 'confirm', kind: 'confirmed', outcome: 'failed', err },
        'the notice about a confirmation could not be sent',
      );
    }
  }
}

const id = (ctx: CheckContext): string => `hwc.confirmed.${randomUUID()}@${ctx.domain}`;
