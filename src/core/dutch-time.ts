import { DUTCH_MONTHS } from './dutch.js';

/**
 * Times for people, in the school's timezone: "vandaag om 07:05", "gisteren om 18:58",
 * "vrijdag 27 november om 18:58". Pure: the moment a text is read from is an argument.
 */

const parts = (at: Date, timezone: string): { date: string; time: string; weekday: string } => {
  const date = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
  const time = new Intl.DateTimeFormat('nl-NL', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  const weekday = new Intl.DateTimeFormat('nl-NL', { timeZone: timezone, weekday: 'long' }).format(at);
  return { date, time, weekday };
};

const dayNumber = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000;

/** "07:05", in the school's timezone. */
export function formatClock(at: Date, timezone: string): string {
  return parts(at, timezone).time;
}

/** "vandaag", "gisteren", "morgen", or "vrijdag 27 november", as seen from `now`. */
export function formatDay(at: Date, now: Date, timezone: string): string {
  const here = parts(at, timezone);
  const offset = dayNumber(here.date) - dayNumber(parts(now, timezone).date);
  if (offset === 0) return 'vandaag';
  if (offset === -1) return 'gisteren';
  if (offset === 1) return 'morgen';
  const [year, month, day] = here.date.split('-').map(Number) as [number, number, number];
  const sameYear = here.date.slice(0, 4) === parts(now, timezone).date.slice(0, 4);
  return `${here.weekday} ${day} ${DUTCH_MONTHS[month - 1] ?? ''}${sameYear ? '' : ` ${year}`}`;
}

/** "vandaag om 07:05", "gisteren om 18:58", "vrijdag 27 november om 18:58". */
export function formatWhen(at: Date, now: Date, timezone: string): string {
  return `${formatDay(at, now, timezone)} om ${formatClock(at, timezone)}`;
}

/** "07:22" on the day of `now`, else as formatWhen ("morgen om 07:22"): for times close by. */
export function formatSoon(at: Date, now: Date, timezone: string): string {
  return formatDay(at, now, timezone) === 'vandaag'
    ? formatClock(at, timezone)
    : formatWhen(at, now, timezone);
}

/** Two moments read the same to a person when they fall in the same minute of the same day. */
export function sameMinute(a: Date, b: Date, timezone: string): boolean {
  const pa = parts(a, timezone);
  const pb = parts(b, timezone);
  return pa.date === pb.date && pa.time === pb.time;
}

/** ISO 2015-09-04 becomes "4 september 2015": a month in words cannot be misread as day or month. */
export function formatBirthDateWords(iso: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return undefined;
  const [, year, month, day] = match;
  const name = DUTCH_MONTHS[Number(month) - 1];
  return name ? `${Number(day)} ${name} ${year}` : undefined;
}
