import type { OutgoingMail } from './ports.js';
import type { Contact, EscalationReason } from './vocabulary.js';
import { escalationClause, formatMoment, reminderMail, type SchoolIdentity } from './compose.js';
import { sameMinute } from './dutch-time.js';

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
  /** The primary contact, named in the backup's reason as in compose.ts. */
  primary?: Contact;
  /** When the signal reached the mailbox (INTERNALDATE), when earlier than the check that found it. */
  arrivedAt?: Date;
  /** escalateAfter in minutes, for the backup's "not within 20 minutes". */
  escalateAfterMinutes?: number;
  /** Whether the page offers this contact "Ik kan dit vandaag niet oppakken" (the primary, notify: escalate). */
  canHandOn?: boolean;
  /**
   * The page cannot show this signal whole (completeness.needsOriginal: the recognition doubts,
   * a child may be named only in an attachment, the text was cut): the contact reads it in the
   * HwC mailbox itself before confirming.
   */
  readInMailbox?: boolean;
}

/** Plain Dutch for a signal the page cannot show whole; in the mail and on the page alike. */
export const READ_IN_MAILBOX_NL = [
  'LET OP: dit signaal kan op de pagina niet volledig worden getoond. De automatische herkenning twijfelt, of een deel van het signaal staat in een bijlage of is te lang voor de pagina. Lees het signaal daarom zelf in de HwC-mailbox (via de webmail of de gedeelde mailbox) voordat u op de pagina bevestigt. Na uw bevestiging wordt het signaal uit de HwC-mailbox verwijderd.',
];

const HEADERS = { 'Auto-Submitted': 'auto-generated' } as const;

function linkLines(url: string, pin: boolean, canHandOn: boolean): string[] {
  return [
    'Open deze persoonlijke link om te zien om welke leerling het gaat:',
    '',
    url,
    '',
    'De naam en de geboortedatum verschijnen pas als u op de pagina op de knop "Toon het signaal" drukt' +
      (pin ? ' en uw pincode invult.' : '.'),
    canHandOn
      ? 'Op de pagina bevestigt u dat u het gezien heeft ("Gezien, ik zorg voor de leerling"), of geeft u aan dat u het vandaag niet kunt oppakken; dan krijgt de achterwacht het direct.'
      : 'Op de pagina bevestigt u dat u het gezien heeft ("Gezien, ik zorg voor de leerling").',
  ];
}

/** "Ontvangen: ..." with, when a check found it later, the moment of that check too. */
function arrivalLine(input: LinkNotificationInput): string {
  const { timezone } = input.identity;
  const arrived = input.arrivedAt ?? input.receivedAt;
  if (sameMinute(arrived, input.receivedAt, timezone)) {
    return `Ontvangen: ${formatMoment(arrived, timezone)}.`;
  }
  return `Ontvangen: ${formatMoment(arrived, timezone)}, gevonden bij de controle van ${formatMoment(input.receivedAt, timezone)}.`;
}

export function composeLinkNotification(input: LinkNotificationInput): OutgoingMail {
  const { identity, contact } = input;
  const lines: string[] = [`Beste ${contact.name},`, ''];
  if (input.escalation) {
    const why = escalationClause(input.escalation, input.primary, input.escalateAfterMinutes);
    lines.push(`U ontvangt deze melding als achterwacht, omdat ${why}.`, '');
  }
  lines.push(
    `Er is een Handle with Care-signaal binnengekomen in de HwC-mailbox van ${identity.school}.`,
    arrivalLine(input),
    '',
    // The regional Handle with Care handbooks, as in compose.ts: seek the pupil out, ask what they need, tell only who is needed.
    `Zoek de leerling vandaag op, het liefst vóór de eerste les, en vraag wat hij of zij vandaag nodig heeft. Spreek met de leerling af wie op school het weet; alleen wie nodig is voor de steun. Schrijf het signaal nergens op, ook niet in het leerlingdossier. Bevestig vóór ${formatMoment(input.actBy, identity.timezone)}, het begin van de lessen, op de pagina dat u het signaal gezien heeft.`,
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
    ...linkLines(input.url, input.pin, input.canHandOn ?? false),
    '',
    input.escalation
      ? 'Stuur deze e-mail niet door: de link is alleen voor u. Lukt het niet om de pagina te openen, bijvoorbeeld buiten het schoolnetwerk? Lees het signaal dan zelf in de HwC-mailbox. Een antwoord op deze e-mail telt niet als bevestiging.'
      : 'Stuur deze e-mail niet door: de link is alleen voor u. Lukt het niet om de pagina te openen, bijvoorbeeld buiten het schoolnetwerk? Dan krijgt de achterwacht het signaal vanzelf als u niet op tijd bevestigt. Een antwoord op deze e-mail telt niet als bevestiging.',
    '',
    `Referentie: ${input.reference}`,
    '',
    'Deze e-mail bevat bewust geen gegevens van de leerling. Dit bericht is automatisch verstuurd door hwc-watcher. Na uw bevestiging wordt het signaal uit de HwC-mailbox verwijderd; er wordt niets over de leerling bewaard.',
  );
  const marker = input.escalation ? 'Achterwacht: ' : '';
  const review = input.needsReview ? (marker ? 'controleer ' : 'Controleer: ') : '';
  return {
    kind: 'notification',
    to: [contact.email],
    subject: `${marker}${review}Handle with Care-signaal [${input.reference}]`,
    text: lines.join('\n'),
    messageId: input.messageId,
    // Importance (RFC 2156 5.3.4) and X-Priority, as the notification with the child's data.
    headers: { ...HEADERS, Importance: 'high', 'X-Priority': '1' },
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
  return reminderMail(input, {
    what: 'het Handle with Care-signaal',
    lead: 'Zoek de leerling op en vraag wat hij of zij vandaag nodig heeft.',
    body: [
      ...(input.readInMailbox ? [...READ_IN_MAILBOX_NL, ''] : []),
      ...linkLines(input.url, input.pin, false),
    ],
  });
}

/** The link a token opens: the page's path is /s/ and the token, nothing else in the URL. */
export function linkUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/s/${token}`;
}

export interface LinkPageDownInput {
  identity: SchoolIdentity;
  contacts: Contact[];
  at: Date;
  messageId: string;
  /** In a config directory the checks go on while the page is tried again; alone, hwc stops. */
  checksGoOn: boolean;
  /** Where to open the mailbox by hand (config mailboxHint). */
  mailboxHint?: string;
}

/**
 * Sent once a day when the page the links open cannot start (its port is taken, its certificate
 * unreadable): a link in our mail opens nothing then, so the contacts must look in the mailbox
 * themselves. Content-free, like every alert.
 */
export function composeLinkPageDown(input: LinkPageDownInput): OutgoingMail {
  const { identity } = input;
  const mailbox = input.mailboxHint ? `de HwC-mailbox (${input.mailboxHint})` : 'de HwC-mailbox';
  return {
    kind: 'alert',
    to: input.contacts.map((contact) => contact.email),
    subject: 'DRINGEND: de links in de mail van hwc-watcher werken niet',
    text: [
      'Beste collega,',
      '',
      `hwc-watcher kan de pagina niet starten waarop u met de link uit onze mail een Handle with Care-signaal van ${identity.school} bekijkt en bevestigt. Die links openen nu dus niets. ` +
        (input.checksGoOn
          ? 'De HwC-mailbox wordt wel gewoon gecontroleerd, en hwc-watcher probeert de pagina steeds opnieuw te starten.'
          : 'hwc-watcher stopt daarom. Tot de ICT-beheerder dit heeft opgelost, wordt de HwC-mailbox misschien niet gecontroleerd.'),
      '',
      'Wat wij van u vragen:',
      input.checksGoOn
        ? `- Krijgt u van hwc-watcher een mail over een signaal en opent de link niet, kijk dan zelf in ${mailbox}. Zoek de leerling op, schrijf niets op en laat het signaal staan: zodra de pagina weer werkt, bevestigt u via de link.`
        : `- Kijk tot dan elke ochtend voor de lessen zelf in ${mailbox}, ook bij de ongewenste e-mail. Staat er een Handle with Care-signaal in, handel het dan af zoals elk signaal: zoek de leerling op, schrijf niets op en verwijder het signaal daarna, ook uit Verwijderde items.`,
      '- Vraag de ICT-beheerder om hwc-watcher na te kijken: de pagina voor de links start niet (LINK_PAGE_UNAVAILABLE).',
      '',
      `Verstuurd: ${formatMoment(input.at, identity.timezone)}. Dit bericht bevat bewust geen inhoud.`,
    ].join('\n'),
    messageId: input.messageId,
    headers: { ...HEADERS, Importance: 'high', 'X-Priority': '1' },
  };
}
