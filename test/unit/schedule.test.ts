import { describe, expect, it } from 'vitest';
import {
  cronExpression,
  isCatchUpDue,
  lastScheduledCheck,
  nextChecks,
  zonedInstant,
  type CheckSchedule,
} from '../../src/core/schedule.js';

const schedule: CheckSchedule = {
  checks: ['07:00', '07:45', '08:05'],
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timezone: 'Europe/Amsterdam',
};

describe('school schedule', () => {
  it('when it is winter, then 07:00 in Amsterdam is 06:00 UTC', () => {
    expect(zonedInstant('2026-11-25', '07:00', 'Europe/Amsterdam').toISOString()).toBe(
      '2026-11-25T06:00:00.000Z',
    );
  });

  it('when summer time starts on the last Sunday of March, then the Monday check is at 05:00 UTC', () => {
    expect(zonedInstant('2027-03-26', '07:00', 'Europe/Amsterdam').toISOString()).toBe(
      '2027-03-26T06:00:00.000Z',
    );
    expect(zonedInstant('2027-03-29', '07:00', 'Europe/Amsterdam').toISOString()).toBe(
      '2027-03-29T05:00:00.000Z',
    );
  });

  it('when summer time ends on the last Sunday of October, then the Monday check is at 06:00 UTC', () => {
    expect(zonedInstant('2026-10-23', '07:00', 'Europe/Amsterdam').toISOString()).toBe(
      '2026-10-23T05:00:00.000Z',
    );
    expect(zonedInstant('2026-10-26', '07:00', 'Europe/Amsterdam').toISOString()).toBe(
      '2026-10-26T06:00:00.000Z',
    );
  });

  it('when a wall-clock time does not exist on the switch night, then it falls an hour later', () => {
    expect(zonedInstant('2027-03-28', '02:30', 'Europe/Amsterdam').toISOString()).toBe(
      '2027-03-28T01:30:00.000Z',
    );
  });

  it('when it is Friday evening, then the next checks are on Monday', () => {
    const next = nextChecks(new Date('2026-11-27T18:00:00Z'), schedule, 4).map((d) => d.toISOString());
    expect(next).toEqual([
      '2026-11-30T06:00:00.000Z',
      '2026-11-30T06:45:00.000Z',
      '2026-11-30T07:05:00.000Z',
      '2026-12-01T06:00:00.000Z',
    ]);
  });

  it('when the server rebooted at 06:55 and comes back at 07:10, then a catch-up check is due', () => {
    const now = new Date('2026-11-25T06:10:00Z');
    expect(lastScheduledCheck(now, schedule)?.toISOString()).toBe('2026-11-25T06:00:00.000Z');
    expect(isCatchUpDue(now, new Date('2026-11-24T07:05:10Z'), schedule)).toBe(true);
    expect(isCatchUpDue(now, new Date('2026-11-25T06:00:30Z'), schedule)).toBe(false);
  });

  it('when it is Sunday, then no catch-up is due for a Friday check that succeeded', () => {
    expect(isCatchUpDue(new Date('2026-11-29T10:00:00Z'), new Date('2026-11-27T07:05:03Z'), schedule)).toBe(
      false,
    );
  });

  it('when a check time is written as HH:MM, then the cron expression has minute and hour fields', () => {
    expect(cronExpression('07:45', ['mon', 'fri'])).toBe('45 7 * * mon,fri');
  });

  it('when the week spans the last Sunday of March, then the checks stay at 07:00 local on both sides', () => {
    const next = nextChecks(new Date('2027-03-26T08:00:00Z'), { ...schedule, checks: ['07:00'] }, 2);
    expect(next.map((d) => d.toISOString())).toEqual([
      '2027-03-29T05:00:00.000Z',
      '2027-03-30T05:00:00.000Z',
    ]);
  });

  it('when the week spans the last Sunday of October, then the checks stay at 07:00 local on both sides', () => {
    const next = nextChecks(new Date('2026-10-23T08:00:00Z'), { ...schedule, checks: ['07:00'] }, 2);
    expect(next.map((d) => d.toISOString())).toEqual([
      '2026-10-26T06:00:00.000Z',
      '2026-10-27T06:00:00.000Z',
    ]);
  });
});
