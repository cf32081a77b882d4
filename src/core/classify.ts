/**
 * What a mail is: a Handle with Care signal (with the children it names) or not a signal
 * (with a category). Pure: no I/O, no clock; "today" comes in through the context.
 * Reasons are fixed phrases and never contain a child's name or date.
 */

import { extractChildren, hasLabelledBirthDate, type FoundChild } from './recognise/children.js';
import { hasCodeword } from './recognise/codeword.js';
import { splitForwarded } from './recognise/forwarded.js';
import { htmlToText } from './recognise/html-text.js';
import { toLines } from './recognise/normalise-text.js';
import {
  classicBounceKind,
  deliveryReportKind,
  hasListHeaders,
  isContactChange,
  isReadReceipt,
  isStrongAutoReply,
  isWeakAutoReply,
  looksLikeNewsletter,
  mentionsTest,
  saysNoRealChild,
} from './recognise/not-a-signal.js';
import { childReasons, REASON } from './recognise/plausibility.js';
import { completenessReasons } from './completeness.js';
import { secureNoticeEvidence } from './recognise/secure-notice.js';
import { stripSignature } from './recognise/signature.js';
import type { Child, ClassifiedMail, ClassifyContext, MailFacts, NotSignalCategory } from './types.js';

/** The reason of a secure-mail notice: a fixed phrase, like every reason. */
export const SECURE_NOTICE_REASON = 'secure-mail notice: the message must be opened by hand';

/** More children than this in one mail is not a real signal; the rest is not listed, and a person looks. */
export const MAX_CHILDREN = 50;

interface Reading {
  children: FoundChild[];
  countMismatch: boolean;
  forwarded: boolean;
  /** A labelled birth date below a signature or disclaimer: never read as a child, but a person should look. */
  dateAfterSignature: boolean;
  statedCount?: number;
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  een: 1,
  één: 1,
  twee: 2,
  drie: 3,
  vier: 4,
  vijf: 5,
  zes: 6,
  zeven: 7,
  acht: 8,
  negen: 9,
  tien: 10,
};
// "Het gaat om twee kinderen", "3 leerlingen": a count stated by the sender, checked against what was found.
const STATED_COUNT =
  /\b(\d{1,2}|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien)\s+(?:kinderen|leerlingen|broers(?:\/|\s+en\s+)zussen|siblings|children)\b/iu;

function statedCount(lines: string[]): number | undefined {
  for (const line of lines) {
    const m = STATED_COUNT.exec(line);
    if (m) {
      const word = (m[1] ?? '').toLowerCase();
      const n = NUMBER_WORDS[word] ?? Number(word);
      if (Number.isInteger(n) && n > 0) return n;
    }
  }
  return undefined;
}

// "Re:", "Fwd:", "Doorst:", "WG:", "TR:" in front of a subject.
function stripSubjectPrefixes(subject: string): string {
  return subject.replace(/^(?:\s*(?:re|fw|fwd|doorst|wg|tr|aw|antw|sv|vs)\s*(?:\[\d+\])?\s*:\s*)+/i, '');
}

function read(lines: string[], subject: string): Reading {
  const split = splitForwarded(lines);
  const children: FoundChild[] = [];
  let countMismatch = false;
  let dateAfterSignature = false;
  const bodyLines: string[] = [];
  for (const segment of split.segments) {
    const { body, trailer } = stripSignature(segment);
    const found = extractChildren(body);
    children.push(...found.children);
    countMismatch ||= found.countMismatch;
    dateAfterSignature ||= hasLabelledBirthDate(trailer);
    bodyLines.push(...body);
  }
  // The subject (of the mail or of a forwarded part) is read only when the body names no child.
  if (children.length === 0) {
    const subjectLine = toLines(subject)[0] ?? '';
    for (const line of [subjectLine, ...split.forwardedSubjects]) {
      const found = extractChildren([stripSubjectPrefixes(line)]);
      if (found.children.length > 0) {
        children.push(...found.children);
        countMismatch ||= found.countMismatch;
        break;
      }
    }
  }
  const reading: Reading = { children, countMismatch, forwarded: split.forwarded, dateAfterSignature };
  const stated = statedCount(bodyLines);
  if (stated !== undefined) reading.statedCount = stated;
  return reading;
}

function complete(children: FoundChild[]): number {
  return children.filter((c) => c.name !== '' && c.birthDate !== '').length;
}

function tokens(name: string): string[] {
  return name.toLowerCase().split(/\s+/).filter(Boolean);
}

// The same child read from the text and the HTML part, where one rendering may have lost a first name.
function sameChild(a: FoundChild, b: FoundChild): boolean {
  if (a.birthDate !== b.birthDate) return false;
  const ta = tokens(a.name);
  const tb = tokens(b.name);
  return ta.every((t) => tb.includes(t)) || tb.every((t) => ta.includes(t));
}

function consistent(a: Reading, b: Reading): boolean {
  return (
    a.children.length === b.children.length &&
    a.children.every((c, i) => {
      const other = b.children[i];
      return other !== undefined && sameChild(c, other);
    })
  );
}

function nameLength(r: Reading): number {
  return r.children.reduce((n, c) => n + c.name.length, 0);
}

// Letters and digits only, lower-case, without "[...]" (where a generic converter puts link targets).
function contentKey(lines: string[]): string {
  return lines
    .join(' ')
    .replace(/\[[^\]\n]{0,2000}\]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Reads the text part and, when there is one, the HTML part, and picks the better reading.
 * HTML is read with our own converter because a generic one glues table cells together
 * ("Naam:Ayşe YılmazGeboortedatum:"). When the text has the same letters as the HTML, it was
 * derived from it, and the HTML reading wins. Two parts that really differ about the children
 * go to a person.
 */
function readBoth(facts: MailFacts): { reading: Reading; partsDiffer: boolean; bodyText: string } {
  const textLines = toLines(facts.text);
  const fromText = read(textLines, facts.subject);
  if (facts.html === undefined || facts.html.trim() === '') {
    return { reading: fromText, partsDiffer: false, bodyText: textLines.join('\n') };
  }
  const htmlLines = toLines(htmlToText(facts.html));
  const fromHtml = read(htmlLines, facts.subject);
  const bodyText = `${textLines.join('\n')}\n${htmlLines.join('\n')}`;
  if (fromText.children.length === 0) return { reading: fromHtml, partsDiffer: false, bodyText };
  if (fromHtml.children.length === 0) return { reading: fromText, partsDiffer: false, bodyText };
  if (contentKey(textLines) === contentKey(htmlLines))
    return { reading: fromHtml, partsDiffer: false, bodyText };
  if (consistent(fromText, fromHtml)) {
    const better = nameLength(fromHtml) >= nameLength(fromText) ? fromHtml : fromText;
    return { reading: better, partsDiffer: false, bodyText };
  }
  const better = complete(fromHtml.children) > complete(fromText.children) ? fromHtml : fromText;
  return { reading: better, partsDiffer: true, bodyText };
}

function notSignal(category: NotSignalCategory, reason: string): ClassifiedMail {
  return { kind: 'not-a-signal', category, children: [], needsReview: false, reasons: [reason] };
}

function dedupe(children: FoundChild[]): { children: FoundChild[]; duplicates: boolean } {
  const seen = new Set<string>();
  const result: FoundChild[] = [];
  for (const child of children) {
    const key = `${child.name.toLowerCase()}\u0000${child.birthDate}`;
    if (child.name !== '' && child.birthDate !== '' && seen.has(key)) continue;
    seen.add(key);
    result.push(child);
  }
  return { children: result, duplicates: result.length !== children.length };
}

export function classify(facts: MailFacts, ctx: ClassifyContext): ClassifiedMail {
  // Machine-made mail first, by structure and headers: a bounce or an out-of-office reply may
  // quote a signal in full, and must never become one.
  if (isReadReceipt(facts)) return notSignal('read-receipt', 'read receipt');
  const report = deliveryReportKind(facts);
  if (report === 'bounce') return notSignal('bounce', 'delivery failed');
  if (report === 'delivery-report') return notSignal('delivery-report', 'delivery report');
  if (isStrongAutoReply(facts)) return notSignal('auto-reply', 'automatic reply');
  const classic = classicBounceKind(facts);
  if (classic === 'bounce') return notSignal('bounce', 'bounce from a mail system');
  if (classic === 'delivery-report') return notSignal('delivery-report', 'delivery report');

  const { reading, partsDiffer, bodyText } = readBoth(facts);
  // A notice's wording wins even over a child in its subject: what the sender meant to send is
  // behind the link. A service's name with a link alone (a footer) counts only when no child is read.
  const secure = secureNoticeEvidence(`${facts.subject}\n${bodyText}`);
  if (secure.received || (secure.serviceAndAction && reading.children.length === 0)) {
    return {
      kind: 'secure-notice',
      category: 'secure-notice',
      children: [],
      needsReview: true,
      reasons: [SECURE_NOTICE_REASON],
    };
  }
  const codewordInSubject = hasCodeword(facts.subject);
  const codewordInBody = hasCodeword(bodyText);
  const weakAuto = isWeakAutoReply(facts);
  const test = mentionsTest(facts);

  if (!codewordInSubject && !codewordInBody) {
    if (weakAuto) return notSignal('auto-reply', 'automatic message without codeword');
    if (test) return notSignal('test-message', 'test message');
    if (looksLikeNewsletter(facts)) return notSignal('newsletter', 'newsletter');
    // Without the codeword a mail about a pupil is not a HwC signal; it is set aside for a person.
    return notSignal('other', 'no codeword');
  }
  if (test && (reading.children.length === 0 || saysNoRealChild(facts))) {
    return notSignal('test-message', 'test message');
  }

  const reasons: string[] = [];
  const unread = completenessReasons(facts);
  if (codewordInSubject) reasons.push('codeword in subject');
  if (codewordInBody) reasons.push('codeword in body');
  if (reading.forwarded) reasons.push('forwarded message');

  if (reading.children.length === 0) {
    if (weakAuto) return notSignal('auto-reply', 'automatic message without a child');
    if (looksLikeNewsletter(facts)) return notSignal('newsletter', 'newsletter mentions the codeword');
    if (isContactChange(facts)) return notSignal('other', 'change of contact details');
    // The codeword without a recognisable child is still treated as a signal: calling it "not a
    // signal" could let a real child go without support, while a signal that needs review only
    // costs a person a look.
    reasons.push('codeword found but no child recognised');
    if (reading.dateAfterSignature) reasons.push('birth date label after signature or disclaimer');
    reasons.push(...unread.review, ...unread.info);
    return { kind: 'signal', category: 'signal', children: [], needsReview: true, reasons };
  }

  const { children: unique, duplicates } = dedupe(reading.children);
  const listed = unique.slice(0, MAX_CHILDREN);
  const review = new Set<string>();
  for (const child of listed) for (const reason of childReasons(child, ctx.today)) review.add(reason);
  if (reading.countMismatch) review.add(REASON.countMismatch);
  if (unique.length > MAX_CHILDREN) review.add('more children than can be listed');
  if (reading.statedCount !== undefined && reading.statedCount !== unique.length) {
    review.add('stated number of children differs');
  }
  if (partsDiffer) review.add('text and HTML parts differ');
  if (reading.dateAfterSignature) review.add('birth date label after signature or disclaimer');
  if (weakAuto) review.add('sent as an automatic message');
  if (hasListHeaders(facts)) review.add('mailing-list headers');
  if (test) review.add('mail says it is a test');
  for (const reason of unread.review) review.add(reason);

  reasons.push(`${unique.length} ${unique.length === 1 ? 'child' : 'children'} found`);
  if (duplicates) reasons.push('same child listed more than once');
  reasons.push(...review, ...unread.info);
  const children: Child[] = listed.map((c) => ({ name: c.name, birthDate: c.birthDate }));
  return { kind: 'signal', category: 'signal', children, needsReview: review.size > 0, reasons };
}
