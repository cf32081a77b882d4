/**
 * A deterministic school year of audit rows (2025-08-18 to 2026-07-17, Europe/Amsterdam): three
 * checks per school day, a signal on some mornings, confirmations, escalations to the backup,
 * one failed check, one purge that could not be verified, and a month in which nobody confirmed.
 * Rows are appended in time order through the real store, so the chain is the real chain.
 */
import { alarmEntry, checkEntry, emptyCounts } from '../../src/core/audit-entry.js';
import type { AuditEntry } from '../../src/core/ports.js';
import { addDays, weekdayOf, zonedInstant } from '../../src/core/schedule.js';

export const SEED_TIMEZONE = 'Europe/Amsterdam';
export const SEED_FIRST_DAY = '2025-08-18';
export const SEED_LAST_DAY = '2026-07-17';

const HOLIDAYS: [string, string][] = [
  ['2025-10-13', '2025-10-17'],
  ['2025-12-22', '2026-01-02'],
  ['2026-02-16', '2026-02-20'],
  ['2026-04-27', '2026-05-08'],
  ['2026-05-14', '2026-05-15'],
  ['2026-05-25', '2026-05-25'],
  ['2026-07-18', '2026-08-30'],
];

/** The seeded school's holidays as a config's `schedule.holidays.closed` takes them. */
export const SEED_HOLIDAY_RANGES = HOLIDAYS.map(([from, to]) => `${from}..${to}`);

/** The seeded school's calendar: closed on its holidays, as `schedule.closed` says it. */
export function seedClosed(isoDate: string): boolean {
  return HOLIDAYS.some(([from, to]) => from <= isoDate && isoDate <= to);
}

/** A failed check and an unverified purge, on fixed days, so that tests can look for them. */
export const SEED_FAILED_CHECK_DAY = '2026-03-10';
export const SEED_UNVERIFIED_PURGE_DAY = '2026-01-13';
/** In this month no signal was confirmed: the report must say it shows time to purge instead. */
export const SEED_UNCONFIRMED_MONTH = '2026-02';
/** Every check of this day failed (IMAP refused), and the dead-man alarm went out at the deadline. */
export const SEED_DEAD_MAN_DAY = '2026-03-11';
/** The signal of this day was confirmed, but only after the deadline. */
export const SEED_LATE_DAY = '2026-03-12';
/** A newsletter was set aside on this day, and one content-free alert went out. */
export const SEED_SET_ASIDE_DAY = '2026-03-13';

export interface SeedSummary {
  days: number;
  checks: number;
  signals: number;
  confirmations: number;
  escalated: number;
  signalsByMonth: Record<string, number>;
}

/** mulberry32: a small PRNG with a fixed seed, so that every run seeds the same year. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const minutesAfter = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * 60_000);

export function seedSchoolYear(append: (entry: AuditEntry) => unknown): SeedSummary {
  const next = random(2025);
  const entries: AuditEntry[] = [];
  const summary: SeedSummary = {
    days: 0,
    checks: 0,
    signals: 0,
    confirmations: 0,
    escalated: 0,
    signalsByMonth: {},
  };
  for (let day = SEED_FIRST_DAY; day <= SEED_LAST_DAY; day = addDays(day, 1)) {
    const weekday = weekdayOf(day);
    if (weekday === 'sat' || weekday === 'sun') continue;
    if (HOLIDAYS.some(([from, to]) => from <= day && day <= to)) continue;
    summary.days += 1;
    const [first, second, third] = ['07:00', '07:45', '08:05'].map((time) =>
      zonedInstant(day, time, SEED_TIMEZONE),
    ) as [Date, Date, Date];
    const hasSignal = next() < 0.14 || day === SEED_UNVERIFIED_PURGE_DAY || day === SEED_LATE_DAY;
    if (day === SEED_DEAD_MAN_DAY) {
      for (const at of [first, second, third]) {
        entries.push(checkEntry(at, emptyCounts(), 'failed', 9_000, 'unknown', 'IMAP_AUTH_REFUSED'));
      }
      entries.push(alarmEntry(zonedInstant(day, '08:15', SEED_TIMEZONE), 'sent'));
      summary.checks += 3;
      continue;
    }
    const firstCounts = emptyCounts();
    const laterCounts = emptyCounts();
    if (hasSignal) {
      const children = next() < 0.2 ? 2 : 1;
      const unconfirmed = day.startsWith(SEED_UNCONFIRMED_MONTH);
      const minutesToConfirm = day === SEED_LATE_DAY ? 95 : Math.round(3 + next() * 50);
      const escalated = unconfirmed || minutesToConfirm > 20;
      const confirmedBy = unconfirmed ? 'none' : escalated && next() < 0.7 ? 'backup' : 'primary';
      const minutesToPurge = unconfirmed ? 76 : minutesToConfirm + 1;
      const purgeVerified = day !== SEED_UNVERIFIED_PURGE_DAY;
      firstCounts.messages = 1;
      firstCounts.signals = 1;
      firstCounts.children = children;
      firstCounts.notificationsSent = 1;
      firstCounts.acknowledgementsSent = 1;
      laterCounts.messages = unconfirmed ? 0 : 1;
      laterCounts.confirmations = unconfirmed ? 0 : 1;
      laterCounts.purged = 1;
      laterCounts.purgeVerified = purgeVerified;
      if (!unconfirmed) {
        entries.push({
          at: minutesAfter(first, minutesToConfirm).toISOString(),
          type: 'signal',
          data: { event: 'confirmed', confirmedBy, minutesToConfirm },
        });
        summary.confirmations += 1;
      }
      entries.push({
        at: minutesAfter(first, minutesToPurge).toISOString(),
        type: 'signal',
        data: {
          children,
          needsReview: false,
          notifiedPrimary: true,
          notifiedBackup: escalated,
          acknowledged: true,
          mdnSent: next() < 0.5,
          purgeVerified,
          minutesToPurge,
          escalated,
          ...(escalated ? { escalationReason: 'no-confirmation' } : {}),
          confirmedBy,
          ...(unconfirmed ? {} : { minutesToConfirm }),
          purgeReason: unconfirmed ? 'escalation-complete' : 'confirmed',
        },
      });
      summary.signals += 1;
      if (escalated) summary.escalated += 1;
      const month = day.slice(0, 7);
      summary.signalsByMonth[month] = (summary.signalsByMonth[month] ?? 0) + 1;
    }
    const failed = day === SEED_FAILED_CHECK_DAY;
    if (day === SEED_SET_ASIDE_DAY) {
      firstCounts.messages += 1;
      firstCounts.setAside = 1;
      firstCounts.alertsSent = 1;
      firstCounts.setAsideReasons = { 'not-a-signal': 1 };
    }
    entries.push(
      checkEntry(
        first,
        firstCounts,
        failed ? 'failed' : 'ok',
        800 + Math.round(next() * 900),
        undefined,
        failed ? 'ETIMEDOUT' : undefined,
      ),
    );
    entries.push(
      checkEntry(second, hasSignal ? laterCounts : emptyCounts(), 'ok', 600 + Math.round(next() * 600)),
    );
    entries.push(checkEntry(third, emptyCounts(), 'ok', 500 + Math.round(next() * 500)));
    summary.checks += 3;
  }
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const entry of entries) append(entry);
  return summary;
}
