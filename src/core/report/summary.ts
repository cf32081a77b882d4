import type { AuditRow } from '../ports.js';
import { localDate } from '../schedule.js';

/**
 * What the audit report says, as data: per month and in total, checks, signals, purges,
 * confirmations and escalations, taken from the audit rows only.
 */

export interface ReportPeriod {
  /** ISO date, inclusive; absent for "from the first row". */
  from?: string;
  /** ISO date, inclusive; absent for "up to the last row". */
  to?: string;
}

export type Basis = 'confirmation' | 'purge' | 'none';

export interface MonthSummary {
  /** YYYY-MM in the school's timezone. */
  month: string;
  checks: number;
  failedChecks: number;
  signals: number;
  purgeVerified: number;
  purgeNotVerified: number;
  confirmations: number;
  confirmedByPrimary: number;
  confirmedByBackup: number;
  escalated: number;
  /** How quickly a signal reached a person: by confirmation when recorded, else by purge. */
  reach: { basis: Basis; median?: number; worst?: number; samples: number };
}

/** A row written when a signal was finished and purged (one per signal). */
export function isHandledSignal(row: AuditRow): boolean {
  return row.type === 'signal' && (row.data.event === undefined || row.data.event === 'purged');
}

/** A row written when a contact confirmed a signal (one per confirmed signal). */
export function isConfirmation(row: AuditRow): boolean {
  return row.type === 'signal' && row.data.event === 'confirmed';
}

export const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[mid - 1] as number) + upper) / 2);
}

function monthOf(iso: string, timezone: string): string {
  return localDate(new Date(iso), timezone).slice(0, 7);
}

function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [year, month] = first.split('-').map(Number) as [number, number];
  const [lastYear, lastMonth] = last.split('-').map(Number) as [number, number];
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    out.push(`${year}-${String(month).padStart(2, '0')}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return out;
}

/**
 * Per month: checks, signals, purges, confirmations, escalations and how quickly signals reached
 * a person. Each confirmation is counted from its own row (event 'confirmed'), because a signal can
 * be confirmed after it was purged; only a log without such rows falls back to the minutesToConfirm
 * of the purge rows, so that no confirmation is counted twice. Escalations are counted from rows
 * with `escalated: true` other than confirmation rows.
 */
export function summariseMonths(
  rows: AuditRow[],
  timezone: string,
  period: ReportPeriod = {},
): MonthSummary[] {
  const firstRow = rows[0];
  const lastRow = rows[rows.length - 1];
  const first = period.from?.slice(0, 7) ?? (firstRow ? monthOf(firstRow.at, timezone) : undefined);
  const last = period.to?.slice(0, 7) ?? (lastRow ? monthOf(lastRow.at, timezone) : undefined);
  if (!first || !last) return [];
  const confirmedIn = rows.some(isConfirmation)
    ? isConfirmation
    : (row: AuditRow) => isHandledSignal(row) && num(row.data.minutesToConfirm) !== undefined;
  const byMonth = new Map<string, AuditRow[]>();
  for (const row of rows) {
    const month = monthOf(row.at, timezone);
    byMonth.set(month, [...(byMonth.get(month) ?? []), row]);
  }
  return monthsBetween(first, last).map((month) => {
    const list = byMonth.get(month) ?? [];
    const checks = list.filter((row) => row.type === 'check');
    const handled = list.filter(isHandledSignal);
    const confirmations = list.filter(confirmedIn);
    const confirmMinutes = confirmations
      .map((row) => num(row.data.minutesToConfirm))
      .filter((n): n is number => n !== undefined);
    const purgeMinutes = handled
      .map((row) => num(row.data.minutesToPurge))
      .filter((n): n is number => n !== undefined);
    const [basis, samples]: [Basis, number[]] =
      confirmMinutes.length > 0
        ? ['confirmation', confirmMinutes]
        : purgeMinutes.length > 0
          ? ['purge', purgeMinutes]
          : ['none', []];
    const med = median(samples);
    return {
      month,
      checks: checks.length,
      failedChecks: checks.filter((row) => row.data.outcome === 'failed').length,
      signals: handled.length,
      purgeVerified: handled.filter((row) => row.data.purgeVerified === true).length,
      purgeNotVerified: handled.filter((row) => row.data.purgeVerified !== true).length,
      confirmations: confirmations.length,
      confirmedByPrimary: confirmations.filter((row) => row.data.confirmedBy === 'primary').length,
      confirmedByBackup: confirmations.filter((row) => row.data.confirmedBy === 'backup').length,
      escalated: list.filter(
        (row) => row.type === 'signal' && !isConfirmation(row) && row.data.escalated === true,
      ).length,
      reach: {
        basis,
        samples: samples.length,
        ...(med === undefined ? {} : { median: med, worst: Math.max(...samples) }),
      },
    };
  });
}

export interface ReportTotals {
  checks: number;
  failed: number;
  signals: number;
  verified: number;
  confirmations: number;
  escalated: number;
}

export interface ReportSummary {
  months: MonthSummary[];
  totals: ReportTotals;
  /** The handled-signal rows, one per signal, in id order. */
  handled: AuditRow[];
  /** The rows that record a prune under the retention period. */
  prunes: AuditRow[];
  /** Whether some month measured reach by purge, for lack of a recorded confirmation. */
  anyPurgeBasis: boolean;
  /** The first and last day covered (ISO dates); undefined for an empty log without a period. */
  days?: { from: string; to: string };
}

function totalsOf(months: MonthSummary[]): ReportTotals {
  return months.reduce(
    (sum, m) => ({
      checks: sum.checks + m.checks,
      failed: sum.failed + m.failedChecks,
      signals: sum.signals + m.signals,
      verified: sum.verified + m.purgeVerified,
      confirmations: sum.confirmations + m.confirmations,
      escalated: sum.escalated + m.escalated,
    }),
    { checks: 0, failed: 0, signals: 0, verified: 0, confirmations: 0, escalated: 0 },
  );
}

/** The period as given, completed from the first and last row where it is open. */
function daysCovered(period: ReportPeriod, rows: AuditRow[], timezone: string): ReportSummary['days'] {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const from = period.from ?? (first ? localDate(new Date(first.at), timezone) : undefined);
  const to = period.to ?? (last ? localDate(new Date(last.at), timezone) : undefined);
  return from && to ? { from, to } : undefined;
}

export function summariseReport(rows: AuditRow[], timezone: string, period: ReportPeriod): ReportSummary {
  const months = summariseMonths(rows, timezone, period);
  const days = daysCovered(period, rows, timezone);
  return {
    months,
    totals: totalsOf(months),
    handled: rows.filter(isHandledSignal),
    prunes: rows.filter((row) => row.type === 'prune'),
    anyPurgeBasis: months.some((m) => m.reach.basis === 'purge'),
    ...(days ? { days } : {}),
  };
}
