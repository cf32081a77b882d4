import { describe, expect, it } from 'vitest';
import { localParts, offsetAt, offsetSpans, rememberOffsetSpans } from '../../src/core/zone-offsets.js';

const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

/** What ICU says, from a formatter of the test's own. */
function icu(at: number, timezone: string): Record<string, number> {
  const format =
    formats.get(timezone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  formats.set(timezone, format);
  const parts = format.formatToParts(at);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

// Summer time in both hemispheres, half-hour and 45-minute offsets, a half-hour summer shift.
const ZONES = [
  'Europe/Amsterdam',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'UTC',
];

describe('local time from remembered offset spans', () => {
  it('when spans made by ICU are remembered, then localParts gives what ICU gives, every 17 minutes over a year and at each change and the second before it', () => {
    const from = Date.UTC(2026, 8, 1);
    const to = from + 400 * DAY;
    for (const zone of ZONES) {
      const spans = offsetSpans(zone, from, to);
      rememberOffsetSpans(zone, spans);
      for (let at = from; at < to; at += 17 * 60_000 + 13_000) {
        expect(localParts(new Date(at), zone), `${zone} ${new Date(at).toISOString()}`).toEqual(
          icu(at, zone),
        );
      }
      for (const span of spans.slice(1)) {
        for (const at of [span.from - 1000, span.from - 1, span.from, span.from + 1]) {
          expect(localParts(new Date(at), zone), `${zone} ${new Date(at).toISOString()}`).toEqual(
            icu(at, zone),
          );
        }
      }
    }
  });

  it('when ICU is asked for the spans of a year, then they tile it without a gap, one per offset change (two a year in Amsterdam, none in UTC)', () => {
    const from = Date.UTC(2026, 8, 1);
    const to = from + 365 * DAY;
    const amsterdam = offsetSpans('Europe/Amsterdam', from, to);
    expect(amsterdam.map((s) => [new Date(s.from).toISOString(), s.offsetMs / 3_600_000])).toEqual([
      ['2026-09-01T00:00:00.000Z', 2],
      ['2026-10-25T01:00:00.000Z', 1],
      ['2027-03-28T01:00:00.000Z', 2],
    ]);
    expect(amsterdam.at(-1)?.to).toBe(to);
    expect(offsetSpans('UTC', from, to)).toEqual([{ from, to, offsetMs: 0 }]);
  });

  it('when an instant lies outside every remembered span, then ICU is asked, and a wrong span outside it changes nothing', () => {
    const zone = 'Europe/Amsterdam';
    const inside = Date.UTC(2030, 0, 15, 6, 0);
    // Deliberately wrong offsets, for a span that does not hold the instants asked about.
    rememberOffsetSpans(zone, [{ from: inside + DAY, to: inside + 2 * DAY, offsetMs: 5 * 3_600_000 }]);
    expect(localParts(new Date(inside), zone)).toEqual(icu(inside, zone));
    expect(localParts(new Date(inside + 2 * DAY), zone)).toEqual(icu(inside + 2 * DAY, zone));
  });

  it('when a span covers an instant, then offsetAt gives its offset, and ICU gives it elsewhere: the same offsets the schedule turns wall times into instants with', () => {
    const zone = 'Europe/Amsterdam';
    const winter = Date.UTC(2031, 0, 15, 6, 0);
    const summer = Date.UTC(2031, 6, 15, 6, 0);
    expect(offsetAt(winter, zone)).toBe(3_600_000);
    expect(offsetAt(summer, zone)).toBe(2 * 3_600_000);
    // A (wrong) remembered span is used inside it and nowhere else.
    rememberOffsetSpans(zone, [{ from: winter, to: winter + DAY, offsetMs: 5 * 3_600_000 }]);
    expect(offsetAt(winter + 1, zone)).toBe(5 * 3_600_000);
    expect(offsetAt(summer, zone)).toBe(2 * 3_600_000);
    rememberOffsetSpans(zone, offsetSpans(zone, winter - DAY, summer + DAY));
    expect(offsetAt(winter, zone)).toBe(3_600_000);
  });
});
