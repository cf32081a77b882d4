import { localDate, weekdayOf } from './schedule.js';
import { DUTCH_WEEKDAYS } from './dutch.js';

/**
 * The one-line status that `systemctl status hwc-watcher` shows (sd_notify(3) STATUS=), in Dutch
 * for the school's administrator: "volgende controle 07:00; laatste controle 06:45 ok". Times and
 * outcomes only, never anything about a signal.
 */
export interface ServiceStatusInput {
  now: Date;
  timezone: string;
  next?: Date;
  last?: { at: Date; ok: boolean };
}

function clockTime(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/** "07:00" today, "maandag 07:00" within the coming or past week, "2026-12-24 07:00" otherwise. */
function when(at: Date, now: Date, timezone: string): string {
  const day = localDate(at, timezone);
  const today = localDate(now, timezone);
  const time = clockTime(at, timezone);
  if (day === today) return time;
  const days = Math.abs(Date.parse(day) - Date.parse(today)) / 86_400_000;
  return days < 7 ? `${DUTCH_WEEKDAYS[weekdayOf(day)]} ${time}` : `${day} ${time}`;
}

export function serviceStatusLine(input: ServiceStatusInput): string {
  const next = input.next
    ? `volgende controle ${when(input.next, input.now, input.timezone)}`
    : 'geen controle gepland';
  const last = input.last
    ? `laatste controle ${when(input.last.at, input.now, input.timezone)} ${input.last.ok ? 'ok' : 'mislukt'}`
    : 'nog geen controle gedaan';
  return `${next}; ${last}`;
}
