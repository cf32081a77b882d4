import { afterEach, describe, expect, it, vi } from 'vitest';
import { lastScheduledCheck, nextChecks, type CheckSchedule } from '../../src/core/schedule.js';

// Forty-eight check times a day, every quarter of an hour from 07:00: the daemon with many check
// times that once built an Intl.DateTimeFormat for every one of them on every call.
const manyTimes = Array.from({ length: 48 }, (_, i) => {
  const minutes = 7 * 60 + i * 15;
  return `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('school schedule, formatter cache', () => {
  it('when the next checks of a school with 48 check times are computed again and again, then no new date formatter is built for them', () => {
    const schedule: CheckSchedule = {
      checks: manyTimes,
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      timezone: 'America/Curacao',
    };
    const now = new Date('2026-11-25T06:00:00Z');
    const first = nextChecks(now, schedule, 10);
    const built = vi.spyOn(Intl, 'DateTimeFormat');
    for (let i = 0; i < 20; i += 1) {
      expect(nextChecks(now, schedule, 10)).toEqual(first);
      lastScheduledCheck(now, schedule);
    }
    expect(built).not.toHaveBeenCalled();
  });

  it('when two timezones are used in turn, then each keeps its own local times', () => {
    const days: CheckSchedule['days'] = ['mon', 'tue', 'wed', 'thu', 'fri'];
    const now = new Date('2026-11-25T00:00:00Z');
    const amsterdam = nextChecks(now, { checks: ['07:00'], days, timezone: 'Europe/Amsterdam' }, 1);
    const curacao = nextChecks(now, { checks: ['07:00'], days, timezone: 'America/Curacao' }, 1);
    expect(amsterdam.map((d) => d.toISOString())).toEqual(['2026-11-25T06:00:00.000Z']);
    expect(curacao.map((d) => d.toISOString())).toEqual(['2026-11-25T11:00:00.000Z']);
    expect(nextChecks(now, { checks: ['07:00'], days, timezone: 'Europe/Amsterdam' }, 1)).toEqual(amsterdam);
  });
});
