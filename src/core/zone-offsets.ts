/**
 * Local wall-clock parts of an instant in an IANA time zone, as ICU (Intl.DateTimeFormat) gives
 * them. The first date formatter of a process costs about 20 ms (ICU loads its locale and
 * calendar data), a tenth of an empty check; spans of instants over which a zone keeps one UTC
 * offset, made by ICU in an earlier run and handed back (adapters/zone-spans.ts), turn the
 * answer into arithmetic. Within a span the answer is the one ICU gives; outside every span,
 * ICU is asked.
 */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Instants from `from` (inclusive) to `to` (exclusive), in ms, at one offset from UTC. */
export interface OffsetSpan {
  from: number;
  to: number;
  offsetMs: number;
}

/**
 * One formatter per timezone for the life of the process: building an Intl.DateTimeFormat costs
 * far more than using one, and the daemon asks for local parts many times per check time.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
const known = new Map<string, OffsetSpan[]>();
const used = new Set<string>();

function format(timezone: string): Intl.DateTimeFormat {
  let found = formats.get(timezone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timezone, found);
  }
  return found;
}

function icuParts(at: number, timezone: string): LocalParts {
  const parts = format(timezone).formatToParts(at);
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The offset of `timezone` from UTC at instant `at`, in whole seconds (as ms), from ICU. */
function icuOffset(at: number, timezone: string): number {
  const p = icuParts(at, timezone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

function spanAt(t: number, timezone: string): OffsetSpan | undefined {
  return known.get(timezone)?.find((s) => s.from <= t && t < s.to);
}

/**
 * The offset of `timezone` from UTC at instant `at`, in whole seconds (as ms): from a span when
 * one covers it, else from ICU.
 */
export function offsetAt(at: number, timezone: string): number {
  used.add(timezone);
  return spanAt(at, timezone)?.offsetMs ?? icuOffset(at, timezone);
}

export function localParts(at: Date, timezone: string): LocalParts {
  used.add(timezone);
  const t = at.getTime();
  const span = spanAt(t, timezone);
  if (span === undefined) return icuParts(t, timezone);
  const local = new Date(t + span.offsetMs);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/** Hands spans made by offsetSpans (in an earlier run) to localParts. */
export function rememberOffsetSpans(timezone: string, spans: OffsetSpan[]): void {
  known.set(timezone, spans);
}

/** The spans localParts knows for `timezone`, if any. */
export function knownOffsetSpans(timezone: string): readonly OffsetSpan[] | undefined {
  return known.get(timezone);
}

/** The time zones localParts was asked about in this process. */
export function zonesInUse(): string[] {
  return [...used];
}

const HOUR = 3_600_000;
/** No zone in the time zone database changed its offset twice within 6 hours. */
const STEP = 6 * HOUR;

/**
 * Spans that tile [from, to) (both whole seconds), each at one offset, from ICU: stepped through
 * in 6-hour steps, each change found to the second by bisection.
 */
export function offsetSpans(timezone: string, from: number, to: number): OffsetSpan[] {
  const start = Math.floor(from / 1000) * 1000;
  const end = Math.floor(to / 1000) * 1000;
  const spans: OffsetSpan[] = [];
  let spanFrom = start;
  let offset = icuOffset(start, timezone);
  let at = start;
  while (at < end) {
    const next = Math.min(at + STEP, end);
    if (icuOffset(next, timezone) === offset) {
      at = next;
      continue;
    }
    // The first second in (at, next] at another offset; the walk goes on from there.
    let lo = at;
    let hi = next;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (icuOffset(mid, timezone) === offset) lo = mid;
      else hi = mid;
    }
    spans.push({ from: spanFrom, to: hi, offsetMs: offset });
    spanFrom = hi;
    offset = icuOffset(hi, timezone);
    at = hi;
  }
  spans.push({ from: spanFrom, to: end, offsetMs: offset });
  return spans;
}
