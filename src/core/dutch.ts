import type { Weekday } from './vocabulary.js';

/** The weekdays as Dutch writes them, without a capital. */
export const DUTCH_WEEKDAYS: Readonly<Record<Weekday, string>> = {
  mon: 'maandag',
  tue: 'dinsdag',
  wed: 'woensdag',
  thu: 'donderdag',
  fri: 'vrijdag',
  sat: 'zaterdag',
  sun: 'zondag',
};

/** Dutch month names, for texts for people and for the date forms a person writes. */
export const DUTCH_MONTHS: readonly string[] = [
  'januari',
  'februari',
  'maart',
  'april',
  'mei',
  'juni',
  'juli',
  'augustus',
  'september',
  'oktober',
  'november',
  'december',
];

/**
 * A count with the noun in agreement: `count(1, 'signaal', 'signalen')` is "1 signaal",
 * `count(0, …)` and `count(2, …)` use the plural, as Dutch does ("0 signalen").
 */
export function count(n: number, singular: string, plural: string): string {
  return `${n} ${nounFor(n, singular, plural)}`;
}

/** Only the noun of `count`, for a layout that shows the number on its own. */
export function nounFor(n: number, singular: string, plural: string): string {
  return n === 1 ? singular : plural;
}
