import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every form in which a child's name or birth date could end up in a file: as written, in other
 * cases, quoted-printable, base64 at each of the three alignments, and the usual date notations.
 */
export function canaryForms(names: string[], isoDates: string[]): string[] {
  const forms = new Set<string>();
  const addText = (text: string): void => {
    for (const variant of [text, text.toLowerCase(), text.toUpperCase()]) {
      forms.add(variant);
      forms.add(quotedPrintable(variant));
      for (const b64 of base64Forms(variant)) forms.add(b64);
    }
  };
  for (const name of names) {
    addText(name);
    // A surname alone is still identifying when it is unusual, which canaries are.
    for (const part of name.split(/\s+/)) if (part.length >= 6) addText(part);
  }
  for (const iso of isoDates) {
    const [year, month, day] = iso.split('-');
    const d = Number(day);
    const m = Number(month);
    for (const form of [
      iso,
      `${d}-${m}-${year}`,
      `${day}-${month}-${year}`,
      `${day}/${month}/${year}`,
      `${d}.${m}.${year}`,
    ]) {
      forms.add(form);
      for (const b64 of base64Forms(form)) forms.add(b64);
    }
  }
  return [...forms].filter((form) => form.length >= 6);
}

function quotedPrintable(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      byte >= 33 && byte <= 126 && byte !== 61
        ? String.fromCharCode(byte)
        : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** The stable middle of the base64 of `text` when it starts at offset 0, 1 or 2 of a 3-byte group. */
function base64Forms(text: string): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), Buffer.from(text, 'utf8')]).toString('base64');
    // Drop the characters that depend on neighbouring bytes: the first group and the tail.
    const stable = encoded.slice(4, Math.floor((shift + Buffer.byteLength(text)) / 3) * 4);
    if (stable.length >= 8) out.push(stable);
  }
  return out;
}

export interface CanaryHit {
  file: string;
  form: string;
}

export function listFiles(root: string): string[] {
  const files: string[] = [];
  if (!existsSync(root)) return files;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(path);
    }
  };
  walk(root);
  return files;
}

/** Searches every byte of every file under `roots` (and the given texts) for every form. */
export function scanForCanaries(
  forms: string[],
  roots: string[],
  texts: Record<string, string> = {},
): { hits: CanaryHit[]; filesScanned: number } {
  const hits: CanaryHit[] = [];
  let filesScanned = 0;
  const check = (label: string, content: Buffer): void => {
    const asLatin1 = content.toString('latin1');
    const asUtf8 = content.toString('utf8');
    for (const form of forms) {
      if (asUtf8.includes(form) || asLatin1.includes(form)) hits.push({ file: label, form });
    }
  };
  for (const root of roots) {
    for (const file of listFiles(root)) {
      filesScanned += 1;
      check(file, readFileSync(file));
    }
  }
  for (const [label, text] of Object.entries(texts)) check(label, Buffer.from(text, 'utf8'));
  return { hits, filesScanned };
}
