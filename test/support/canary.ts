import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canaryForms, findForms } from '../../src/core/canary-forms.js';

/** The encodings live in src/core/canary-forms.ts, shared with `hwc privacy-check`. */
export { canaryForms };

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
    for (const form of findForms(content, forms)) hits.push({ file: label, form });
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
