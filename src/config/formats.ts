/**
 * The value formats of the configuration file (addresses, dates, durations, sizes, times), as
 * pure functions that return undefined for a text that is not such a value.
 */
import type { DateRange, MailAddress } from './types.js';

/** Loose but useful: one @, no spaces or brackets, and a dot inside the domain. */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@<>()[\]\\,;:"]+@(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]+$/.test(text);
}

export function isDomain(text: string): boolean {
  return /^(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]+$/.test(text);
}

export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * `2026-12-01` or `2026-12-07..2026-12-11` → the first and last day, inclusive; `from` may come
 * after `to`, so that the caller can say to swap them.
 */
export function splitDateRange(text: string): DateRange | undefined {
  const parts = text.trim().split('..');
  const [from, to = from] = parts;
  if (parts.length > 2 || from === undefined || to === undefined) return undefined;
  if (!isIsoDate(from.trim()) || !isIsoDate(to.trim())) return undefined;
  return { from: from.trim(), to: to.trim() };
}

/** `20m`, `90s`, `1h30m` → milliseconds; undefined if the text is not such a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.replace(/\s+/g, ''));
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** `730d`, `2y`, `1y30d` → days (a year counts as 365 days). */
export function parseDurationDays(text: string): number | undefined {
  const m = /^(?:(\d+)y)?(?:(\d+)d)?$/.exec(text.replace(/\s+/g, ''));
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 365 + Number(m[2] ?? 0);
}

/** `5MB`, `500KB`, `1.5 MB`, `2048` → bytes; binary units (1 KB = 1024 bytes). */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.round(Number(m[1]) * factor);
}

/** `7:05` or `07:05` → `07:05`. */
export function parseClockTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (h > 23 || min > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/** `Name <addr>`, `"Name" <addr>`, `<addr>` or `addr`. */
export function parseMailAddress(text: string): MailAddress | undefined {
  const m = /^(?:(.*?)\s*<([^<>]*)>|([^<>]*))$/.exec(text.trim());
  if (!m) return undefined;
  const address = (m[2] ?? m[3] ?? '').trim();
  if (!isEmailAddress(address)) return undefined;
  const name = (m[1] ?? '')
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim();
  return name === '' ? { address } : { name, address };
}
