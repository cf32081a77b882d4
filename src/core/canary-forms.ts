/**
 * Every form in which a child's name or birth date could end up in a file: as written, in other
 * cases, quoted-printable (body and RFC 2047 header style), base64 at each of the three alignments,
 * UTF-8, Latin-1 and UTF-16, JSON escapes, and the usual Dutch date notations. Used by
 * `hwc privacy-check` and by the tests' canary scans.
 */

import { DUTCH_MONTHS } from './dutch.js';

/** Shorter forms would match by chance in binary data (a SQLite page, a hash). */
export const MIN_FORM_LENGTH = 6;

export function canaryForms(names: string[], isoDates: string[]): string[] {
  const forms = new Set<string>();
  const add = (form: string): void => {
    if (form.length >= MIN_FORM_LENGTH) forms.add(form);
  };
  const addText = (text: string): void => {
    for (const variant of caseVariants(text)) {
      for (const form of textForms(variant)) add(form);
    }
  };
  for (const name of names) {
    const trimmed = name.trim().replace(/\s+/g, ' ');
    if (trimmed.length < MIN_FORM_LENGTH) continue;
    addText(trimmed);
    // A surname alone is still identifying when it is unusual.
    for (const part of trimmed.split(/[\s]+/)) if (part.length >= MIN_FORM_LENGTH) addText(part);
  }
  for (const iso of isoDates) {
    for (const date of dateNotations(iso)) {
      for (const form of textForms(date)) add(form);
    }
  }
  return [...forms];
}

/** The notations of one ISO date (YYYY-MM-DD) that Dutch mail and software use. */
export function dateNotations(iso: string): string[] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return [];
  const [, year, month, day] = match as unknown as [string, string, string, string];
  const d = String(Number(day));
  const m = String(Number(month));
  const monthName = DUTCH_MONTHS[Number(month) - 1] ?? '';
  return [
    iso,
    `${d}-${m}-${year}`,
    `${day}-${month}-${year}`,
    `${day}/${month}/${year}`,
    `${d}/${m}/${year}`,
    `${d}.${m}.${year}`,
    `${day}.${month}.${year}`,
    `${d} ${monthName} ${year}`,
  ];
}

function caseVariants(text: string): string[] {
  const title = text
    .toLowerCase()
    .replace(/(^|[\s-])(\p{L})/gu, (_, lead: string, ch: string) => lead + ch.toUpperCase());
  return [...new Set([text, text.toLowerCase(), text.toUpperCase(), title])];
}

/**
 * One text as it may appear in a file. Each form is a string whose characters are the bytes
 * (Latin-1) or the UTF-8 text the scan compares against: see findForms.
 */
function textForms(text: string): string[] {
  const utf8 = Buffer.from(text, 'utf8');
  const latin1 = Buffer.from(text, 'latin1');
  const sameBytes = utf8.equals(latin1);
  const out = [
    text,
    quotedPrintable(utf8, '=20'),
    quotedPrintable(utf8, '_'),
    ...base64Forms(utf8),
    // UTF-16LE as the file's bytes read one by one.
    Buffer.from(text, 'utf16le').toString('latin1'),
    jsonEscaped(text),
  ];
  if (!sameBytes && [...text].every((ch) => ch.charCodeAt(0) <= 0xff)) {
    out.push(latin1.toString('latin1'), quotedPrintable(latin1, '=20'), ...base64Forms(latin1));
  }
  return [...new Set(out)];
}

function quotedPrintable(bytes: Buffer, space: '=20' | '_'): string {
  return [...bytes]
    .map((byte) =>
      byte === 0x20
        ? space
        : byte >= 33 && byte <= 126 && byte !== 61 && byte !== 95
          ? String.fromCharCode(byte)
          : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** `\uXXXX` for everything outside ASCII, as some JSON writers do. */
function jsonEscaped(text: string): string {
  return text.replace(/[^\u0020-\u007e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The stable middle of the base64 of `bytes` when it starts at offset 0, 1 or 2 of a 3-byte group. */
function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64');
    // Drop the characters that depend on neighbouring bytes: the first group and the tail.
    const stable = encoded.slice(4, Math.floor((shift + bytes.length) / 3) * 4);
    if (stable.length >= 8) out.push(stable);
  }
  return out;
}

/**
 * The forms that occur in `content`. The content is compared both as UTF-8 text and byte for
 * byte (Latin-1), so that a form is found whichever way it was written.
 */
export function findForms(content: Uint8Array, forms: string[]): string[] {
  const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const asLatin1 = buffer.toString('latin1');
  const asUtf8 = buffer.toString('utf8');
  return forms.filter((form) => asUtf8.includes(form) || asLatin1.includes(form));
}
