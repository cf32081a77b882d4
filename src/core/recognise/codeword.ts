/**
 * The codeword that makes a mail a Handle with Care signal. Senders write it in full
 * ("Handle with Care", "Handle with Care-signaal"), abbreviated ("HwC", "HWC-signaal"),
 * in any case, in the body, in the subject only, or after a "Codewoord:" label.
 */

// "Handle-with-Care" and "Handle  with\nCare" occur when a line is wrapped or hyphenated.
const FULL = String.raw`handle[\s_-]*with[\s_-]*care`;
// The abbreviation must stand alone: not the local part of an address such as hwc@school.test,
// not part of a domain or a longer word, so that a school's own mailbox name never counts.
const SHORT = String.raw`(?<![\p{L}\p{N}@./_])h\.?\s?w\.?\s?c\.?(?![\p{L}\p{N}@_]|\.[\p{L}\p{N}])`;

const CODEWORD = new RegExp(`${FULL}|${SHORT}`, 'iu');
const CODEWORD_GLOBAL = new RegExp(`(?:${FULL}|${SHORT})(?:[\\s-]*signaal)?`, 'giu');

export function hasCodeword(text: string): boolean {
  return CODEWORD.test(text);
}

/**
 * Marks where a codeword stood once it is removed: a private-use character that normaliseText
 * strips from mail text, so the mark cannot come from the mail itself.
 */
export const CODEWORD_MARK = '\ue000';

/** Replaces each codeword (and a following "-signaal") with a mark, so that it never ends up in a name. */
export function removeCodewords(line: string): string {
  return line.replace(CODEWORD_GLOBAL, ` ${CODEWORD_MARK} `);
}
