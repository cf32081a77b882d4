/**
 * Birth dates as Dutch senders write them. Day first, always: a signal comes from the
 * Netherlands, so 03/02/2006 is the 3rd of February and never the 2nd of March.
 */

/** One date found in a line, with its position so that the caller can look at what surrounds it. */
export interface DateMatch {
  start: number;
  end: number;
  /** ISO YYYY-MM-DD when the date exists in the calendar, otherwise "". */
  iso: string;
  /** False for a date-shaped text that names no real day, such as 31-02-2015. */
  exists: boolean;
}

const MONTHS: ReadonlyMap<string, number> = new Map([
  ['januari', 1],
  ['january', 1],
  ['jan', 1],
  ['februari', 2],
  ['february', 2],
  ['feb', 2],
  ['maart', 3],
  ['march', 3],
  ['mrt', 3],
  ['mar', 3],
  ['april', 4],
  ['apr', 4],
  ['mei', 5],
  ['may', 5],
  ['juni', 6],
  ['june', 6],
  ['jun', 6],
  ['juli', 7],
  ['july', 7],
  ['jul', 7],
  ['augustus', 8],
  ['august', 8],
  ['aug', 8],
  ['september', 9],
  ['sept', 9],
  ['sep', 9],
  ['oktober', 10],
  ['october', 10],
  ['okt', 10],
  ['oct', 10],
  ['november', 11],
  ['nov', 11],
  ['december', 12],
  ['dec', 12],
]);

const MONTH_ALTERNATION = [...MONTHS.keys()].sort((a, b) => b.length - a.length).join('|');

// A date must not be glued to other digits: that keeps phone numbers (06-12345678),
// postcodes and reference numbers from being read as dates.
const NOT_AFTER_NUMBER = String.raw`(?<!\p{N}[-./]?)`;
const NOT_BEFORE_NUMBER = String.raw`(?!\p{N}|[-./]\p{N})`;
const YEAR = String.raw`((?:19|20)\d{2})`;

/** The handbook form and its variants: 3-2-2006, 03-02-2006, 03/02/2006, 3.2.2006, 3 - 2 - 2006. */
const DAY_MONTH_YEAR = new RegExp(
  `${NOT_AFTER_NUMBER}(\\d{1,2}) ?([-./]) ?(\\d{1,2}) ?\\2 ?${YEAR}${NOT_BEFORE_NUMBER}`,
  'gu',
);

/** ISO order, as exported from a registration system: 2006-02-03. */
const YEAR_MONTH_DAY = new RegExp(
  `${NOT_AFTER_NUMBER}${YEAR}-(\\d{1,2})-(\\d{1,2})${NOT_BEFORE_NUMBER}`,
  'gu',
);

/** Written out, as a person types it: 3 februari 2006, 3 feb. 2006, 3 feb 2006, 3-feb-2006. */
const DAY_MONTHNAME_YEAR = new RegExp(
  `${NOT_AFTER_NUMBER}(\\d{1,2})\\.?(?:\\s+|-)(${MONTH_ALTERNATION})(?!\\p{L})\\.?,?(?:\\s+|-)${YEAR}(?!\\p{N})`,
  'giu',
);

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month, or 0 for a month that does not exist. */
function daysInMonth(year: number, month: number): number {
  if (month < 1 || month > 12) return 0;
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Builds the ISO form, or "" when the day does not exist; never moves a date to a nearby real one. */
export function toIsoDate(year: number, month: number, day: number): string {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return '';
  if (day < 1 || day > daysInMonth(year, month)) return '';
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function makeMatch(start: number, end: number, year: number, month: number, day: number): DateMatch {
  const iso = toIsoDate(year, month, day);
  return { start, end, iso, exists: iso !== '' };
}

/** Every date in one line of text, in order of position, without overlaps. */
export function findDates(line: string): DateMatch[] {
  const found: DateMatch[] = [];
  for (const m of line.matchAll(DAY_MONTH_YEAR)) {
    found.push(makeMatch(m.index, m.index + m[0].length, Number(m[4]), Number(m[3]), Number(m[1])));
  }
  for (const m of line.matchAll(YEAR_MONTH_DAY)) {
    found.push(makeMatch(m.index, m.index + m[0].length, Number(m[1]), Number(m[2]), Number(m[3])));
  }
  for (const m of line.matchAll(DAY_MONTHNAME_YEAR)) {
    const month = MONTHS.get((m[2] ?? '').toLowerCase()) ?? 0;
    found.push(makeMatch(m.index, m.index + m[0].length, Number(m[3]), month, Number(m[1])));
  }
  found.sort((a, b) => a.start - b.start);
  const result: DateMatch[] = [];
  for (const d of found) {
    const last = result[result.length - 1];
    if (last === undefined || d.start >= last.end) result.push(d);
  }
  return result;
}

/** Parses a YYYY-MM-DD string such as ClassifyContext.today; undefined when it is not one. */
export function parseIsoDate(value: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return toIsoDate(year, month, day) === '' ? undefined : { year, month, day };
}

/** Completed years between a birth date and today, both ISO; undefined when either is invalid. */
export function ageInYears(birthIso: string, todayIso: string): number | undefined {
  const birth = parseIsoDate(birthIso);
  const today = parseIsoDate(todayIso);
  if (!birth || !today) return undefined;
  const hadBirthday = today.month > birth.month || (today.month === birth.month && today.day >= birth.day);
  return today.year - birth.year - (hadBirthday ? 0 : 1);
}
