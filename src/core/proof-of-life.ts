import { createHmac } from 'node:crypto';
import { formatMoment, type SchoolIdentity } from './compose.js';
import type { AuditEntry, AuditRow, OutgoingMail } from './ports.js';
import { addDays, localDate, weekdayOf } from './schedule.js';
import type { Contact, Weekday } from './vocabulary.js';

/**
 * Proof of life against silent decay between the rare signals: a weekly content-free mail to the
 * contacts that says how often the mailbox was checked, and a periodic self-test, a content-free
 * mail from the school's SMTP to the HwC address itself that the next check must find. The texts
 * are Dutch; they name the school and times, never anything about a signal.
 */

export interface ProofOfLifeSettings {
  /** The weekday on which the weekly mail goes out, after that day's first check. */
  weeklyReport?: Weekday;
  /** The weekdays on which a self-test mail is sent, after that day's first successful check. */
  selfTest?: Weekday[];
}

export interface WeekCounts {
  checks: number;
  failed: number;
  /** The outcome of the last check of the week; undefined when there was none. */
  lastOk?: boolean;
}

/** The check rows of the seven days up to `now`: how many, how many failed, and the last outcome. */
export function weekCounts(rows: readonly AuditRow[], now: Date): WeekCounts {
  const since = now.getTime() - 7 * 86_400_000;
  const checks = rows.filter(
    (row) => row.type === 'check' && Date.parse(row.at) > since && Date.parse(row.at) <= now.getTime(),
  );
  const failed = checks.filter((row) => row.data.outcome === 'failed').length;
  const last = checks.at(-1);
  return { checks: checks.length, failed, ...(last ? { lastOk: last.data.outcome !== 'failed' } : {}) };
}

/** The Monday of the local week of `at`, as YYYY-MM-DD: one weekly mail per such week. */
export function weekOf(at: Date, timezone: string): string {
  const today = localDate(at, timezone);
  const back = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 }[weekdayOf(today)];
  return addDays(today, -back);
}

export function isWeeklyReportDue(
  now: Date,
  timezone: string,
  settings: ProofOfLifeSettings,
  sentForWeek: string | undefined,
): boolean {
  if (!settings.weeklyReport) return false;
  return (
    weekdayOf(localDate(now, timezone)) === settings.weeklyReport && sentForWeek !== weekOf(now, timezone)
  );
}

export function isSelfTestDue(
  now: Date,
  timezone: string,
  settings: ProofOfLifeSettings,
  sentOn: string | undefined,
): boolean {
  const today = localDate(now, timezone);
  return (settings.selfTest ?? []).includes(weekdayOf(today)) && sentOn !== today;
}

/**
 * The self-test's Message-ID: `hwc.<HMAC, 128 bits in hex>@domain`, the shape of our other own
 * mail (identity.ts), so that a check leaves it alone as our own mail delivered back to us, and
 * computed again from the day it was sent, so that nothing about it needs storing but that day.
 */
export function selfTestMessageId(secret: Buffer, day: string, domain: string): string {
  const hex = createHmac('sha256', secret).update(`own-mid:self-test:${day}`).digest('hex');
  return `hwc.${hex.slice(0, 32)}@${domain}`;
}

const AUTO = { 'Auto-Submitted': 'auto-generated' };
const CONTENT_FREE = 'Dit bericht bevat bewust geen inhoud: geen namen, geen gegevens van leerlingen.';

function times(n: number): string {
  return n === 1 ? '1 keer' : `${n} keer`;
}

/** "deze week 15 keer gecontroleerd, alles werkte", or what did not work. */
export function weeklySentence(counts: WeekCounts): string {
  const checked = `deze week ${times(counts.checks)} gecontroleerd`;
  if (counts.checks === 0) return 'deze week is de mailbox geen enkele keer gecontroleerd';
  if (counts.failed === 0) return `${checked}, alles werkte`;
  const failed = `${checked}; ${times(counts.failed)} lukte de controle niet`;
  return counts.lastOk === false ? `${failed}, en de laatste controle lukte niet` : failed;
}

export function composeWeeklyReport(input: {
  identity: SchoolIdentity;
  contacts: Contact[];
  counts: WeekCounts;
  at: Date;
  messageId: string;
}): OutgoingMail {
  const { counts, identity } = input;
  const allWell = counts.checks > 0 && counts.failed === 0;
  const sentence = weeklySentence(counts);
  return {
    kind: 'alert',
    to: input.contacts.map((contact) => contact.email),
    subject: `Weekbericht hwc-watcher: ${sentence}`,
    text: [
      'Beste collega,',
      '',
      `Dit is het wekelijkse bericht van hwc-watcher over de Handle with Care-mailbox van ${identity.school}: ${sentence}.`,
      '',
      allWell
        ? 'U hoeft niets te doen.'
        : counts.lastOk === false || counts.checks === 0
          ? 'Kijk alstublieft nu zelf in de HwC-mailbox, en vraag de ICT-beheerder om hwc-watcher na te kijken.'
          : 'De controles daarna lukten weer. Vraag de ICT-beheerder eventueel om na te gaan wat er misging.',
      '',
      `Verstuurd: ${formatMoment(input.at, identity.timezone)}. ${CONTENT_FREE}`,
    ].join('\n'),
    messageId: input.messageId,
    headers: AUTO,
  };
}

export function composeSelfTest(input: {
  identity: SchoolIdentity;
  at: Date;
  messageId: string;
}): OutgoingMail {
  return {
    kind: 'alert',
    to: [input.identity.fromAddress],
    subject: 'Zelftest van hwc-watcher',
    text: [
      `Dit is een automatisch testbericht van hwc-watcher voor ${input.identity.school}.`,
      '',
      'Het laat zien dat mail de Handle with Care-mailbox nog bereikt. De volgende controle verwijdert het vanzelf.',
      'U hoeft niets te doen.',
      '',
      `Verstuurd: ${formatMoment(input.at, input.identity.timezone)}. ${CONTENT_FREE}`,
    ].join('\n'),
    messageId: input.messageId,
    headers: AUTO,
  };
}

export function composeSelfTestMissing(input: {
  identity: SchoolIdentity;
  contacts: Contact[];
  sentAt: Date;
  at: Date;
  messageId: string;
}): OutgoingMail {
  const { identity } = input;
  return {
    kind: 'alert',
    to: input.contacts.map((contact) => contact.email),
    subject: 'DRINGEND: een testbericht kwam niet aan in de HwC-mailbox',
    text: [
      'Beste collega,',
      '',
      `hwc-watcher stuurde op ${formatMoment(input.sentAt, identity.timezone)} een testbericht naar de Handle with Care-mailbox van ${identity.school}.`,
      'Bij de controle daarna was het er nog niet. Dan komt een signaal van Veilig Thuis misschien ook niet aan.',
      '',
      'Vraag de ICT-beheerder om de mailbox en het doorsturen van mail na te kijken, en kijk tot dan zelf in de HwC-mailbox, ook bij de ongewenste e-mail.',
      '',
      `Verstuurd: ${formatMoment(input.at, identity.timezone)}. ${CONTENT_FREE}`,
    ].join('\n'),
    messageId: input.messageId,
    headers: { ...AUTO, Importance: 'high', 'X-Priority': '1' },
  };
}

/** The audit row: kind and outcome, and for the weekly mail the counts. */
export function proofOfLifeEntry(
  at: Date,
  kind: 'weekly' | 'self-test',
  outcome: string,
  counts: Record<string, number> = {},
): AuditEntry {
  return { at: at.toISOString(), type: 'proof-of-life', data: { kind, outcome, ...counts } };
}
