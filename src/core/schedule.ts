/**
 * School-day arithmetic in the school's timezone, with the instant passed in. Wall-clock times
 * such as 07:00 are turned into instants per day, so that the switch to and from summer time
 * (the last Sunday of March and of October in Europe/Amsterdam) moves nothing.
 */

import type { DateRange, Weekday } from './vocabulary.js';
import { localParts, offsetAt } from './zone-offsets.js';

export type ClosedDays = 'acknowledge' | 'ignore';

export interface CheckSchedule {
  checks: string[];
  days: Weekday[];
  timezone: string;
  /** Whether the school is closed on a local date (a holiday); absent: every day in `days` is a school day. */
  closed?: (isoDate: string) => boolean;
  /**
   * What happens on a closed day that falls on one of `days`: `acknowledge` (the default) runs one
   * check at the first check time, so that a signal is still passed on and acknowledged the same
   * day; `ignore` runs none until the next school day.
   */
  closedDays?: ClosedDays;
}

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * The instant at which the wall clock in `timezone` shows this date and time. A time that does
 * not exist (02:30 on the day summer time starts) falls an hour later, as a wall clock would.
 */
export function zonedInstant(isoDate: string, time: string, timezone: string): Date {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offsetAt(wall, timezone);
  instant = wall - offsetAt(instant, timezone);
  return new Date(instant);
}

/** YYYY-MM-DD of `at` in `timezone`. */
export function localDate(at: Date, timezone: string): string {
  const p = localParts(at, timezone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

export function weekdayOf(isoDate: string): Weekday {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()] as Weekday;
}

export function addDays(isoDate: string, days: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** A day in `days` on which the school is open. */
export function isSchoolDay(isoDate: string, schedule: CheckSchedule): boolean {
  return schedule.days.includes(weekdayOf(isoDate)) && !(schedule.closed?.(isoDate) ?? false);
}

/**
 * The scheduled check instants of one local date: all check times on a school day, only the first
 * on a closed day with `closedDays: acknowledge`, none otherwise.
 */
export function checksOn(isoDate: string, schedule: CheckSchedule): Date[] {
  if (!schedule.days.includes(weekdayOf(isoDate))) return [];
  const times = [...schedule.checks].sort();
  const open = isSchoolDay(isoDate, schedule);
  const chosen = open
    ? times
    : (schedule.closedDays ?? 'acknowledge') === 'acknowledge'
      ? times.slice(0, 1)
      : [];
  return chosen.map((time) => zonedInstant(isoDate, time, schedule.timezone));
}

/**
 * Whether the node-cron task for `time` should run a check on this local date: node-cron knows the
 * weekdays but not the school's holidays, so its callback asks this.
 */
export function isCheckScheduled(isoDate: string, time: string, schedule: CheckSchedule): boolean {
  const at = zonedInstant(isoDate, time, schedule.timezone).getTime();
  return checksOn(isoDate, schedule).some((instant) => instant.getTime() === at);
}

/** The most recent scheduled check at or before `now`, looking back at most two weeks. */
export function lastScheduledCheck(now: Date, schedule: CheckSchedule): Date | undefined {
  const today = localDate(now, schedule.timezone);
  for (let back = 0; back <= 14; back += 1) {
    const due = checksOn(addDays(today, -back), schedule).filter((at) => at.getTime() <= now.getTime());
    const last = due[due.length - 1];
    if (last) return last;
  }
  return undefined;
}

/** The next `count` scheduled checks after `now`. */
export function nextChecks(now: Date, schedule: CheckSchedule, count: number): Date[] {
  const out: Date[] = [];
  const today = localDate(now, schedule.timezone);
  for (let ahead = 0; out.length < count && ahead < 366; ahead += 1) {
    for (const at of checksOn(addDays(today, ahead), schedule)) {
      if (at.getTime() > now.getTime() && out.length < count) out.push(at);
    }
  }
  return out;
}

/**
 * node-cron does not run what it missed while the process was down (the server rebooted at 06:55).
 * A check is owed when a scheduled one has passed since the last successful check.
 */
export function isCatchUpDue(now: Date, lastSuccess: Date | undefined, schedule: CheckSchedule): boolean {
  const last = lastScheduledCheck(now, schedule);
  if (!last) return false;
  return !lastSuccess || lastSuccess.getTime() < last.getTime();
}

/** A cron expression (minute hour * * days) for one HH:MM check; node-cron applies the timezone. */
export function cronExpression(time: string, days: Weekday[]): string {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return `${minute} ${hour} * * ${days.join(',')}`;
}

/** The first school-day deadline (e.g. 08:15) at or after `receivedAt`: the moment a person must have seen it. */
export function deadlineFor(receivedAt: Date, schedule: CheckSchedule, deadline: string): Date {
  const first = localDate(receivedAt, schedule.timezone);
  // Seven weeks: the longest summer holiday is six.
  for (let ahead = 0; ahead < 50; ahead += 1) {
    const day = addDays(first, ahead);
    if (!isSchoolDay(day, schedule)) continue;
    const instant = zonedInstant(day, deadline, schedule.timezone);
    if (instant.getTime() >= receivedAt.getTime()) return instant;
  }
  return zonedInstant(addDays(first, 1), deadline, schedule.timezone);
}

/** Whether an ISO date falls in one of the ranges (inclusive); ISO dates compare as strings. */
export function isWithin(isoDate: string, ranges: DateRange[]): boolean {
  return ranges.some((range) => range.from <= isoDate && isoDate <= range.to);
}

/**
 * The dead-man alarm is due on a school day when no check succeeded since the day's first
 * scheduled check, once the last scheduled check before the deadline has come (it failed, or it
 * is the caller that just failed), or at the latest at the deadline; only once that day.
 */
export function isDeadManDue(
  now: Date,
  lastSuccess: Date | undefined,
  schedule: CheckSchedule,
  deadline: string,
  alarmSentOn: string | undefined,
): boolean {
  const today = localDate(now, schedule.timezone);
  // No lessons, so no deadline: a closed day's single check (closedDays: acknowledge) raises no alarm.
  if (!isSchoolDay(today, schedule)) return false;
  const [firstCheck] = checksOn(today, schedule);
  if (!firstCheck || alarmSentOn === today) return false;
  const deadlineAt = zonedInstant(today, deadline, schedule.timezone).getTime();
  const morning = checksOn(today, schedule).filter((at) => at.getTime() <= deadlineAt);
  const lastMorningCheck = morning[morning.length - 1]?.getTime() ?? deadlineAt;
  if (now.getTime() < Math.min(lastMorningCheck, deadlineAt)) return false;
  return !lastSuccess || lastSuccess.getTime() < firstCheck.getTime();
}
