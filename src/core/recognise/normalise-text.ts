/**
 * Text as it arrives from Outlook and webmail: non-breaking spaces (&nbsp;), zero-width
 * characters, CRLF, quote prefixes ("> ") of a forwarded or replied mail, and decomposed
 * diacritics. Normalising first keeps every later rule simple.
 */

/** At most this many lines are read; a real signal is far shorter, a hostile mail may not be. */
export const MAX_LINES = 5000;
/** Longer lines are cut: no name and date pair is this long, and it bounds the work per line. */
export const MAX_LINE_LENGTH = 2000;

export function normaliseText(text: string): string {
  return (
    text
      .normalize('NFC')
      .replace(/\r\n?|[\u2028\u2029\v\f]/g, '\n')
      .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
      // U+E000 is also removed: it is the codeword mark (see codeword.ts).
      .replace(/[\u00ad\u200b-\u200d\u2060\ufeff\ue000]/g, '')
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed here
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, ' ')
  );
}

/** Splits normalised text into lines, without quote prefixes, bounded in count and length. */
export function toLines(text: string): string[] {
  const lines = normaliseText(text).split('\n', MAX_LINES);
  return lines.map((line) =>
    line
      .slice(0, MAX_LINE_LENGTH)
      .replace(/^(?:[ \t]*>)+[ \t]?/, '')
      .replace(/ {2,}/g, ' ')
      .trimEnd(),
  );
}
