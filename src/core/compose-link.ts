import type { OutgoingMail } from './ports.js';
import type { Contact, EscalationReason } from './vocabulary.js';
import { ESCALATION_NL, formatMoment, type SchoolIdentity } from './compose.js';

/**
 * Dutch texts of the link mode (`deliver: link`). Pure, like compose.ts, and content-free: a
 * notification, an escalation and a reminder say which school, when the signal arrived, its
 * reference, by when to act, and hold one link; the child's name and birth date are shown only
 * on the page, after a button is pressed (src/web/).
 */

export interface LinkNotificationInput {
  identity: SchoolIdentity;
  contact: Contact;
  receivedAt: Date;
  reference: string;
  /** The personal link: baseUrl, /s/ and the token. */
  url: string;
  /** The deadline (schedule.deadline) of the school day the signal is for. */
  actBy: Date;
  messageId: string;
  needsReview: boolean;
  /** Whether the page asks this contact for a PIN. */
  pin: boolean;
  escalation?: EscalationReason;
  /**
   * The page cannot show this signal whole (completeness.needsOriginal: the recognition doubts,
   * a child may be named only in an attachment, the text was cut): the contact reads it in the
   * HwC mailbox itself before confirming.
   */
  readInMailbox?: boolean;
}

/** Plain Dutch for a signal the page cannot show whole; in the mail and on the page alike. */
export const READ_IN_MAILBOX_NL = [
  'LET OP: dit signaal kan op de pagina niet volledig worden getoond. De automatische herkenning',
  'twijfelt, of een deel van het signaal staat in een bijlage of is te lang voor de pagina.',
  'Lees het signaal daarom zelf in de HwC-mailbox (via de webmail of de gedeelde mailbox) voordat',
  'u op de pagina bevestigt. Na uw bevestiging wordt het signaal uit de HwC-mailbox verwijderd.',
];

const HEADERS = { 'Auto-Submitted': 'auto-generated' } as const;

function linkLines(url: string, pin: boolean): string[] {
  return [
    'Open deze persoonlijke link om te zien om welke leerling het gaat:',
    '',
    url,
    '',
    'De naam en de geboortedatum verschijnen pas als u op de pagina op de knop "Toon het signaal" drukt' +
      (pin ? ' en uw pincode invult.' : '.'),
    'Op de pagina bevestigt u dat u het gezien heeft ("Gezien, ik zorg voor de leerling"), of geeft u',
    'aan dat u het vandaag niet kunt oppakken; dan krijgt de achterwacht het direct.',
  ];
}

export function composeLinkNotification(input: LinkNotificationInput): OutgoingMail {
  const { identity, contact } = input;
  const lines: string[] = [`Beste ${contact.name},`, ''];
  if (input.escalation) {
    lines.push(`U ontvangt deze melding als achterwacht, omdat ${ESCALATION_NL[input.escalation]}.`, '');
  }
  lines.push(
    `Er is een Handle with Care-signaal binnengekomen in de HwC-mailbox van ${identity.school}.`,
    `Ontvangen: ${formatMoment(input.receivedAt, identity.timezone)}.`,
    `Zorg vóór ${formatMoment(input.actBy, identity.timezone)} dat de leerling vandaag de steun krijgt die nodig is.`,
    'Vertel niemand waarom, ook de leerling niet.',
    '',
  );
  if (input.readInMailbox) {
    lines.push(...READ_IN_MAILBOX_NL, '');
  } else if (input.needsReview) {
    lines.push(
      'LET OP: de automatische herkenning twijfelt. Op de pagina staat dan ook het originele bericht.',
      '',
    );
  }
  lines.push(
    ...linkLines(input.url, input.pin),
    '',
    'Stuur deze e-mail niet door: de link is alleen voor u. Lukt het niet om de pagina te openen,',
    'bijvoorbeeld buiten het schoolnetwerk? Dan krijgt de achterwacht het signaal vanzelf als u niet',
    'op tijd bevestigt. Een antwoord op deze e-mail telt niet als bevestiging.',
    '',
    `Referentie: ${input.reference}`,
    '',
    'Deze e-mail bevat bewust geen gegevens van de leerling. Dit bericht is automatisch verstuurd door',
    'hwc-watcher. Na uw bevestiging wordt het signaal uit de HwC-mailbox verwijderd; er wordt niets over',
    'de leerling bewaard.',
  );
  return {
    kind: 'notification',
    to: [contact.email],
    subject: `${input.needsReview ? 'Controleer: ' : ''}Handle with Care-signaal [${input.reference}]`,
    text: lines.join('\n'),
    messageId: input.messageId,
    headers: { ...HEADERS },
  };
}

export interface LinkReminderInput {
  identity: SchoolIdentity;
  contact: Contact;
  reference: string;
  url: string;
  at: Date;
  messageId: string;
  pin: boolean;
  /** As in the notification: the signal must be read in the HwC mailbox before confirming. */
  readInMailbox?: boolean;
}

/** The deadline reminder of the link mode: urgent, content-free, with a fresh link. */
export function composeLinkReminder(input: LinkReminderInput): OutgoingMail {
  return {
    kind: 'reminder',
    to: [input.contact.email],
    subject: `DRINGEND: Handle with Care-signaal nog niet bevestigd [${input.reference}]`,
    text: [
      `Beste ${input.contact.name},`,
      '',
      `De lessen beginnen, en niemand heeft het Handle with Care-signaal met referentie ${input.reference}`,
      `van ${input.identity.school} bevestigd. Zorg dat de leerling vandaag de steun krijgt die nodig is.`,
      '',
      ...(input.readInMailbox ? [...READ_IN_MAILBOX_NL, ''] : []),
      ...linkLines(input.url, input.pin),
      '',
      `Verstuurd: ${formatMoment(input.at, input.identity.timezone)}. Dit bericht bevat bewust geen gegevens van de leerling.`,
    ].join('\n'),
    messageId: input.messageId,
    headers: { ...HEADERS, Importance: 'high', 'X-Priority': '1' },
  };
}

/** The link a token opens: the page's path is /s/ and the token, nothing else in the URL. */
export function linkUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/s/${token}`;
}
