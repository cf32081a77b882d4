import type { Child } from './types.js';
import type { OutgoingMail } from './ports.js';
import {
  COMPLETENESS_SET_ASIDE_NL,
  originalAttachment,
  originalLines,
  type OriginalNotice,
} from './compose-completeness.js';
import type { Contact, ContactRole, EscalationReason, SetAsideReason } from './vocabulary.js';
import { formatBirthDateWords, formatSoon, formatWhen, sameMinute } from './dutch-time.js';
import { reviewReasonNl } from './review-reasons-nl.js';
import { count } from './dutch.js';

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

/** ISO 2006-02-03 becomes 3-2-2006, a form Dutch schools write. An empty date says so plainly. */
export function formatBirthDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return '(niet herkend, zie het originele bericht)';
  const [, year, month, day] = match;
  return `${Number(day)}-${Number(month)}-${year}`;
}

/** The birth date in the notification: "4 september 2015", which nobody reads as 9 april. */
export function formatBirthDateForPeople(iso: string): string {
  return formatBirthDateWords(iso) ?? '(niet herkend, zie het originele bericht)';
}

/** The domain of our own address: our Message-IDs use it (RFC 5322 3.6.4 wants a unique right-hand side). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** How the roles are named to people: the README and the regional handbooks use these words. */
export const ROLE_NL: Record<ContactRole, string> = {
  primary: 'zorgcoördinator',
  backup: 'achterwacht',
};

export interface NotificationInput {
  identity: SchoolIdentity;
  contact: Contact;
  role: ContactRole;
  children: Child[];
  /** When the check that found the signal started (the workflow's receivedAt). */
  receivedAt: Date;
  /** When the signal reached the mailbox (arrival.ts); said beside receivedAt when they differ. */
  arrivedAt?: Date;
  /** When this notification is written, so that "vandaag" and "gisteren" are right; receivedAt when absent. */
  now?: Date;
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
  /** The other contact: named in the backup's reason, and as the one told next in the primary's. */
  other?: Contact;
  /** To the primary, with notify: escalate: when the backup is told if nobody confirms. */
  escalateAt?: Date;
  /** With notify: both: the other contact received the same notification at the same time. */
  otherToldToo?: boolean;
  /** The first deadline (schedule.deadline) after the signal: when lessons begin. */
  deadline?: Date;
  /** escalateAfter in minutes, for the backup's "not within 20 minutes". */
  escalateAfterMinutes?: number;
  /** Where the whole signal is when the body may not name every child (compose-completeness.ts). */
  original?: OriginalNotice & { raw?: Buffer };
}

/** "Fatima El Amrani (zorgcoördinator)"; a contact configured by role only ("Zorgcoördinator") is "de zorgcoördinator". */
export function nameWithRole(contact: Contact | undefined, role: ContactRole): string {
  if (!contact || contact.name.trim().toLowerCase() === ROLE_NL[role]) return `de ${ROLE_NL[role]}`;
  return `${contact.name} (${ROLE_NL[role]})`;
}

/** Why the backup is told, as a clause after "omdat": the finite verb goes last. */
export function escalationClause(
  reason: EscalationReason,
  primary: Contact | undefined,
  minutes?: number,
): string {
  const who = nameWithRole(primary, 'primary');
  switch (reason) {
    case 'absent':
      return `${who} vandaag afwezig is`;
    case 'unreachable':
      return `de melding niet bij ${who} kon worden afgeleverd`;
    case 'out-of-office':
      return `er van ${who} een automatisch afwezigheidsbericht is gekomen`;
    case 'no-confirmation':
      return minutes
        ? `${who} de melding niet binnen ${minutes} minuten heeft bevestigd`
        : `${who} de melding niet op tijd heeft bevestigd`;
    case 'deadline':
      return `${who} de melding bij het begin van de lessen nog niet had bevestigd`;
    case 'handed-on':
      return `${who} de melding vandaag niet kan oppakken en via de link aan u heeft doorgegeven`;
  }
}

/** Each reason as a clause after "omdat", for a text that does not name the primary contact. */
export const ESCALATION_NL: Record<EscalationReason, string> = {
  absent: escalationClause('absent', undefined),
  unreachable: escalationClause('unreachable', undefined),
  'out-of-office': escalationClause('out-of-office', undefined),
  'no-confirmation': escalationClause('no-confirmation', undefined),
  deadline: escalationClause('deadline', undefined),
  'handed-on': escalationClause('handed-on', undefined),
};

/** "Ontvangen: vandaag om 07:02." or, when a check found it later, both moments. */
function arrivalSentence(input: NotificationInput): string {
  const { timezone } = input.identity;
  const now = input.now ?? input.receivedAt;
  const arrived = input.arrivedAt ?? input.receivedAt;
  if (sameMinute(arrived, input.receivedAt, timezone)) {
    return `Ontvangen: ${formatWhen(arrived, now, timezone)}.`;
  }
  return `Ontvangen: ${formatWhen(arrived, now, timezone)}, gevonden bij de controle van ${formatSoon(input.receivedAt, now, timezone)}.`;
}

/** What happens if nobody confirms, and by when lessons begin. */
function timingLines(input: NotificationInput): string[] {
  const { timezone } = input.identity;
  const now = input.now ?? input.receivedAt;
  const lines: string[] = [];
  if (input.role === 'primary' && input.escalateAt && !input.otherToldToo) {
    const named = nameWithRole(input.other, 'backup') !== `de ${ROLE_NL.backup}`;
    const backup =
      named && input.other ? `de ${ROLE_NL.backup}, ${input.other.name},` : `de ${ROLE_NL.backup}`;
    lines.push(
      `Komt er vóór ${formatSoon(input.escalateAt, now, timezone)} geen bevestiging, dan krijgt ${backup} deze melding ook.`,
    );
  }
  if (input.otherToldToo) {
    const other = nameWithRole(input.other, input.role === 'primary' ? 'backup' : 'primary');
    lines.push(
      `${other.charAt(0).toUpperCase()}${other.slice(1)} heeft dezelfde melding gekregen. Eén bevestiging is genoeg.`,
    );
  }
  if (input.deadline) {
    const when = formatSoon(input.deadline, now, timezone);
    const at = when.includes(' om ') ? when : `om ${when}`;
    // With notify: both a signal is purged once both were told, and nobody is reminded, unless it
    // stays in the mailbox until a confirmation.
    const original = input.original;
    const reminded =
      !input.otherToldToo ||
      original?.carry === 'held' ||
      (original?.carry === 'attached' && original.untilConfirmed === true);
    lines.push(
      input.deadline.getTime() <= now.getTime()
        ? `De lessen zijn ${at} begonnen. Zoek de leerling zo snel mogelijk op.`
        : reminded
          ? `De lessen beginnen ${at}. Is de melding dan nog niet bevestigd, dan krijgt iedereen die de melding kreeg een herinnering.`
          : `De lessen beginnen ${at}.`,
    );
  }
  return lines.length > 0 ? [...lines, ''] : [];
}

function subjectOf(input: NotificationInput): string {
  const marker = input.role === 'backup' ? 'Achterwacht: ' : '';
  const review = input.needsReview ? (marker ? 'controleer ' : 'Controleer: ') : '';
  return `${marker}${review}Handle with Care-signaal [${input.reference}]`;
}

/**
 * What the regional Handle with Care handbooks ask of the school: seek the pupil out, preferably
 * before the first lesson, ask what they need today, and agree with them who at school is told
 * (only those needed for the support). The school does not ask about the incident, and the
 * signal is written down nowhere, not in the pupil's file.
 */
const INSTRUCTION: readonly string[] = [
  'Wat wij van u vragen:',
  '- Zoek de leerling vandaag op, het liefst vóór de eerste les, en vraag wat hij of zij vandaag nodig heeft. U hoeft niet te vragen wat er is gebeurd; de leerling bepaalt zelf of hij of zij daarover praat.',
  '- Spreek met de leerling af wie op school weet dat hij of zij vandaag extra steun krijgt. Vertel het alleen aan wie nodig is voor die steun, zoals de leerkracht of mentor, en vertel hun niet meer dan nodig is.',
  '- Schrijf het signaal nergens op: niet in het leerlingdossier, niet in het leerlingvolgsysteem en niet in aantekeningen.',
];

function confirmLines(input: NotificationInput): string[] {
  return [
    '- Bevestig dat u de melding heeft gelezen door te antwoorden. Een antwoord met alleen de bevestigingscode hieronder is genoeg; hoofdletters en spaties maken niet uit.',
    `Bevestigingscode: ${input.confirmationCode}`,
    '- Uw antwoord blijft staan in uw eigen map Verzonden items. Als uw e-mailprogramma deze melding in het antwoord overneemt, staat daar ook de naam van de leerling in. Antwoord daarom het liefst zonder de melding over te nemen (alleen de code), of verwijder uw antwoord daarna ook uit Verzonden items en Verwijderde items.',
    '- Verwijder deze melding na het lezen, ook uit Verwijderde items.',
  ];
}

/** The last line: when the signal leaves the HwC mailbox, as compose-completeness.ts told it above. */
function footerLine(original: NotificationInput['original']): string {
  const untilConfirmed = original?.carry === 'attached' && original.untilConfirmed;
  const when =
    original?.carry === 'held' ? 'na uw bevestiging ' : untilConfirmed ? 'na een bevestiging ' : '';
  return `Dit bericht is automatisch verstuurd door hwc-watcher. Het signaal zelf wordt ${when}uit de HwC-mailbox verwijderd; er wordt niets over de leerling bewaard.`;
}

export function composeNotification(input: NotificationInput): OutgoingMail {
  const { identity, contact, children } = input;
  const lines: string[] = [];
  lines.push(`Beste ${contact.name},`, '');
  if (input.escalation) {
    const clause = escalationClause(input.escalation, input.other, input.escalateAfterMinutes);
    lines.push(`U ontvangt deze melding als ${ROLE_NL.backup}, omdat ${clause}.`, '');
  }
  lines.push(
    `Er is een Handle with Care-signaal binnengekomen in de HwC-mailbox van ${identity.school}.`,
    arrivalSentence(input),
    '',
  );
  if (children.length === 0) {
    lines.push('Leerling: (niet automatisch herkend, zie het originele bericht hieronder)', '');
  }
  for (const child of children) {
    lines.push(`Leerling: ${child.name || '(naam niet herkend)'}`);
    lines.push(`Geboortedatum: ${formatBirthDateForPeople(child.birthDate)}`);
    lines.push('');
  }
  lines.push('Codewoord: Handle with Care', '');
  if (input.needsReview) {
    lines.push(
      'LET OP: de automatische herkenning twijfelt. Controleer hieronder het originele bericht zelf en neem bij twijfel contact op met Veilig Thuis. Wat opviel:',
      ...input.reviewReasons.map((reason) => `- ${reviewReasonNl(reason)}`),
      '',
    );
  }
  lines.push(...originalLines(input.original));
  lines.push(...INSTRUCTION, ...confirmLines(input), '');
  lines.push(...timingLines(input));
  lines.push(`Referentie: ${input.reference}`, '', footerLine(input.original));
  if (input.needsReview && input.originalText !== undefined) {
    lines.push('', '----- Origineel bericht -----', input.originalText);
  }
  return {
    kind: 'notification',
    to: [contact.email],
    subject: subjectOf(input),
    text: lines.join('\n'),
    messageId: input.messageId,
    // Importance (RFC 2156 5.3.4) and X-Priority: mail clients show the notification as urgent.
    headers: { 'Auto-Submitted': 'auto-generated', Importance: 'high', 'X-Priority': '1' },
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
  /** When the check that found the signal started. */
  receivedAt: Date;
  /** When the signal reached the mailbox (arrival.ts); the receipt says both when they differ. */
  arrivedAt?: Date;
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
  const { timezone, school } = input.identity;
  const arrived = input.arrivedAt ?? input.receivedAt;
  const received = sameMinute(arrived, input.receivedAt, timezone)
    ? `Uw Handle with Care-bericht is op ${formatMoment(arrived, timezone)} ontvangen door ${school} en is doorgegeven aan de aangewezen contactpersoon van de school.`
    : `Uw Handle with Care-bericht is op ${formatMoment(arrived, timezone)} ontvangen door ${school}. Het is bij de controle van de mailbox op ${formatMoment(input.receivedAt, timezone)} gevonden en doorgegeven aan de aangewezen contactpersoon van de school.`;
  const text = [
    'Geachte heer, mevrouw,',
    '',
    received,
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
      `Dit is een ontvangstbevestiging voor het bericht dat u hebt gestuurd aan ${input.identity.fromAddress}.`,
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

/**
 * Why a message was left for a person, shown after "1 bericht:" or "3 berichten:" in the alert, so
 * each phrase reads for one message and for several; none holds content.
 */
export const SET_ASIDE_REASON_NL: Record<SetAsideReason, string> = {
  'too-big': 'te groot om veilig automatisch te lezen',
  unreadable: 'niet betrouwbaar automatisch te lezen',
  'untrusted-sender':
    'ogenschijnlijk een signaal, maar van een afzender die niet op de lijst van vertrouwde afzenders staat of niet bewezen echt is',
  'not-a-signal': 'geen Handle with Care-signaal (bijvoorbeeld een nieuwsbrief of een testbericht)',
  'unexpected-reply':
    'een antwoord op een melding van hwc-watcher dat niet als bevestiging telt (niet van een contactpersoon, of zonder geldige bevestigingscode)',
  'contacts-unreachable': 'een signaal dat bij geen van de contactpersonen kon worden afgeleverd',
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
  const entries = Object.entries(input.counts).filter(([, n]) => (n ?? 0) > 0) as [SetAsideReason, number][];
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const one = total === 1;
  const where = `de Handle with Care-mailbox van ${input.identity.school}`;
  const lines = [
    `Beste ${input.contact.name},`,
    '',
    one
      ? `In ${where} staat 1 bericht dat hwc-watcher niet zelf afhandelt. Iemand moet er vandaag naar kijken.`
      : `In ${where} staan ${total} berichten die hwc-watcher niet zelf afhandelt. Iemand moet er vandaag naar kijken.`,
    '',
    'Waarom:',
    ...entries.map(([reason, n]) => `- ${count(n, 'bericht', 'berichten')}: ${SET_ASIDE_REASON_NL[reason]}`),
    '',
    'Wat wij van u vragen:',
    one
      ? '- Open vandaag de HwC-mailbox en bekijk het bericht.'
      : '- Open vandaag de HwC-mailbox en bekijk de berichten.',
    `- ${one ? 'Is het' : 'Is een bericht'} een Handle with Care-signaal, handel het dan af zoals elk signaal: zoek de leerling op en schrijf niets op. Twijfelt u of het echt van Veilig Thuis komt, bel Veilig Thuis dan. Verwijder het signaal daarna, ook uit Verwijderde items.`,
    `- ${one ? 'Is het' : 'Is een bericht'} iets anders, stuur het dan door naar wie erover gaat of verwijder het.`,
    '',
    one
      ? 'hwc-watcher laat dit bericht staan, stuurt het niet door en meldt hetzelfde bericht niet nog eens.'
      : 'hwc-watcher laat deze berichten staan, stuurt ze niet door en meldt dezelfde berichten niet nog eens.',
    '',
    `Gecontroleerd: ${formatMoment(input.at, input.identity.timezone)}.`,
    'Dit bericht is automatisch verstuurd door hwc-watcher en bevat bewust geen inhoud.',
  ];
  return {
    kind: 'alert',
    to: [input.contact.email],
    subject: one
      ? 'HwC-mailbox: 1 bericht moet door iemand bekeken worden'
      : `HwC-mailbox: ${total} berichten moeten door iemand bekeken worden`,
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
 * The frame of every deadline reminder, by mail and by link (compose-link.ts) alike: urgent, and
 * content-free; `what` is what nobody confirmed, `lead` ends its opening paragraph, `body` follows.
 */
export function reminderMail(
  input: ReminderInput,
  text: { what: string; lead?: string; body: string[] },
): OutgoingMail {
  const opening = `De lessen beginnen en nog niemand heeft ${text.what} met referentie ${input.reference} van ${input.identity.school} bevestigd.`;
  return {
    kind: 'reminder',
    to: [input.contact.email],
    subject: `DRINGEND: Handle with Care-signaal nog niet bevestigd [${input.reference}]`,
    text: [
      `Beste ${input.contact.name},`,
      '',
      text.lead ? `${opening} ${text.lead}` : opening,
      '',
      ...text.body,
      '',
      `Verstuurd: ${formatMoment(input.at, input.identity.timezone)}. Dit bericht bevat bewust geen gegevens van de leerling.`,
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', Importance: 'high', 'X-Priority': '1' },
  };
}

/**
 * The deadline reminder: urgent, and still content-free, because the contact already holds the
 * notification; it only points to it by its reference.
 */
export function composeReminder(input: ReminderInput): OutgoingMail {
  return reminderMail(input, {
    what: 'de Handle with Care-melding',
    body: [
      'Zoek de melding met deze referentie in uw mailbox. Zoek de leerling op en vraag wat hij of zij vandaag nodig heeft. Antwoord daarna op de melding; een antwoord met alleen de bevestigingscode uit de melding is genoeg.',
    ],
  });
}

export interface DeadManInput {
  identity: SchoolIdentity;
  contacts: Contact[];
  at: Date;
  messageId: string;
  /** Where to look by hand: the webmail address or the shared mailbox's name (config mailboxHint). */
  mailboxHint?: string;
}

/**
 * Sent when no check succeeded by the deadline, or the morning's last scheduled check failed:
 * the mailbox must be looked at by hand.
 */
export function composeDeadManAlarm(input: DeadManInput): OutgoingMail {
  return {
    kind: 'alert',
    to: input.contacts.map((contact) => contact.email),
    subject: 'DRINGEND: de HwC-mailbox kon vanochtend niet gecontroleerd worden',
    text: [
      'Beste collega,',
      '',
      `hwc-watcher heeft de Handle with Care-mailbox van ${input.identity.school} vanochtend niet kunnen controleren. Er kan een signaal in staan dat nog niemand heeft gezien.`,
      '',
      'Wat wij van u vragen:',
      input.mailboxHint
        ? `- Kijk nu zelf in de HwC-mailbox: ${input.mailboxHint}`
        : '- Kijk nu zelf in de HwC-mailbox.',
      '- Staat er een Handle with Care-signaal in, handel het dan af zoals elk signaal: zoek de leerling op, schrijf niets op en verwijder het signaal daarna, ook uit Verwijderde items.',
      '- Vraag de ICT-beheerder om hwc-watcher na te kijken.',
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
      `In de Handle with Care-mailbox van ${input.identity.school} staat een bericht dat via een dienst voor beveiligde e-mail is verstuurd. Het eigenlijke bericht, mogelijk een Handle with Care-signaal, zit in een beveiligde omgeving; hwc-watcher kan het niet lezen en niet doorgeven.`,
      '',
      'Wat wij van u vragen:',
      '- Open dit bericht zelf in de HwC-mailbox, vandaag nog en vóór het begin van de lessen.',
      '- Volg daar de aanwijzingen van de dienst om het bericht te openen. Twijfelt u of het bericht echt van de afzender komt, bel de afzender dan eerst en klik niet op de link.',
      '- Handel een signaal af zoals u gewend bent, en verwijder het bericht daarna zelf.',
      '',
      'hwc-watcher laat het bericht staan, stuurt geen ontvangstbevestiging aan de afzender en meldt hetzelfde bericht niet nog eens.',
      '',
      `Gecontroleerd: ${formatMoment(input.at, input.identity.timezone)}.`,
      'Dit bericht is automatisch verstuurd door hwc-watcher en bevat bewust geen inhoud.',
    ].join('\n'),
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', Importance: 'high', 'X-Priority': '1' },
  };
}
