/**
 * Doubt goes to a person. Each check returns a fixed phrase that never contains the child's
 * name or date, so reasons can be shown and counted anywhere without leaking data.
 */

import type { FoundChild } from './children.js';
import { ageInYears, parseIsoDate } from './dates.js';
import { isSentenceLike, looksLikeName } from './names.js';

export const REASON = {
  dateNotExist: 'birth date does not exist',
  dateMissing: 'birth date is missing',
  dateUnrecognised: 'birth date not recognised',
  dateFuture: 'birth date is in the future',
  ageOutOfRange: 'age outside 2 to 23',
  nameSentence: 'name is empty or looks like a sentence',
  nameFromSentence: 'name taken from a sentence',
  nameSingleWord: 'name has a single word',
  nameOdd: 'name does not look like a name',
  namePartMissing: 'first name or surname missing',
  countMismatch: 'number of names does not match number of dates',
  todayInvalid: 'today is not a valid date, age not checked',
} as const;

// A label word glued to the end of a name ("Yılmaz" + "Geboortedatum") means the name was cut
// in the wrong place: never pass it on as if it were sure.
const GLUED_LABEL = /\p{Ll}(?:geboortedatum|geb\.?(?:datum)?|naam|leerling|codewoord|datum)$/iu;

export const MIN_AGE = 2;
export const MAX_AGE = 23;

/** The review reasons for one child; empty when nothing is strange. */
export function childReasons(child: FoundChild, today: string): string[] {
  const reasons: string[] = [];
  if (child.nameProblem === 'empty') reasons.push(REASON.nameSentence);
  else if (child.nameProblem === 'from-sentence') reasons.push(REASON.nameFromSentence);
  else if (child.nameProblem === 'missing-part') reasons.push(REASON.namePartMissing);
  else if (GLUED_LABEL.test(child.name)) reasons.push(REASON.nameOdd);
  else if (isSentenceLike(child.name)) reasons.push(REASON.nameSentence);
  else if (!looksLikeName(child.name, { allowSingleWord: true })) reasons.push(REASON.nameOdd);
  else if (!looksLikeName(child.name)) reasons.push(REASON.nameSingleWord);

  if (child.dateProblem === 'not-exist') reasons.push(REASON.dateNotExist);
  else if (child.dateProblem === 'missing') reasons.push(REASON.dateMissing);
  else if (child.dateProblem === 'unrecognised') reasons.push(REASON.dateUnrecognised);
  else if (child.birthDate !== '') {
    if (!parseIsoDate(today)) {
      reasons.push(REASON.todayInvalid);
    } else if (child.birthDate > today) {
      reasons.push(REASON.dateFuture);
    } else {
      const age = ageInYears(child.birthDate, today);
      if (age === undefined || age < MIN_AGE || age > MAX_AGE) reasons.push(REASON.ageOutOfRange);
    }
  }
  return reasons;
}
