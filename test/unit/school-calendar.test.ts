import { describe, expect, it } from 'vitest';
import { checkScheduleOf } from '../../src/commands/schedule.js';
import { parseConfig } from '../../src/config/parse-config.js';
import {
  closedReason,
  easterSunday,
  holidayDataUntil,
  holidayGaps,
  publicHolidaysNl,
  REGIONS,
  SCHOOL_HOLIDAYS_NL,
  type Region,
  type SchoolCalendar,
} from '../../src/core/holidays-nl.js';
import {
  checksOn,
  deadlineFor,
  isCatchUpDue,
  isCheckScheduled,
  isDeadManDue,
  lastScheduledCheck,
  localDate,
  nextChecks,
  weekdayOf,
  zonedInstant,
  type CheckSchedule,
  type ClosedDays,
} from '../../src/core/schedule.js';

const TZ = 'Europe/Amsterdam';

function scheduleFor(
  calendar: SchoolCalendar,
  closedDays: ClosedDays,
  checks = ['07:00', '07:45', '08:05'],
): CheckSchedule {
  return {
    checks,
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: TZ,
    closed: (isoDate) => closedReason(isoDate, calendar) !== undefined,
    closedDays,
  };
}

const midden: SchoolCalendar = { region: 'midden', closed: [] };

describe('Dutch holidays', () => {
  it('when Easter is computed, then it matches the published dates of several years', () => {
    expect(easterSunday(2008)).toBe('2008-03-23');
    expect(easterSunday(2019)).toBe('2019-04-21');
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2028)).toBe('2028-04-16');
    expect(easterSunday(2038)).toBe('2038-04-25');
  });

  it('when the public holidays of 2027 are listed, then the Easter-based days follow Easter', () => {
    const byName = Object.fromEntries(publicHolidaysNl(2027).map((h) => [h.name, h.date]));
    expect(byName).toMatchObject({
      'Goede Vrijdag': '2027-03-26',
      'Tweede Paasdag': '2027-03-29',
      Koningsdag: '2027-04-27',
      Hemelvaartsdag: '2027-05-06',
      'Tweede Pinksterdag': '2027-05-17',
    });
  });

  it('when 27 April is a Sunday, then Koningsdag is the Saturday before', () => {
    expect(publicHolidaysNl(2025).find((h) => h.name === 'Koningsdag')?.date).toBe('2025-04-26');
  });

  it('when a date is looked up, then the region holiday, a public holiday or a school-chosen day is named', () => {
    expect(closedReason('2026-12-21', midden)).toBe('kerstvakantie (midden)');
    expect(closedReason('2027-02-22', midden)).toBe('voorjaarsvakantie (midden)');
    expect(closedReason('2027-02-08', midden)).toBeUndefined();
    expect(closedReason('2027-02-08', { region: 'zuid', closed: [] })).toBe('voorjaarsvakantie (zuid)');
    expect(closedReason('2027-05-06', midden)).toBe('Hemelvaartsdag');
    expect(closedReason('2027-05-06', { closed: [] })).toBe('Hemelvaartsdag');
    expect(closedReason('2027-03-10', midden)).toBeUndefined();
  });

  it('when the school lists closed dates and ranges, then every day in them is closed, ends included', () => {
    const calendar: SchoolCalendar = {
      region: 'midden',
      closed: [
        { from: '2027-03-10', to: '2027-03-10' },
        { from: '2027-05-07', to: '2027-05-14' },
      ],
    };
    for (const day of ['2027-03-10', '2027-05-07', '2027-05-10', '2027-05-14']) {
      expect(closedReason(day, calendar)).toBe('closed by the school (schedule.holidays.closed)');
    }
    expect(closedReason('2027-03-11', calendar)).toBeUndefined();
    expect(closedReason('2027-05-15', calendar)).toBeUndefined();
  });

  it('when the school chose other weeks for an advisory holiday, then open days have checks and public holidays stay closed', () => {
    const calendar: SchoolCalendar = {
      region: 'zuid',
      closed: [{ from: '2027-02-22', to: '2027-02-26' }],
      open: [
        { from: '2027-02-08', to: '2027-02-12' },
        { from: '2027-03-26', to: '2027-03-26' },
      ],
    };
    expect(closedReason('2027-02-08', calendar)).toBeUndefined();
    expect(closedReason('2027-02-12', calendar)).toBeUndefined();
    expect(closedReason('2027-02-22', calendar)).toBe('closed by the school (schedule.holidays.closed)');
    expect(closedReason('2027-03-26', calendar)).toBe('Goede Vrijdag');
    expect(closedReason('2026-12-21', calendar)).toBe('kerstvakantie (zuid)');
  });

  it('when the table is asked how far it reaches, then it names the end of the next school year per region', () => {
    expect(holidayDataUntil('noord')).toBe('2028-08-27');
    expect(holidayDataUntil('midden')).toBe('2028-08-20');
    expect(holidayDataUntil('zuid')).toBe('2028-09-03');
  });

  it('when the table is read, then every holiday is a Saturday-to-Sunday range with a source, and no region has two at once', () => {
    for (const holiday of SCHOOL_HOLIDAYS_NL) {
      const label = `${holiday.name} ${holiday.from}`;
      expect(weekdayOf(holiday.from), label).toBe('sat');
      expect(weekdayOf(holiday.to), label).toBe('sun');
      expect(holiday.source, label).toMatch(/rijksoverheid\.nl|school rosters/);
    }
    for (const region of REGIONS) {
      const ranges = SCHOOL_HOLIDAYS_NL.filter((h) => h.regions.includes(region)).sort((a, b) =>
        a.from.localeCompare(b.from),
      );
      ranges.slice(1).forEach((holiday, i) => {
        expect(holiday.from > (ranges[i]?.to ?? ''), `${region} ${holiday.from}`).toBe(true);
      });
    }
  });

  it('when the 2027-2028 table is read, then it is the official one for every region', () => {
    const year = SCHOOL_HOLIDAYS_NL.filter((h) => h.from >= '2027-09-01');
    const of = (region: Region) =>
      year.filter((h) => h.regions.includes(region)).map((h) => `${h.name} ${h.from}..${h.to}`);
    expect(of('noord')).toEqual([
      'herfstvakantie 2027-10-16..2027-10-24',
      'kerstvakantie 2027-12-25..2028-01-09',
      'voorjaarsvakantie 2028-02-19..2028-02-27',
      'meivakantie 2028-04-29..2028-05-07',
      'zomervakantie 2028-07-15..2028-08-27',
    ]);
    expect(of('midden')).toEqual([
      'herfstvakantie 2027-10-16..2027-10-24',
      'kerstvakantie 2027-12-25..2028-01-09',
      'voorjaarsvakantie 2028-02-26..2028-03-05',
      'meivakantie 2028-04-29..2028-05-07',
      'zomervakantie 2028-07-08..2028-08-20',
    ]);
    expect(of('zuid')).toEqual([
      'herfstvakantie 2027-10-23..2027-10-31',
      'kerstvakantie 2027-12-25..2028-01-09',
      'voorjaarsvakantie 2028-02-26..2028-03-05',
      'meivakantie 2028-04-29..2028-05-07',
      'zomervakantie 2028-07-22..2028-09-03',
    ]);
    expect(new Set(year.map((h) => h.source))).toEqual(
      new Set(['rijksoverheid.nl, Overzicht schoolvakanties 2027-2028']),
    );
  });

  it('when a holiday is not known, then it is a gap for its region only, in the weeks it can fall in', () => {
    expect(holidayGaps('zuid', '2026-11-25', '2028-09-03').map((gap) => gap.name)).toEqual([
      'zomervakantie 2027',
    ]);
    expect(holidayGaps('zuid', '2027-09-06', '2028-09-03')).toEqual([]);
    expect(holidayGaps('midden', '2026-11-25', '2028-09-03')).toEqual([]);
    expect(closedReason('2027-07-20', { region: 'zuid', closed: [] })).toBeUndefined();
  });
});

describe('the schedule across a school year', () => {
  it('when region midden ignores closed days, then 2026-2027 has 201 check days and none in a holiday', () => {
    const schedule = scheduleFor(midden, 'ignore', ['07:00']);
    const from = zonedInstant('2026-08-31', '06:00', TZ);
    const checks = nextChecks(from, schedule, 400).filter((at) => localDate(at, TZ) < '2027-07-17');
    expect(checks).toHaveLength(201);
    for (const at of checks) {
      const day = localDate(at, TZ);
      expect(closedReason(day, midden), day).toBeUndefined();
      expect(['sat', 'sun']).not.toContain(weekdayOf(day));
    }
    const afterChristmas = checks.find((at) => localDate(at, TZ) > '2026-12-18');
    expect(afterChristmas?.toISOString()).toBe('2027-01-04T06:00:00.000Z');
  });

  it.each([
    { region: 'midden' as const, first: '2027-08-30', summer: '2028-07-08', days: 195 },
    { region: 'noord' as const, first: '2027-08-23', summer: '2028-07-15', days: 205 },
  ])(
    'when region $region ignores closed days, then 2027-2028 has $days check days, counted by hand from the official table',
    ({ region, first, summer, days }) => {
      const calendar: SchoolCalendar = { region, closed: [] };
      const schedule = scheduleFor(calendar, 'ignore', ['07:00']);
      const checks = nextChecks(zonedInstant('2027-08-16', '06:00', TZ), schedule, 400).filter(
        (at) => localDate(at, TZ) < summer,
      );
      expect(localDate(checks[0] as Date, TZ)).toBe(first);
      expect(checks).toHaveLength(days);
      const afterChristmas = checks.find((at) => localDate(at, TZ) > '2027-12-24');
      expect(afterChristmas?.toISOString()).toBe('2028-01-10T06:00:00.000Z');
    },
  );

  it('when summer time starts on Easter weekend 2027, then the first check after it is Tuesday 07:00 local', () => {
    const schedule = scheduleFor(midden, 'ignore');
    const [next] = nextChecks(zonedInstant('2027-03-25', '09:00', TZ), schedule, 1);
    expect(next?.toISOString()).toBe('2027-03-30T05:00:00.000Z');
  });

  it('when summer time ends in the herfstvakantie 2026, then the first check after it is Monday 07:00 local', () => {
    const schedule = scheduleFor(midden, 'ignore');
    const [next] = nextChecks(zonedInstant('2026-10-16', '09:00', TZ), schedule, 1);
    expect(next?.toISOString()).toBe('2026-10-26T06:00:00.000Z');
  });

  it('when closed days are acknowledged, then a holiday weekday has one check at the first time only', () => {
    const schedule = scheduleFor(midden, 'acknowledge');
    expect(checksOn('2026-12-21', schedule).map((d) => d.toISOString())).toEqual([
      '2026-12-21T06:00:00.000Z',
    ]);
    expect(checksOn('2026-12-19', schedule)).toEqual([]);
    expect(checksOn('2027-01-04', schedule)).toHaveLength(3);
    expect(isCheckScheduled('2026-12-21', '07:00', schedule)).toBe(true);
    expect(isCheckScheduled('2026-12-21', '07:45', schedule)).toBe(false);
    expect(isCheckScheduled('2027-01-04', '07:45', schedule)).toBe(true);
  });

  it('when closed days are ignored, then a holiday has no check at all', () => {
    const schedule = scheduleFor(midden, 'ignore');
    expect(checksOn('2026-12-21', schedule)).toEqual([]);
    expect(isCheckScheduled('2026-12-21', '07:00', schedule)).toBe(false);
  });

  it('when no calendar is given, then every day in days is a school day, as before', () => {
    const plain: CheckSchedule = {
      checks: ['07:00'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      timezone: TZ,
    };
    expect(checksOn('2026-12-21', plain)).toHaveLength(1);
  });

  it('when a signal arrives on the last school day before Christmas, then its deadline is the first school day after', () => {
    for (const mode of ['acknowledge', 'ignore'] as const) {
      const deadline = deadlineFor(
        zonedInstant('2026-12-18', '09:00', TZ),
        scheduleFor(midden, mode),
        '08:15',
      );
      expect(deadline.toISOString()).toBe('2027-01-04T07:15:00.000Z');
    }
  });

  it('when the deadline passes on a holiday without a check, then no dead-man alarm is due', () => {
    const now = zonedInstant('2026-12-22', '08:30', TZ);
    for (const mode of ['acknowledge', 'ignore'] as const) {
      expect(isDeadManDue(now, undefined, scheduleFor(midden, mode), '08:15', undefined)).toBe(false);
    }
    const schoolDay = zonedInstant('2027-01-04', '08:30', TZ);
    expect(isDeadManDue(schoolDay, undefined, scheduleFor(midden, 'ignore'), '08:15', undefined)).toBe(true);
  });

  it('when the daemon starts in a holiday with closed days ignored, then no catch-up is owed for the holiday', () => {
    const schedule = scheduleFor(midden, 'ignore');
    const lastSuccess = zonedInstant('2026-12-18', '08:06', TZ);
    expect(isCatchUpDue(zonedInstant('2026-12-28', '10:00', TZ), lastSuccess, schedule)).toBe(false);
    expect(lastScheduledCheck(zonedInstant('2026-12-28', '10:00', TZ), schedule)?.toISOString()).toBe(
      '2026-12-18T07:05:00.000Z',
    );
    expect(isCatchUpDue(zonedInstant('2027-01-04', '07:30', TZ), lastSuccess, schedule)).toBe(true);
  });

  it('when the daemon starts in a holiday with closed days acknowledged, then the missed holiday check is owed', () => {
    const schedule = scheduleFor(midden, 'acknowledge');
    const lastSuccess = zonedInstant('2026-12-18', '08:06', TZ);
    expect(isCatchUpDue(zonedInstant('2026-12-28', '10:00', TZ), lastSuccess, schedule)).toBe(true);
  });
});

describe('the schedule settings in the configuration', () => {
  const raw = (schedule: Record<string, unknown>) => ({
    school: 'Basisschool De Reuzepas',
    timezone: TZ,
    imap: {
      host: 'imap.example.nl',
      port: 993,
      secure: true,
      auth: { user: 'hwc@school.example.nl', pass: { env: 'P' } },
    },
    smtp: {
      host: 'smtp.example.nl',
      port: 587,
      secure: false,
      auth: { user: 'hwc@school.example.nl', pass: { env: 'P' } },
    },
    from: 'hwc@school.example.nl',
    senders: ['@veiligthuis.example.nl'],
    contacts: {
      primary: { name: 'Zorgcoördinator', email: 'zorg@school.example.nl' },
      backup: { name: 'Achterwacht', email: 'backup@school.example.nl' },
    },
    schedule: { checks: ['07:00'], days: ['mon'], ...schedule },
    escalateAfter: '20m',
    storage: '/var/lib/hwc-watcher',
  });

  it('when holidays and closedDays are left out, then public holidays are closed and acknowledge applies', () => {
    const result = parseConfig(raw({}), { P: 'x' });
    if ('errors' in result) throw new Error(result.errors.join('\n'));
    expect(result.config.schedule.holidays).toBeUndefined();
    expect(result.config.schedule.closedDays).toBeUndefined();
    expect(checkScheduleOf(result.config).closedDays).toBe('acknowledge');
    expect(checkScheduleOf(result.config).closed?.('2027-05-06')).toBe(true);
  });

  it('when a region and closed ranges are given, then they are parsed', () => {
    const result = parseConfig(
      raw({
        holidays: {
          region: 'zuid',
          closed: ['2027-03-10', '2027-05-07..2027-05-14'],
          open: ['2027-02-08..2027-02-12'],
        },
        closedDays: 'ignore',
      }),
      { P: 'x' },
    );
    if ('errors' in result) throw new Error(result.errors.join('\n'));
    expect(result.config.schedule.holidays).toEqual({
      region: 'zuid',
      closed: [
        { from: '2027-03-10', to: '2027-03-10' },
        { from: '2027-05-07', to: '2027-05-14' },
      ],
      open: [{ from: '2027-02-08', to: '2027-02-12' }],
    });
    expect(checkScheduleOf(result.config).closed?.('2027-02-09')).toBe(false);
    expect(result.config.schedule.closedDays).toBe('ignore');
  });

  it('when the region, a range or closedDays is wrong, then each error names its key and the choices', () => {
    const result = parseConfig(
      raw({
        holidays: { region: 'west', closed: ['2027-05-14..2027-05-07'], open: ['2027-02-30'] },
        closedDays: 'skip',
      }),
      { P: 'x' },
    );
    expect('errors' in result).toBe(true);
    const errors = 'errors' in result ? result.errors : [];
    expect(errors).toContainEqual(
      expect.stringMatching(/^schedule\.holidays\.region: .*noord, midden, zuid/),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^schedule\.holidays\.closed\[0\]: .*swap the dates/),
    );
    expect(errors).toContainEqual(expect.stringMatching(/^schedule\.closedDays: .*acknowledge or ignore/));
    expect(errors).toContainEqual(expect.stringMatching(/^schedule\.holidays\.open\[0\]: /));
  });
});
