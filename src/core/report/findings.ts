import type { AuditRow } from '../ports.js';
import {
  addDays,
  deadlineFor,
  isSchoolDay,
  localDate,
  zonedInstant,
  type CheckSchedule,
} from '../schedule.js';
import { isConfirmation, isHandledSignal, num } from './summary.js';

/**
 * What the report says about the core promise, from the audit rows and the settings in force:
 * was each signal with a person before lessons, which mornings had no successful check by the
 * deadline, and what was set aside for a person.
 */

export interface ReportSettings {
  /** Check times, school days, timezone and calendar, as the check uses them. */
  schedule: CheckSchedule;
  /** HH:MM: by when a person must know of a signal, on a school day. */
  deadline: string;
  escalateAfterMinutes: number;
  purgeAfterMinutes: number;
  notify: 'both' | 'escalate';
}

/**
 * - on-time: a contact confirmed before the deadline of the morning after receipt.
 * - late: a contact confirmed, but after that deadline.
 * - unconfirmed: purged without a confirmation (a confirmation that came after the purge does
 *   not make it on time: it is not linked to this signal, and the signal was gone by then).
 * - sent: `notify: both`, where no confirmation is asked; on time when it was handled by then.
 */
export type SignalStatus = 'on-time' | 'late' | 'unconfirmed' | 'sent-on-time' | 'sent-late';

export interface SignalFinding {
  row: AuditRow;
  receivedAt: Date;
  deadline: Date;
  status: SignalStatus;
  confirmedBy: 'primary' | 'backup' | 'none';
  minutesToConfirm?: number;
  escalated: boolean;
}

export function signalFinding(row: AuditRow, settings: ReportSettings): SignalFinding {
  const purgedAt = new Date(row.at);
  const receivedAt = new Date(purgedAt.getTime() - (num(row.data.minutesToPurge) ?? 0) * 60_000);
  const deadline = deadlineFor(receivedAt, settings.schedule, settings.deadline);
  const by = row.data.confirmedBy;
  const confirmedBy = by === 'primary' || by === 'backup' ? by : 'none';
  const minutes = num(row.data.minutesToConfirm);
  let status: SignalStatus;
  if (confirmedBy !== 'none' && minutes !== undefined) {
    status = receivedAt.getTime() + minutes * 60_000 <= deadline.getTime() ? 'on-time' : 'late';
  } else if (row.data.purgeReason === 'handled') {
    status = purgedAt.getTime() <= deadline.getTime() ? 'sent-on-time' : 'sent-late';
  } else {
    status = 'unconfirmed';
  }
  return {
    row,
    receivedAt,
    deadline,
    status,
    confirmedBy,
    ...(minutes !== undefined && confirmedBy !== 'none' ? { minutesToConfirm: minutes } : {}),
    escalated: row.data.escalated === true,
  };
}

export interface FailedCheck {
  at: Date;
  /** The safe error code of the row, or undefined for rows written before codes were recorded. */
  code?: string;
}

export interface FailedMorning {
  /** Local ISO date. */
  date: string;
  failedChecks: number;
  /** Whether the dead-man alarm went out that day, and if it could be sent. */
  alarm?: 'sent' | 'failed';
  /** No check or alarm was recorded that school day, not even a failed one. */
  noCheck?: true;
}

/**
 * Which days the report covers, to find the school days on which no check ran: those leave no
 * row, so only the calendar shows them. Counted from the later of `from` and the day the log
 * begins (before it, hwc was not running yet), up to the earlier of `to` and the last day whose
 * deadline has passed at `now`.
 */
export interface ReportSpan {
  /** ISO dates, inclusive; absent for "from the log's beginning" and "up to now". */
  from?: string;
  to?: string;
  /** When the first row of the whole log was written; without it no day can be missed. */
  logBegins?: Date;
  now: Date;
}

export interface SetAsideFindings {
  setAside: number;
  alertsSent: number;
  needsReview: number;
  /** Per reason (the fixed codes of SetAsideReason), summed over the check rows. */
  reasons: Record<string, number>;
}

export interface Findings {
  signals: SignalFinding[];
  failedChecks: FailedCheck[];
  failedMornings: FailedMorning[];
  setAside: SetAsideFindings;
  /** Confirmations that came after the signal was purged unconfirmed: counted, never on time. */
  lateConfirmations: number;
}

/**
 * School days on which the log shows activity (a check or an alarm) but no successful check before
 * the deadline; with a span, also the school days in it without any row (`noCheck`), in date order.
 */
export function failedMornings(
  rows: AuditRow[],
  settings: ReportSettings,
  span?: ReportSpan,
): FailedMorning[] {
  const failed = mornings(rows, settings);
  if (!span) return failed;
  const missed = missedMornings(rows, settings, span).map((date): FailedMorning => ({
    date,
    failedChecks: 0,
    noCheck: true,
  }));
  return [...failed, ...missed].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The school days of the span on which not one check or alarm row was written. */
export function missedMornings(
  rows: AuditRow[],
  settings: Pick<ReportSettings, 'schedule' | 'deadline'>,
  span: ReportSpan,
): string[] {
  const { timezone } = settings.schedule;
  if (!span.logBegins) return [];
  const began = localDate(span.logBegins, timezone);
  const from = span.from && span.from > began ? span.from : began;
  const today = localDate(span.now, timezone);
  const lastDone =
    span.now.getTime() >= zonedInstant(today, settings.deadline, timezone).getTime()
      ? today
      : addDays(today, -1);
  const to = span.to && span.to < lastDone ? span.to : lastDone;
  const ran = new Set(
    rows
      .filter((row) => row.type === 'check' || row.type === 'alarm')
      .map((row) => localDate(new Date(row.at), timezone)),
  );
  const out: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    if (isSchoolDay(day, settings.schedule) && !ran.has(day)) out.push(day);
  }
  return out;
}

function mornings(rows: AuditRow[], settings: ReportSettings): FailedMorning[] {
  const { timezone } = settings.schedule;
  const byDay = new Map<string, AuditRow[]>();
  for (const row of rows) {
    if (row.type !== 'check' && row.type !== 'alarm') continue;
    const day = localDate(new Date(row.at), timezone);
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }
  const out: FailedMorning[] = [];
  for (const [date, list] of [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!isSchoolDay(date, settings.schedule)) continue;
    const deadline = zonedInstant(date, settings.deadline, timezone).getTime();
    const succeeded = list.some(
      (row) => row.type === 'check' && row.data.outcome === 'ok' && Date.parse(row.at) < deadline,
    );
    const alarms = list.filter((row) => row.type === 'alarm');
    if (succeeded && alarms.length === 0) continue;
    const alarm = alarms.some((row) => row.data.outcome === 'sent')
      ? 'sent'
      : alarms.length > 0
        ? 'failed'
        : undefined;
    out.push({
      date,
      failedChecks: list.filter((row) => row.type === 'check' && row.data.outcome === 'failed').length,
      ...(alarm ? { alarm } : {}),
    });
  }
  return out;
}

/** `reason:n,reason:n` as checkEntry writes it; anything else in the field is ignored. */
function addReasons(into: Record<string, number>, value: unknown): void {
  if (typeof value !== 'string') return;
  for (const part of value.split(',')) {
    const match = /^([a-z-]+):(\d+)$/.exec(part);
    if (match) into[match[1] as string] = (into[match[1] as string] ?? 0) + Number(match[2]);
  }
}

function setAsideOf(rows: AuditRow[]): SetAsideFindings {
  const out: SetAsideFindings = { setAside: 0, alertsSent: 0, needsReview: 0, reasons: {} };
  for (const row of rows) {
    if (row.type !== 'check') continue;
    out.setAside += num(row.data.setAside) ?? 0;
    out.alertsSent += num(row.data.alertsSent) ?? 0;
    out.needsReview += num(row.data.needsReview) ?? 0;
    addReasons(out.reasons, row.data.setAsideReasons);
  }
  return out;
}

/** With a span, the school days on which no check ran count among the failed mornings. */
export function findingsOf(rows: AuditRow[], settings: ReportSettings, span?: ReportSpan): Findings {
  return {
    signals: rows.filter(isHandledSignal).map((row) => signalFinding(row, settings)),
    failedChecks: rows
      .filter((row) => row.type === 'check' && row.data.outcome === 'failed')
      .map((row) => ({
        at: new Date(row.at),
        ...(typeof row.data.error === 'string' ? { code: row.data.error } : {}),
      })),
    failedMornings: failedMornings(rows, settings, span),
    setAside: setAsideOf(rows),
    lateConfirmations: rows.filter((row) => isConfirmation(row) && row.data.afterPurge === true).length,
  };
}
