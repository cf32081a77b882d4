import type { OutgoingMail } from './ports.js';
import type { Contact, ContactRole } from './vocabulary.js';
import { ROLE_NL, formatMoment, nameWithRole, type SchoolIdentity } from './compose.js';

/**
 * The two notices after a confirmation, so that nobody acts twice: a thank-you to the contact who
 * confirmed, and word to the other contact (when they were told) that it is taken care of. Both
 * content-free: they point to the notification by its reference only.
 */

export interface ConfirmedInput {
  identity: SchoolIdentity;
  /** Who this notice goes to. */
  contact: Contact;
  /** The contact who confirmed, and in which role. */
  confirmer: Contact;
  confirmerRole: ContactRole;
  /** Whether the other contact had been sent the notification (and is told now). */
  otherTold: boolean;
  /** The other contact (not the one who confirmed). */
  other: Contact;
  reference: string;
  at: Date;
  messageId: string;
  /** The signal had already left the mailbox (notify: both purges at once, or purgeAfter passed). */
  alreadyPurged?: boolean;
  /** Confirmed on the link page (deliver: link), not by a reply: there is no reply to delete. */
  viaLink?: boolean;
}

/** A sentence starts with a capital: "De achterwacht ...". */
const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const otherRole = (role: ContactRole): ContactRole => (role === 'primary' ? 'backup' : 'primary');

/** To the contact who confirmed: it counted, and what happens now. */
export function composeConfirmedThanks(input: ConfirmedInput): OutgoingMail {
  const other = capitalise(nameWithRole(input.other, otherRole(input.confirmerRole)));
  const toldOther = input.otherTold
    ? `${other} had de melding ook gekregen en krijgt nu bericht dat u het oppakt.`
    : input.confirmerRole === 'primary'
      ? `De ${ROLE_NL.backup} hoeft daardoor niet te worden ingeschakeld.`
      : `${other} krijgt bericht dat u het oppakt.`;
  return {
    kind: 'confirmed',
    to: [input.contact.email],
    subject: `Bevestiging ontvangen [${input.reference}]`,
    text: [
      `Beste ${input.contact.name},`,
      '',
      `Dank u wel. Uw bevestiging ${input.viaLink ? 'via de link in' : 'van'} de Handle with Care-melding met referentie ${input.reference} is op ${formatMoment(input.at, input.identity.timezone)} ontvangen. ${toldOther}`,
      '',
      input.viaLink
        ? 'Het signaal wordt nu uit de HwC-mailbox verwijderd; de link in de melding toont het daarna niet meer.'
        : `${input.alreadyPurged ? 'Het signaal is al uit de HwC-mailbox verwijderd.' : 'Het signaal wordt nu uit de HwC-mailbox verwijderd.'} Verwijder ook de melding en uw antwoord uit uw eigen mailbox (Verzonden items en Verwijderde items), als daarin de naam van de leerling staat.`,
      '',
      'Dit bericht is automatisch verstuurd door hwc-watcher en bevat bewust geen gegevens van de leerling.',
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/** To the other contact, who was told too: someone has it in hand, nothing more to do. */
export function composeConfirmedByOther(input: ConfirmedInput): OutgoingMail {
  const who = capitalise(nameWithRole(input.confirmer, input.confirmerRole));
  return {
    kind: 'confirmed',
    to: [input.contact.email],
    subject: `Opgepakt door de ${ROLE_NL[input.confirmerRole]} [${input.reference}]`,
    text: [
      `Beste ${input.contact.name},`,
      '',
      `${who} heeft de Handle with Care-melding met referentie ${input.reference} op ${formatMoment(input.at, input.identity.timezone)} bevestigd en pakt het op. U hoeft voor deze melding niets meer te doen.`,
      '',
      'Verwijder de melding uit uw mailbox, ook uit Verwijderde items, als u dat nog niet hebt gedaan.',
      '',
      'Dit bericht is automatisch verstuurd door hwc-watcher en bevat bewust geen gegevens van de leerling.',
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
