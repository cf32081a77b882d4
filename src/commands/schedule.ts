import type { Config, ResolvedConfig } from '../config/types.js';
import {
  closedReason,
  holidayDataUntil,
  holidayGaps,
  schoolHolidayOn,
  type SchoolCalendar,
} from '../core/holidays-nl.js';
import {
  addDays,
  localDate,
  nextChecks,
  weekdayOf,
  zonedInstant,
  type CheckSchedule,
} from '../core/schedule.js';
import { loadConfigForCommand } from './config.js';
import { EXIT, type Io } from './io.js';

export function calendarOf(config: Config | ResolvedConfig): SchoolCalendar {
  const holidays = config.schedule.holidays;
  return {
    ...(holidays?.region ? { region: holidays.region } : {}),
    closed: holidays?.closed ?? [],
    ...(holidays?.open ? { open: holidays.open } : {}),
  };
}

/** The schedule as the daemon, the check and `hwc schedule` see it: weekdays, times and the calendar. */
export function checkScheduleOf(config: Config | ResolvedConfig): CheckSchedule {
  const calendar = calendarOf(config);
  return {
    checks: config.schedule.checks,
    days: config.schedule.days,
    timezone: config.timezone,
    closed: (isoDate) => closedReason(isoDate, calendar) !== undefined,
    closedDays: config.schedule.closedDays ?? 'acknowledge',
  };
}

const COUNT = 10;

function dayLabel(isoDate: string): string {
  const day = weekdayOf(isoDate);
  return `${isoDate} ${day.charAt(0).toUpperCase()}${day.slice(1)}`;
}

function clock(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/**
 * `hwc schedule`: the next checks in the school's timezone, and why school days in between are
 * skipped, so that a person can see that the calendar is right before the holidays come.
 */
export async function commandSchedule(
  configPath: string,
  options: { from?: string; now: Date },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const schedule = checkScheduleOf(config);
  const calendar = calendarOf(config);
  const tz = config.timezone;
  // --from DATE: as if it were just before midnight at the start of that date.
  const start = options.from ? new Date(zonedInstant(options.from, '00:00', tz).getTime() - 1) : options.now;
  const checks = nextChecks(start, schedule, COUNT);
  const closedDays = schedule.closedDays ?? 'acknowledge';
  const lines = [
    `Next ${COUNT} checks for ${config.school} (timezone ${tz}, region ${calendar.region ?? 'none'}, closed days: ${closedDays}):`,
  ];
  let day = localDate(start, tz);
  const sources = new Set<string>();
  // The source of a school holiday from the table, when that holiday is the reason shown.
  const noteSource = (isoDate: string, reason: string): void => {
    const region = calendar.region;
    const holiday = region === undefined ? undefined : schoolHolidayOn(isoDate, region);
    if (holiday && reason === `${holiday.name} (${region})`) sources.add(holiday.source);
  };
  let skipped: { from: string; to: string; reason: string } | undefined;
  const flush = (): void => {
    if (!skipped) return;
    const span =
      skipped.from === skipped.to
        ? dayLabel(skipped.from)
        : `${dayLabel(skipped.from)} to ${dayLabel(skipped.to)}`;
    lines.push(`  skipped ${span}: ${skipped.reason}`);
    skipped = undefined;
  };
  for (const at of checks) {
    const checkDay = localDate(at, tz);
    // School days (in schedule.days) between the previous check and this one that have no check.
    for (; day < checkDay; day = addDays(day, 1)) {
      if (!schedule.days.includes(weekdayOf(day))) continue;
      const reason = closedReason(day, calendar);
      if (reason === undefined) continue;
      noteSource(day, reason);
      if (skipped && skipped.reason === reason) skipped.to = day;
      else {
        flush();
        skipped = { from: day, to: day, reason };
      }
    }
    flush();
    const reason = closedReason(checkDay, calendar);
    if (reason !== undefined) noteSource(checkDay, reason);
    const note = reason ? `  (${reason}: one check to pass on and acknowledge signals)` : '';
    lines.push(`  ${dayLabel(checkDay)} ${clock(at, tz)}${note}`);
    day = addDays(checkDay, 1);
  }
  const lastDay = checks.length > 0 ? localDate(checks[checks.length - 1] as Date, tz) : undefined;
  if (calendar.region === undefined) {
    lines.push(
      'note: no schedule.holidays.region is set, so only public holidays and schedule.holidays.closed are skipped',
    );
  } else {
    for (const gap of holidayGaps(calendar.region, localDate(start, tz), lastDay ?? localDate(start, tz))) {
      lines.push(
        `note: the ${gap.name} of region ${calendar.region} is not built in (${gap.why}; it falls between ${gap.from} and ${gap.to}); add it under schedule.holidays.closed`,
      );
    }
    const until = holidayDataUntil(calendar.region);
    if (until === undefined || (lastDay !== undefined && lastDay > until)) {
      lines.push(
        `note: the built-in school holidays for region ${calendar.region} end ${until ?? 'before this date'}; add later holidays under schedule.holidays.closed`,
      );
    }
  }
  if (sources.size > 0) lines.push(`school holidays from: ${[...sources].join('; ')}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
