import { localDate, weekdayOf } from './schedule.js';
import { count, DUTCH_WEEKDAYS } from './dutch.js';

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

/** One school of a config directory as the process's STATUS= line counts it. */
export interface BoardSchoolStatus {
  timezone: string;
  /** `starting` until its daemon runs; `ended` once its daemon stopped or could not start. */
  state: 'starting' | 'running' | 'ended';
  next?: Date;
  last?: { at: Date; ok: boolean };
}

/** The school whose `pick` is earliest (`sign` 1) or latest (`sign` -1), with that instant. */
function extreme(
  schools: readonly BoardSchoolStatus[],
  pick: (school: BoardSchoolStatus) => Date | undefined,
  sign: 1 | -1,
): { at: Date; timezone: string } | undefined {
  let best: { at: Date; timezone: string } | undefined;
  for (const school of schools) {
    const at = pick(school);
    if (at && (!best || sign * (at.getTime() - best.at.getTime()) < 0))
      best = { at, timezone: school.timezone };
  }
  return best;
}

/**
 * The one STATUS= line of `hwc run --config-dir`, for the whole directory: "20 scholen; volgende
 * controle 07:00; laatste controle 06:45: 19 ok, 1 mislukt". The next check is the earliest of the
 * running schools', the last the latest; the counts are of each running school's own last check.
 * A school whose daemon does not run is counted apart ("1 school draait niet"). Counts only.
 */
export function boardStatusLine(now: Date, schools: readonly BoardSchoolStatus[]): string {
  const running = schools.filter((school) => school.state !== 'ended');
  const next = extreme(running, (school) => school.next, 1);
  const last = extreme(running, (school) => school.last?.at, -1);
  const parts = [count(schools.length, 'school', 'scholen')];
  parts.push(next ? `volgende controle ${when(next.at, now, next.timezone)}` : 'geen controle gepland');
  if (last) {
    const ok = running.filter((school) => school.last?.ok === true).length;
    const failed = running.filter((school) => school.last?.ok === false).length;
    const none = running.length - ok - failed;
    const counts = [
      ...(ok > 0 ? [`${ok} ok`] : []),
      ...(failed > 0 ? [`${failed} mislukt`] : []),
      ...(none > 0 ? [`${none} nog niet gecontroleerd`] : []),
    ];
    parts.push(`laatste controle ${when(last.at, now, last.timezone)}: ${counts.join(', ')}`);
  } else {
    parts.push('nog geen controle gedaan');
  }
  const ended = schools.length - running.length;
  if (ended > 0) parts.push(ended === 1 ? '1 school draait niet' : `${ended} scholen draaien niet`);
  return parts.join('; ');
}
