import type { Child } from './types.js';
import type { OutgoingMail } from './ports.js';
import {
  COMPLETENESS_SET_ASIDE_NL,
  originalAttachment,
  originalLines,
  type OriginalNotice,
} from './compose-completeness.js';
import type { Contact, ContactRole, EscalationReason, SetAsideReason } from './vocabulary.js';

/**
 * Dutch texts for people. Each composer is pure: everything it says comes from its arguments.
 * Only the notification to a contact holds a child's data; every other text is content-free,
 * because it leaves the school (acknowledgement, MDN) or may be read on a shared screen (alerts).
 */

export interface SchoolIdentity {
  school: string;
  fromAddress: string;
  timezone: string;
}

const dateFormat = (timezone: string): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat('nl-NL', {
    timeZone: timezone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });

const timeFormat = (timezone: string): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat('nl-NL', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });

/** "woensdag 25 november 2026 om 07:02", in the school's timezone. */
export function formatMoment(at: Date, timezone: string): string {
  return `${dateFormat(timezone).format(at)} om ${timeFormat(timezone).format(at)}`;
}

/** ISO 2006-02-03 becomes 3-2-2006, the form Dutch schools write. An empty date says so plainly. */
export function formatBirthDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return '(niet herkend, zie het originele bericht)';
  const [, year, month, day] = match;
  return `${Number(day)}-${Number(month)}-${year}`;
}

/** The domain of our own address: our Message-IDs use it (RFC 5322 3.6.4 wants a unique right-hand side). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export interface NotificationInput {
  identity: SchoolIdentity;
  contact: Contact;
  role: ContactRole;
  children: Child[];
  receivedAt: Date;
  reference: string;
  /** The code that proves a reply comes from this contact (identity.ts confirmationCode); body only. */
  confirmationCode: string;
  messageId: string;
  needsReview: boolean;
  reviewReasons: string[];
  /** Only for a signal that needs review: the original text, so that nobody needs the mailbox copy. */
  originalText?: string;
  /** Set when this notification goes to the backup because the primary contact could not act. */
  escalation?: EscalationReason;
  /** Where the whole signal is when the body may not name every child (compose-completeness.ts). */
  original?: OriginalNotice & { raw?: Buffer };
}

export const ESCALATION_NL: Record<EscalationReason, string> = {
  absent: 'de eerste contactpersoon is vandaag afwezig',
  unreachable: 'de melding kon niet bij de eerste contactpersoon worden afgeleverd',
  'no-confirmation': 'de eerste contactpersoon heeft de melding niet op tijd bevestigd',
  deadline: 'de melding was bij het begin van de lessen nog niet bevestigd',
  'handed-on': 'de eerste contactpersoon heeft aangegeven de melding vandaag niet te kunnen oppakken',
};

export function composeNotification(input: NotificationInput): OutgoingMail {
  const { identity, contact, children } = input;
  const lines: string[] = [];
  lines.push(`Beste ${contact.name},`, '');
  if (input.escalation) {
    lines.push(`U ontvangt deze melding als achterwacht, omdat ${ESCALATION_NL[input.escalation]}.`, '');
  }
  lines.push(
    `Er is een Handle with Care-signaal binnengekomen in de HwC-mailbox van ${identity.school}.`,
    `Ontvangen: ${formatMoment(input.receivedAt, identity.timezone)}.`,
    '',
  );
  if (children.length === 0) {
    lines.push('Leerling: (niet automatisch herkend, zie het originele bericht hieronder)');
  }
  for (const child of children) {
    lines.push(`Leerling: ${child.name || '(naam niet herkend)'}`);
    lines.push(`Geboortedatum: ${formatBirthDate(child.birthDate)}`);
    lines.push('');
  }
  lines.push('Codewoord: Handle with Care', '');
  if (input.needsReview) {
    lines.push(
      'LET OP: de automatische herkenning twijfelt. Controleer hieronder het originele bericht zelf',
      'en neem bij twijfel contact op met Veilig Thuis. Wat opviel:',
      ...input.reviewReasons.map((reason) => `- ${reason}`),
      '',
    );
  }
  lines.push(...originalLines(input.original));
  lines.push(
    'Wat wij van u vragen:',
    '- Zorg dat de leerling vandaag de steun krijgt die nodig is. Vertel niemand waarom, ook de leerling niet.',
    '- Bevestig dat u dit gelezen heeft door op deze e-mail te antwoorden. Wat u terugschrijft maakt niet uit.',
    `- Bevestigingscode: ${input.confirmationCode} (laat deze code in uw antwoord staan, of typ hem over als uw antwoord de melding niet citeert).`,
    '- Verwijder deze e-mail na het lezen, ook uit Verwijderde items. Maak geen aantekeningen.',
    '',
    `Referentie: ${input.reference}`,
    '',
    `Dit bericht is automatisch verstuurd door hwc-watcher. Het signaal zelf wordt uit de HwC-mailbox verwijderd;`,
    'er wordt niets over de leerling bewaard.',
  );
  if (input.needsReview && input.originalText !== undefined) {
    lines.push('', '----- Origineel bericht -----', input.originalText);
  }
  return {
    kind: 'notification',
    to: [contact.email],
    subject: `${input.needsReview ? 'Controleer: ' : ''}Handle with Care-signaal [${input.reference}]`,
    text: lines.join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
    ...(input.original?.carry === 'attached' && input.original.raw
      ? { attachments: [originalAttachment(input.original.raw)] }
      : {}),
  };
}

export interface AcknowledgementInput {
  identity: SchoolIdentity;
  to: string;
  originalMessageId?: string;
  originalReferences: string[];
  receivedAt: Date;
  messageId: string;
}

/**
 * A receipt for Veilig Thuis. It leaves the school, so it names no child and does not echo the
 * original subject (which may hold a name). RFC 3834 5: an automatic reply carries
 * Auto-Submitted: auto-replied, and threads by In-Reply-To and References.
 */
export function composeAcknowledgement(input: AcknowledgementInput): OutgoingMail {
  const references = input.originalMessageId
    ? [...input.originalReferences, input.originalMessageId]
    : input.originalReferences;
  const text = [
    'Geachte heer, mevrouw,',
    '',
    `Uw Handle with Care-bericht is op ${formatMoment(input.receivedAt, input.identity.timezone)} ontvangen`,
    `door ${input.identity.school} en is doorgegeven aan de aangewezen contactpersoon van de school.`,
    'Zoals afgesproken wordt uw bericht daarna uit onze mailbox verwijderd en houden wij er geen aantekeningen van.',
    '',
    'Dit is een automatische ontvangstbevestiging. U hoeft niet te antwoorden.',
    '',
    `Met vriendelijke groet,`,
    input.identity.school,
  ].join('\n');
  return {
    kind: 'acknowledgement',
    to: [input.to],
    subject: 'Ontvangstbevestiging Handle with Care-bericht',
    text,
    messageId: input.messageId,
    ...(input.originalMessageId ? { inReplyTo: input.originalMessageId } : {}),
    references,
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}

export interface MdnInput {
  identity: SchoolIdentity;
  to: string;
  originalMessageId?: string;
  messageId: string;
  reportingUa: string;
}

/**
 * A message disposition notification (RFC 8098). The disposition is "processed" with the
 * automatic modes (3.2.6.1, 3.2.6.2): software handled the message, no person displayed it here.
 * The optional third part (the original headers) is left out on purpose: it would carry the subject.
 */
export function composeMdn(input: MdnInput): OutgoingMail {
  return {
    kind: 'mdn',
    to: [input.to],
    subject: 'Ontvangstbevestiging (verwerkt)',
    text: [
      `Dit is een ontvangstbevestiging voor het bericht dat u stuurde aan ${input.identity.fromAddress}.`,
      'Het bericht is automatisch verwerkt en doorgegeven aan de aangewezen contactpersoon van de school.',
    ].join('\n'),
    messageId: input.messageId,
    ...(input.originalMessageId ? { inReplyTo: input.originalMessageId } : {}),
    references: input.originalMessageId ? [input.originalMessageId] : [],
    headers: { 'Auto-Submitted': 'auto-replied' },
    disposition: {
      ...(input.originalMessageId ? { originalMessageId: input.originalMessageId } : {}),
      finalRecipient: input.identity.fromAddress,
      reportingUa: input.reportingUa,
      disposition: 'automatic-action/MDN-sent-automatically; processed',
    },
  };
}

/** The Dutch phrase for why a message was left for a person, shown in the alert; it holds no content. */
export const SET_ASIDE_REASON_NL: Record<SetAsideReason, string> = {
  'too-big': 'het bericht is te groot om veilig automatisch te lezen',
  unreadable: 'het bericht kon niet betrouwbaar gelezen worden',
  'untrusted-sender':
    'het lijkt een signaal, maar de afzender staat niet op de lijst van vertrouwde afzenders of is niet echt',
  'not-a-signal': 'het is geen Handle with Care-signaal (bijvoorbeeld een nieuwsbrief of een testbericht)',
  'unexpected-reply': 'het is een antwoord op een bericht van hwc-watcher, maar niet van een contactpersoon',
  'contacts-unreachable': 'de melding kon bij geen van de contactpersonen afgeleverd worden',
  ...COMPLETENESS_SET_ASIDE_NL,
};

export interface AlertInput {
  identity: SchoolIdentity;
  contact: Contact;
  counts: Partial<Record<SetAsideReason, number>>;
  at: Date;
  messageId: string;
}

/** A content-free alert: how many messages need a person, and why, never what they say. */
export function composeAlert(input: AlertInput): OutgoingMail {
  const entries = Object.entries(input.counts).filter(([, count]) => (count ?? 0) > 0) as [
    SetAsideReason,
    number,
  ][];
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const lines = [
    `Beste ${input.contact.name},`,
    '',
    total === 1
      ? `Er staat een bericht in de Handle with Care-mailbox van ${input.identity.school} dat door een persoon bekeken moet worden.`
      : `Er staan ${total} berichten in de Handle with Care-mailbox van ${input.identity.school} die door een persoon bekeken moeten worden.`,
    '',
    'Waarom hwc-watcher ze niet zelf afhandelt:',
    ...entries.map(([reason, count]) => `- ${count} x ${SET_ASIDE_REASON_NL[reason]}`),
    '',
    'Kijk vandaag zelf in de HwC-mailbox. hwc-watcher laat deze berichten staan, stuurt ze niet door',
    'en meldt dezelfde berichten niet nog eens. Verwijder ze als u ze heeft afgehandeld.',
    '',
    `Gecontroleerd: ${formatMoment(input.at, input.identity.timezone)}.`,
    'Dit bericht is automatisch verstuurd door hwc-watcher en bevat bewust geen inhoud.',
  ];
  return {
    kind: 'alert',
    to: [input.contact.email],
    subject: 'HwC-mailbox: een bericht vraagt om een persoon',
    text: lines.join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

export interface ReminderInput {
  identity: SchoolIdentity;
  contact: Contact;
  reference: string;
  at: Date;
  messageId: string;
}

/**
 * The deadline reminder: urgent, and still content-free, because the contact already holds the
 * notification; it only points to it by its reference.
 */
export function composeReminder(input: ReminderInput): OutgoingMail {
  return {
    kind: 'reminder',
    to: [input.contact.email],
    subject: `DRINGEND: Handle with Care-signaal nog niet bevestigd [${input.reference}]`,
    text: [
      `Beste ${input.contact.name},`,
      '',
      `De lessen beginnen, en niemand heeft de Handle with Care-melding met referentie ${input.reference}`,
      `van ${input.identity.school} bevestigd.`,
      '',
      'Zoek de melding met deze referentie in uw mailbox, zorg dat de leerling vandaag de steun krijgt',
      'die nodig is, en antwoord op de melding om te bevestigen dat u het gezien heeft.',
      '',
      `Verstuurd: ${formatMoment(input.at, input.identity.timezone)}. Dit bericht bevat bewust geen gegevens van de leerling.`,
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', Importance: 'high', 'X-Priority': '1' },
  };
}

export interface DeadManInput {
  identity: SchoolIdentity;
  contacts: Contact[];
  at: Date;
  messageId: string;
}

/** Sent when no check succeeded by the deadline: the mailbox must be looked at by hand. */
export function composeDeadManAlarm(input: DeadManInput): OutgoingMail {
  return {
    kind: 'alert',
    to: input.contacts.map((contact) => contact.email),
    subject: 'DRINGEND: de HwC-mailbox kon vanochtend niet gecontroleerd worden',
    text: [
      'Beste collega,',
      '',
      `hwc-watcher kon de Handle with Care-mailbox van ${input.identity.school} vanochtend niet controleren.`,
      'Er kan een signaal in staan dat nog niemand gezien heeft.',
      '',
      'Kijk alstublieft nu zelf in de HwC-mailbox, en vraag de ICT-beheerder om hwc-watcher na te kijken.',
      '',
      `Verstuurd: ${formatMoment(input.at, input.identity.timezone)}. Dit bericht bevat bewust geen inhoud.`,
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', Importance: 'high', 'X-Priority': '1' },
  };
}

/**
 * `hwc doctor --send-test`: shows the contacts that mail from the HwC mailbox reaches them.
 * Content-free, like every text but the notification.
 */
export function composeTestMail(school: string): { subject: string; text: string } {
  return {
    subject: 'Testbericht van hwc-watcher',
    text: [
      `Dit is een testbericht van hwc-watcher voor ${school}.`,
      '',
      'De ICT-beheerder controleert hiermee dat meldingen uit de Handle with Care-mailbox u bereiken.',
      'U hoeft niets te doen. Dit bericht bevat geen gegevens van leerlingen.',
      '',
    ].join('\n'),
  };
}

export interface SecureNoticeAlertInput {
  identity: SchoolIdentity;
  contact: Contact;
  at: Date;
  messageId: string;
}

/**
 * A secure-mail notice arrived: the signal itself is behind a link that only a person can open.
 * Urgent, and content-free like every alert: it names neither the sender nor the subject.
 */
export function composeSecureNoticeAlert(input: SecureNoticeAlertInput): OutgoingMail {
  return {
    kind: 'alert',
    to: [input.contact.email],
    subject: 'Dringend: beveiligd bericht in de HwC-mailbox openen',
    text: [
      `Beste ${input.contact.name},`,
      '',
      `In de Handle with Care-mailbox van ${input.identity.school} staat een bericht dat via een dienst`,
      'voor beveiligde e-mail is verstuurd. Het eigenlijke bericht, mogelijk een Handle with Care-signaal,',
      'zit achter een beveiligde omgeving, en hwc-watcher kan het niet lezen en niet doorgeven.',
      '',
      'Wat wij van u vragen:',
      '- Open dit bericht zelf in de HwC-mailbox, vandaag nog en vóór het begin van de lessen.',
      '- Volg daar de aanwijzingen van de dienst om het bericht te openen. Twijfelt u of het bericht echt',
      '  van de afzender komt, bel de afzender dan eerst en klik niet op de link.',
      '- Handel een signaal af zoals u gewend bent, en verwijder het bericht daarna zelf.',
      '',
      'hwc-watcher laat het bericht staan, stuurt geen ontvangstbevestiging aan de afzender en meldt',
      'hetzelfde bericht niet nog eens.',
      '',
      `Gecontroleerd: ${formatMoment(input.at, input.identity.timezone)}.`,
      'Dit bericht is automatisch verstuurd door hwc-watcher en bevat bewust geen inhoud.',
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', Importance: 'high', 'X-Priority': '1' },
  };
}
