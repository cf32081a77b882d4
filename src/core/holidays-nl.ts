/**
 * Dutch school holidays per region and the national public holidays on which schools close.
 * Pure data and lookups; the daemon asks "is this local date a school day?".
 *
 * The authority is rijksoverheid.nl, "Schoolvakanties 2026-2027" and "Schoolvakanties 2027-2028"
 * (https://www.rijksoverheid.nl/onderwerpen/schoolvakanties). The government fixes the kerstvakantie,
 * meivakantie and zomervakantie; for the herfstvakantie and voorjaarsvakantie it gives advisory
 * dates, and schools may choose other days. Schools also choose study days and extra days off (the
 * second week of the meivakantie, the Friday after Hemelvaart): a school adds those under
 * `schedule.holidays.closed`.
 *
 * Those rijksoverheid.nl pages could not be consulted when this table was written. The dates below
 * were taken from 2026-2027 school rosters that follow them: mariaschool.wsko.nl (Westland, region
 * midden) and montessoricollege.nl (region zuid, carnaval as voorjaarsvakantie), widened to the
 * Saturday-to-Sunday ranges that rijksoverheid.nl writes; only dates on which the sources agree
 * with the national rules are listed. Check them against rijksoverheid.nl when updating.
 * Not listed, because no reliable date was found (add them under `closed` until this is updated):
 * - 2026-2027: herfstvakantie and voorjaarsvakantie of region noord; zomervakantie 2027 of regions
 *   noord and zuid.
 * - 2027-2028: every school holiday (only the public holidays below are known for that year).
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
}

const ALL: readonly Region[] = REGIONS;

export const SCHOOL_HOLIDAYS_NL: readonly SchoolHoliday[] = [
  // 2026-2027
  { name: 'herfstvakantie', from: '2026-10-17', to: '2026-10-25', regions: ['midden', 'zuid'] },
  { name: 'kerstvakantie', from: '2026-12-19', to: '2027-01-03', regions: ALL },
  { name: 'voorjaarsvakantie', from: '2027-02-06', to: '2027-02-14', regions: ['zuid'] },
  { name: 'voorjaarsvakantie', from: '2027-02-20', to: '2027-02-28', regions: ['midden'] },
  { name: 'meivakantie', from: '2027-04-24', to: '2027-05-02', regions: ALL },
  { name: 'zomervakantie', from: '2027-07-17', to: '2027-08-29', regions: ['midden'] },
];

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
}

/**
 * Why the school is closed on this local date, e.g. "kerstvakantie (midden)", "Tweede Paasdag" or
 * "closed by the school (schedule.holidays.closed)"; undefined on a school day. Weekdays are not looked at here.
 */
export function closedReason(isoDate: string, calendar: SchoolCalendar): string | undefined {
  if (calendar.closed.some((range) => range.from <= isoDate && isoDate <= range.to)) {
    return 'closed by the school (schedule.holidays.closed)';
  }
  const year = Number(isoDate.slice(0, 4));
  const publicHoliday = publicHolidaysNl(year).find((holiday) => holiday.date === isoDate);
  const region = calendar.region;
  if (region !== undefined) {
    const holiday = SCHOOL_HOLIDAYS_NL.find(
      (h) => h.regions.includes(region) && h.from <= isoDate && isoDate <= h.to,
    );
    if (holiday) return `${holiday.name} (${region})`;
  }
  return publicHoliday?.name;
}
