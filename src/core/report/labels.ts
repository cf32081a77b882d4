import { DUTCH_MONTHS } from '../dutch.js';

/** Dutch labels for the report's months, days, times and durations, as plain text. */

const WEEKDAYS: Record<string, string> = {
  Mon: 'ma',
  Tue: 'di',
  Wed: 'wo',
  Thu: 'do',
  Fri: 'vr',
  Sat: 'za',
  Sun: 'zo',
};

export function monthLabel(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return `${DUTCH_MONTHS[m - 1] ?? '?'} ${year}`;
}

export function dayLabel(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return `${day} ${DUTCH_MONTHS[month - 1] ?? '?'} ${year}`;
}

/** "di 25-11-2026 07:02" in the school's timezone. */
export function dateTimeLabel(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string): string => parts.find((part) => part.type === type)?.value ?? '';
  const weekday = WEEKDAYS[get('weekday')] ?? get('weekday');
  return `${weekday} ${get('day')}-${get('month')}-${get('year')} ${get('hour')}:${get('minute')}`;
}

/** 0 → "minder dan 1 min", 95 → "1 uur 35 min", 4000 → "2 dagen 18 uur". */
export function durationLabel(minutes: number): string {
  if (minutes < 1) return 'minder dan 1 min';
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 24 * 60) {
    const hours = Math.floor(minutes / 60);
    const rest = Math.round(minutes % 60);
    return rest === 0 ? `${hours} uur` : `${hours} uur ${rest} min`;
  }
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.round((minutes % (24 * 60)) / 60);
  const dayText = days === 1 ? '1 dag' : `${days} dagen`;
  return hours === 0 ? dayText : `${dayText} ${hours} uur`;
}

/** "1 augustus 2025 t/m 31 juli 2026". */
export function periodLabel(days: { from: string; to: string } | undefined): string {
  if (!days) return 'het hele logboek (nog leeg)';
  return `${dayLabel(days.from)} t/m ${dayLabel(days.to)}`;
}

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A CSS string literal whose every character outside [A-Za-z0-9 ] is a hex escape: nothing can end it. */
export function cssString(value: string): string {
  const body = [...value]
    .map((ch) => (/[A-Za-z0-9 ]/.test(ch) ? ch : `\\${(ch.codePointAt(0) ?? 32).toString(16)} `))
    .join('');
  return `"${body}"`;
}

/** "07:02" in the school's timezone. */
export function timeLabel(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}
