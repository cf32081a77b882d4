/**
 * Mails that arrive in the signal mailbox but are not signals: read receipts and delivery
 * reports (RFC 8098 / RFC 3464 multipart/report), bounces (also the classic MAILER-DAEMON kind),
 * out-of-office replies (RFC 3834 Auto-Submitted, Exchange's X-Auto-Response-Suppress, "Automatisch
 * antwoord"), test mails from Veilig Thuis, newsletters, and changes of contact details.
 */

import type { MailFacts } from '../types.js';

const DSN_FAILED = /^[ \t]*action[ \t]*:[ \t]*failed\b/im;
const BOUNCE_SENDER = /^(?:mailer-daemon|mailerdaemon|mail-daemon|postmaster|mail\.delivery\.subsystem)@/i;
const BOUNCE_SUBJECT =
  /^\s*(?:undeliver(?:able|ed)|onbestelbaar|niet (?:bezorgd|afgeleverd)|kan niet worden bezorgd|delivery status notification \((?:failure|delay)\)|mail delivery (?:failed|failure|subsystem)|returned mail|failure notice|delivery failure|message not delivered|bericht niet afgeleverd|unzustellbar|non remis)\b/i;
const DELIVERED_SUBJECT =
  /^\s*(?:delivered|bezorgd|afgeleverd|delivery status notification \((?:success|relay)\)|relayed|doorgestuurd naar)\s*:?/i;
const READ_SUBJECT = /^\s*(?:gelezen|read|niet gelezen|not read|gelesen|lu)\s*:/i;
const AUTO_REPLY_SUBJECT =
  /^\s*(?:automatisch antwoord|automatic reply|auto(?:matic)?[- ]?reply|autoreply|out of (?:the )?office|afwezig(?:heid(?:sbericht|smelding)?)?|abwesenheitsnotiz|automatische antwort|réponse automatique|vakantie|niet aanwezig)\b/i;
const AUTO_REPLY_BODY =
  /\b(?:ik ben (?:momenteel |tot en met |t\/m |vanaf )?(?:afwezig|niet aanwezig|met vakantie)|i am (?:currently )?out of (?:the )?office|i am away|dit is een automatisch (?:antwoord|bericht|gegenereerd))/i;

function header(facts: MailFacts, name: string): string | undefined {
  const value = facts.headers[name];
  return value === undefined ? undefined : value.trim();
}

/** Read receipt: multipart/report with report-type disposition-notification, or a "Gelezen:" subject. */
export function isReadReceipt(facts: MailFacts): boolean {
  if (facts.contentType === 'multipart/report' && facts.reportType === 'disposition-notification')
    return true;
  return (
    READ_SUBJECT.test(facts.subject) &&
    /disposition|gelezen|was read|is gelezen|weergegeven|displayed/i.test(facts.text)
  );
}

/** Delivery status notification: 'bounce' when delivery failed, 'delivery-report' otherwise. */
export function deliveryReportKind(facts: MailFacts): 'bounce' | 'delivery-report' | undefined {
  if (facts.contentType !== 'multipart/report' || facts.reportType !== 'delivery-status') return undefined;
  if (DSN_FAILED.test(facts.text) || BOUNCE_SUBJECT.test(facts.subject)) return 'bounce';
  return 'delivery-report';
}

/** A classic bounce without multipart/report, or a non-standard delivery receipt from a mail system. */
export function classicBounceKind(facts: MailFacts): 'bounce' | 'delivery-report' | undefined {
  const from = facts.fromAddress ?? '';
  const fromDaemon = BOUNCE_SENDER.test(from);
  if (BOUNCE_SUBJECT.test(facts.subject)) return 'bounce';
  if (header(facts, 'x-failed-recipients') !== undefined) return 'bounce';
  if (fromDaemon) return DELIVERED_SUBJECT.test(facts.subject) ? 'delivery-report' : 'bounce';
  return undefined;
}

/**
 * Replies that a machine sent for a person: RFC 3834 "auto-replied", the X-Autoreply family,
 * Precedence: auto_reply, and the out-of-office subjects of Outlook and webmail. These are never
 * a signal, whatever they quote.
 */
export function isStrongAutoReply(facts: MailFacts): boolean {
  const autoSubmitted = (header(facts, 'auto-submitted') ?? '').toLowerCase();
  if (autoSubmitted.startsWith('auto-replied')) return true;
  if (header(facts, 'x-autoreply') !== undefined || header(facts, 'x-autorespond') !== undefined) return true;
  if (/^auto[-_]?reply$/i.test(header(facts, 'precedence') ?? '')) return true;
  return AUTO_REPLY_SUBJECT.test(facts.subject);
}

/**
 * Signs of a message sent by a program rather than a person: Auto-Submitted other than "no"
 * (e.g. auto-generated) and Exchange's X-Auto-Response-Suppress, or out-of-office wording in the body.
 * Weak, because a registration system of Veilig Thuis may send real signals this way.
 */
export function isWeakAutoReply(facts: MailFacts): boolean {
  const autoSubmitted = header(facts, 'auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted.toLowerCase() !== 'no') return true;
  if (header(facts, 'x-auto-response-suppress') !== undefined) return true;
  return AUTO_REPLY_BODY.test(facts.text.slice(0, 4000));
}

const TEST_PHRASE =
  /\b(?:test-?bericht|testmail|test-?e-?mail|test-?signaal|proefbericht|proefmail|dit is een test|this is a test|testing)\b/i;
const NOT_A_TEST = /\bgeen test(?:bericht|mail)?\b|\bniet een test\b|\bis geen oefening\b/i;
const NO_REAL_CHILD =
  /\b(?:geen (?:echte |bestaande )?(?:leerling|kind|signaal|persoon)|betreft geen|fictie(?:f|ve)|verzonnen|niet echt|no real (?:child|pupil))\b/i;

/** "Dit is een testbericht" from Veilig Thuis. */
export function mentionsTest(facts: MailFacts): boolean {
  const text = `${facts.subject}\n${facts.text.slice(0, 4000)}`;
  return TEST_PHRASE.test(text) && !NOT_A_TEST.test(text);
}

/** The test mail says outright that it concerns no real child. */
export function saysNoRealChild(facts: MailFacts): boolean {
  return NO_REAL_CHILD.test(`${facts.subject}\n${facts.text.slice(0, 4000)}`);
}

/** Mailing-list headers (RFC 2369 / RFC 2919) or bulk precedence. */
export function hasListHeaders(facts: MailFacts): boolean {
  return (
    header(facts, 'list-id') !== undefined ||
    header(facts, 'list-unsubscribe') !== undefined ||
    /^(?:bulk|list|junk)$/i.test(header(facts, 'precedence') ?? '')
  );
}

const NEWSLETTER_WORDS =
  /\b(?:nieuwsbrief|newsletter|uitschrijven|afmelden voor (?:deze|de) (?:nieuwsbrief|mailing)|unsubscribe|webversie|bekijk (?:deze|de) (?:e-?mail|nieuwsbrief) in (?:je|uw) browser|view (?:this email )?in (?:your )?browser)\b/i;

export function looksLikeNewsletter(facts: MailFacts): boolean {
  return hasListHeaders(facts) || NEWSLETTER_WORDS.test(`${facts.subject}\n${facts.text}`);
}

const CONTACT_CHANGE =
  /\b(?:wijziging(?:en)? (?:van |in )?(?:de |onze )?contact(?:gegevens|persoon)|gewijzigde contactgegevens|nieuwe? (?:contactpersoon|e-?mailadres|telefoonnummer|contactgegevens)|contactgegevens (?:zijn |is )?gewijzigd|change of contact details|new contact details)\b/i;

/** A change of contact details from Veilig Thuis or the municipality. */
export function isContactChange(facts: MailFacts): boolean {
  return CONTACT_CHANGE.test(`${facts.subject}\n${facts.text.slice(0, 8000)}`);
}
