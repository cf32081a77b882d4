import { describe, expect, it } from 'vitest';
import { calendarFinding } from '../../src/commands/doctor/local-checks.js';
import type { ResolvedConfig } from '../../src/config/schema.js';

function configWith(schedule: Partial<ResolvedConfig['schedule']>): ResolvedConfig {
  return {
    timezone: 'Europe/Amsterdam',
    schedule: {
      checks: ['07:00'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      deadline: '08:15',
      ...schedule,
    },
  } as ResolvedConfig;
}

describe('hwc doctor: the school calendar', () => {
  it('when the built-in holidays of the region run out within six months, then it is a WARN with the fix', () => {
    const finding = calendarFinding(
      configWith({ holidays: { region: 'noord', closed: [] } }),
      new Date('2028-07-01T08:00:00Z'),
    );
    expect(finding).toEqual({
      status: 'WARN',
      what: 'calendar',
      line: 'the built-in school holidays for region noord end 2028-08-27; add the next ones under schedule.holidays.closed, or update hwc-watcher',
    });
  });

  it('when the table runs out in five months, in the spring before its last summer holiday, then it already is a WARN', () => {
    const finding = calendarFinding(
      configWith({ holidays: { region: 'noord', closed: [] } }),
      new Date('2028-03-27T08:00:00Z'),
    );
    expect(finding.status).toBe('WARN');
    expect(finding.line).toContain(
      'end 2028-08-27; add the next ones under schedule.holidays.closed, or update hwc-watcher',
    );
  });

  it('when the table runs out in seven months, then it is still OK', () => {
    const finding = calendarFinding(
      configWith({ holidays: { region: 'noord', closed: [] } }),
      new Date('2028-01-27T08:00:00Z'),
    );
    expect(finding).toMatchObject({ status: 'OK', line: expect.stringContaining('until 2028-08-27') });
  });

  it('when the built-in holidays reach further than six months, then it is OK and says until when', () => {
    const finding = calendarFinding(
      configWith({ holidays: { region: 'midden', closed: [] }, closedDays: 'ignore' }),
      new Date('2026-11-25T08:00:00Z'),
    );
    expect(finding).toMatchObject({
      status: 'OK',
      line: 'region midden, built-in school holidays until 2028-08-20 (closedDays: ignore)',
    });
  });

  it('when a holiday of the region ahead is not built in, then it is a WARN that names it and the weeks it falls in', () => {
    const finding = calendarFinding(
      configWith({ holidays: { region: 'zuid', closed: [] } }),
      new Date('2026-11-25T08:00:00Z'),
    );
    expect(finding).toEqual({
      status: 'WARN',
      what: 'calendar',
      line: "the zomervakantie 2027 of region zuid is not built in (the sources disagree); add the school's dates (between 2027-07-03 and 2027-09-05) under schedule.holidays.closed",
    });
  });

  it('when that holiday is past, then the region is OK again', () => {
    const finding = calendarFinding(
      configWith({ holidays: { region: 'zuid', closed: [] } }),
      new Date('2027-09-06T08:00:00Z'),
    );
    expect(finding).toMatchObject({ status: 'OK', line: expect.stringContaining('until 2028-09-03') });
  });

  it('when no region is set, then it is OK and says that only public holidays and closed days are skipped', () => {
    const finding = calendarFinding(configWith({}), new Date('2026-11-25T08:00:00Z'));
    expect(finding.status).toBe('OK');
    expect(finding.line).toContain('no region: public holidays and schedule.holidays.closed are closed days');
  });
});
