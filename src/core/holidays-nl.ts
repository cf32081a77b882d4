/**
 * Dutch school holidays per region and the national public holidays on which schools close.
 * Pure data and lookups; the daemon asks "is this local date a school day?".
 *
 * The government fixes the kerstvakantie, meivakantie and zomervakantie; for the herfstvakantie and
 * voorjaarsvakantie it gives advisory dates, and schools may choose other days. Schools also choose
 * study days and extra days off (the second week of the meivakantie, the Friday after Hemelvaart): a
 * school adds those under `schedule.holidays.closed`. Every entry names its source:
 *
 * - 2027-2028: rijksoverheid.nl, "Overzicht schoolvakanties 2027-2028" (the official table, all
 *   regions, https://www.rijksoverheid.nl/onderwerpen/schoolvakanties/overzicht-schoolvakanties-per-schooljaar).
 * - 2026-2027: the official page could not be consulted when this table was written. The dates are
 *   those of 2026-2027 school rosters whose 2025-2026 dates match that year's official ones exactly,
 *   widened to the Saturday-to-Sunday ranges that rijksoverheid.nl writes: ckcderegenboog.nl and
 *   anjelier.nl (noord), mariaschool.wsko.nl and deschelp.csgdewaard.nl (midden),
 *   montessoricollege.nl (zuid, carnaval as voorjaarsvakantie). Where a region's rosters disagree,
 *   or its only roster breaks the national rules, the holiday is left out. Check them against
 *   rijksoverheid.nl when updating.
 *
 * What is not known is listed in HOLIDAY_GAPS_NL, so that `hwc schedule` and `hwc doctor` can say so:
 * a missing holiday only costs checks on days without lessons, while a wrong one could skip a school
 * day's checks when `closedDays: ignore` is set, so a date the sources disagree on is left out.
 */

export const REGIONS = ['noord', 'midden', 'zuid'] as const;
export type Region = (typeof REGIONS)[number];

export interface SchoolHoliday {
  name: string;
  /** ISO date, inclusive. */
  from: string;
  /** ISO date, inclusive. */
  to: string;
  regions: readonly Region[];
  /** Where the dates come from, for a person who checks them. */
  source: string;
}

const ALL: readonly Region[] = REGIONS;
const OFFICIAL_2027_2028 = 'rijksoverheid.nl, Overzicht schoolvakanties 2027-2028';
const ROSTERS_2026_2027 = 'school rosters 2026-2027 (not yet checked against rijksoverheid.nl)';

export const SCHOOL_HOLIDAYS_NL: readonly SchoolHoliday[] = [
  // 2026-2027
  {
    name: 'herfstvakantie',
    from: '2026-10-10',
    to: '2026-10-18',
    regions: ['noord'],
    source: ROSTERS_2026_2027,
  },
  {
    name: 'herfstvakantie',
    from: '2026-10-17',
    to: '2026-10-25',
    regions: ['midden', 'zuid'],
    source: ROSTERS_2026_2027,
  },
  { name: 'kerstvakantie', from: '2026-12-19', to: '2027-01-03', regions: ALL, source: ROSTERS_2026_2027 },
  {
    name: 'voorjaarsvakantie',
    from: '2027-02-06',
    to: '2027-02-14',
    regions: ['zuid'],
    source: ROSTERS_2026_2027,
  },
  {
    name: 'voorjaarsvakantie',
    from: '2027-02-20',
    to: '2027-02-28',
    regions: ['noord', 'midden'],
    source: ROSTERS_2026_2027,
  },
  { name: 'meivakantie', from: '2027-04-24', to: '2027-05-02', regions: ALL, source: ROSTERS_2026_2027 },
  {
    name: 'zomervakantie',
    from: '2027-07-10',
    to: '2027-08-22',
    regions: ['noord'],
    source: ROSTERS_2026_2027,
  },
  {
    name: 'zomervakantie',
    from: '2027-07-17',
    to: '2027-08-29',
    regions: ['midden'],
    source: ROSTERS_2026_2027,
  },
  // 2027-2028
  {
    name: 'herfstvakantie',
    from: '2027-10-16',
    to: '2027-10-24',
    regions: ['noord', 'midden'],
    source: OFFICIAL_2027_2028,
  },
  {
    name: 'herfstvakantie',
    from: '2027-10-23',
    to: '2027-10-31',
    regions: ['zuid'],
    source: OFFICIAL_2027_2028,
  },
  { name: 'kerstvakantie', from: '2027-12-25', to: '2028-01-09', regions: ALL, source: OFFICIAL_2027_2028 },
  {
    name: 'voorjaarsvakantie',
    from: '2028-02-19',
    to: '2028-02-27',
    regions: ['noord'],
    source: OFFICIAL_2027_2028,
  },
  {
    name: 'voorjaarsvakantie',
    from: '2028-02-26',
    to: '2028-03-05',
    regions: ['midden', 'zuid'],
    source: OFFICIAL_2027_2028,
  },
  { name: 'meivakantie', from: '2028-04-29', to: '2028-05-07', regions: ALL, source: OFFICIAL_2027_2028 },
  {
    name: 'zomervakantie',
    from: '2028-07-15',
    to: '2028-08-27',
    regions: ['noord'],
    source: OFFICIAL_2027_2028,
  },
  {
    name: 'zomervakantie',
    from: '2028-07-08',
    to: '2028-08-20',
    regions: ['midden'],
    source: OFFICIAL_2027_2028,
  },
  {
    name: 'zomervakantie',
    from: '2028-07-22',
    to: '2028-09-03',
    regions: ['zuid'],
    source: OFFICIAL_2027_2028,
  },
];

/** A school holiday that is not in the table, with the weeks it falls in: a school adds it itself. */
export interface HolidayGap {
  name: string;
  regions: readonly Region[];
  /** The earliest and latest dates the holiday can cover, inclusive. */
  from: string;
  to: string;
  why: string;
}

export const HOLIDAY_GAPS_NL: readonly HolidayGap[] = [
  {
    // The one zuid roster found (montessoricollege.nl) gives the midden dates, 17 July to 29
    // August, where the regions' summer holidays usually start a week apart: 3 or 24 July.
    name: 'zomervakantie 2027',
    regions: ['zuid'],
    from: '2027-07-03',
    to: '2027-09-05',
    why: 'the sources disagree',
  },
];

/** The gaps of a region's table that overlap the dates from..to (inclusive). */
export function holidayGaps(region: Region, from: string, to: string): HolidayGap[] {
  return HOLIDAY_GAPS_NL.filter((gap) => gap.regions.includes(region) && gap.from <= to && from <= gap.to);
}

/** The last date covered by the school holiday table for a region (after it, only public holidays). */
export function holidayDataUntil(region: Region): string | undefined {
  const ends = SCHOOL_HOLIDAYS_NL.filter((h) => h.regions.includes(region)).map((h) => h.to);
  return ends.sort().at(-1);
}

function iso(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

/** Easter Sunday (Gregorian calendar), by the anonymous algorithm in Meeus, "Astronomical Algorithms". */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

export interface PublicHoliday {
  date: string;
  name: string;
}

/**
 * The public holidays on which Dutch schools are closed. Bevrijdingsdag (5 May) is left out: whether
 * a school closes on it varies by year and by school (add it under `closed`).
 */
export function publicHolidaysNl(year: number): PublicHoliday[] {
  const easter = easterSunday(year);
  const [ey, em, ed] = easter.split('-').map(Number) as [number, number, number];
  const fromEaster = (days: number) => iso(ey, em, ed + days);
  // Koningsdag moves to the Saturday before when 27 April is a Sunday.
  const kingsDay = new Date(Date.UTC(year, 3, 27)).getUTCDay() === 0 ? iso(year, 4, 26) : iso(year, 4, 27);
  return [
    { date: iso(year, 1, 1), name: 'Nieuwjaarsdag' },
    { date: fromEaster(-2), name: 'Goede Vrijdag' },
    { date: easter, name: 'Eerste Paasdag' },
    { date: fromEaster(1), name: 'Tweede Paasdag' },
    { date: kingsDay, name: 'Koningsdag' },
    { date: fromEaster(39), name: 'Hemelvaartsdag' },
    { date: fromEaster(49), name: 'Eerste Pinksterdag' },
    { date: fromEaster(50), name: 'Tweede Pinksterdag' },
    { date: iso(year, 12, 25), name: 'Eerste Kerstdag' },
    { date: iso(year, 12, 26), name: 'Tweede Kerstdag' },
  ].sort((x, y) => x.date.localeCompare(y.date));
}

export interface ClosedRange {
  from: string;
  to: string;
}

export interface SchoolCalendar {
  region?: Region;
  /** Days the school chose to close (study days, extra days off), inclusive ranges. */
  closed: readonly ClosedRange[];
  /**
   * Days with lessons although the region's table has a school holiday then: a school that chose
   * other weeks for an advisory holiday. Public holidays stay closed.
   */
  open?: readonly ClosedRange[];
}

const within = (isoDate: string, ranges: readonly ClosedRange[] | undefined): boolean =>
  (ranges ?? []).some((range) => range.from <= isoDate && isoDate <= range.to);

/**
 * Why the school is closed on this local date, e.g. "kerstvakantie (midden)", "Tweede Paasdag" or
 * "closed by the school (schedule.holidays.closed)"; undefined on a school day. Weekdays are not looked at here.
 */
export function closedReason(isoDate: string, calendar: SchoolCalendar): string | undefined {
  if (within(isoDate, calendar.closed)) return 'closed by the school (schedule.holidays.closed)';
  const region = calendar.region;
  const holiday =
    region === undefined || within(isoDate, calendar.open) ? undefined : schoolHolidayOn(isoDate, region);
  if (holiday) return `${holiday.name} (${region})`;
  const year = Number(isoDate.slice(0, 4));
  return publicHolidaysNl(year).find((publicHoliday) => publicHoliday.date === isoDate)?.name;
}

/** The region's school holiday from the table that covers this local date, if any. */
export function schoolHolidayOn(isoDate: string, region: Region): SchoolHoliday | undefined {
  return SCHOOL_HOLIDAYS_NL.find((h) => h.regions.includes(region) && h.from <= isoDate && isoDate <= h.to);
}
