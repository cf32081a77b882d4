/**
 * A name in running text is sure only when the sentence ties exactly one name to its date:
 * "HWC-signaal voor Julia Smit (geb. 04/07/2011)", "Het betreft Sara Yılmaz, geboren op 14 mei
 * 2011", "Het gaat om Daan Smit, 3-3-2014". Anything else in the sentence that could be a person
 * (a second name, a parent, "mevrouw") keeps the doubt, and a person checks the name.
 */

import { isNotNameWord } from './names.js';

// The words right before the child's name: "voor", "voor:", "betreft", "gaat om", "leerling".
const ANCHOR = /(?:^|[\s(,;:])(?:voor|betreft|gaat\s+om|leerling)\s*:?\s*$/iu;

// The next child of a list right after the previous one's date: "(2-2-2012) en Tim de Vries (3-3-2014)".
const NEXT_IN_LIST = /^[\s),;]*(?:en|and|&)\s*$/iu;

// Between the name and its date: separators and "geb."/"geboren (op)" only.
const TO_DATE = /^[\s,(]*(?:geb(?:oren)?\.?(?:\s*op)?\s*:?)?[\s,(]*$/iu;

// People other than the child, and how a sender names them.
const OTHER_PERSON =
  /(?:^|[^\p{L}])(?:moeder|vader|ouders?|verzorgers?|broer(?:tje)?|zus(?:je)?|zoon|dochter|oom|tante|opa|oma|stief\p{L}*|pleeg\p{L}*|voogd|mevrouw|meneer|mevr|dhr|mw|heer|mr|mrs|ms)(?![\p{L}])/iu;

/** At most this many capitalised words in the name itself: more may be two people ("Eva Bos Tim Bos"). */
const MAX_NAME_WORDS = 3;

/** Whether a capitalised word, not at the start of a sentence, could be part of another person's name. */
function otherNameIn(prefix: string): boolean {
  const tokens = prefix.split(/\s+/).filter((t) => t !== '');
  return tokens.some((token, i) => {
    const sentenceStart = i === 0 || /[.!?:]$/u.test(tokens[i - 1] ?? '');
    return !sentenceStart && /^\p{Lu}/u.test(token) && !isNotNameWord(token);
  });
}

/**
 * True when `run`, the name found at the end of `sentence` (the text from the previous date up
 * to this one), is the only name-like span there, follows an anchor word directly and leads
 * straight to the date.
 */
export function isAnchoredName(sentence: string, run: string): boolean {
  const text = sentence.replace(/\s+/g, ' ');
  const at = text.lastIndexOf(run);
  if (at < 0) return false;
  const prefix = text.slice(0, at);
  if (!TO_DATE.test(text.slice(at + run.length))) return false;
  const anchored = ANCHOR.test(prefix) || NEXT_IN_LIST.test(prefix);
  if (!anchored || OTHER_PERSON.test(prefix) || otherNameIn(prefix)) return false;
  return run.split(' ').filter((t) => /^\p{Lu}/u.test(t)).length <= MAX_NAME_WORDS;
}

/** Whether text before a name holds another name-like span or another person: then it is not sure. */
export function hasOtherPerson(prefix: string): boolean {
  return OTHER_PERSON.test(prefix) || otherNameIn(prefix);
}
