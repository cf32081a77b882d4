import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { classify } from '../core/classify.js';
import { localDate } from '../core/schedule.js';
import type { Classification } from '../core/types.js';
import { parseMail } from '../adapters/mail-parser.js';
import { EXIT, type Io } from './io.js';

/**
 * `hwc parse FILE.eml`: shows what hwc would conclude from one mail, so that a person can check
 * the recognition. It reads the file and prints; it writes nothing and sends nothing.
 */
export async function commandParse(file: string, options: { json: boolean }, io: Io): Promise<number> {
  let raw: Buffer;
  try {
    raw = await readFile(resolve(io.cwd, file));
  } catch (err) {
    io.stderr.write(`hwc parse: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return EXIT.badInput;
  }
  // Ages are judged by the Dutch calendar date, whatever the machine's own timezone.
  const today = localDate(new Date(), 'Europe/Amsterdam');
  const parsed = await parseMail(raw);
  let result: Classification;
  if (parsed.ok) {
    const { kind, children, needsReview, reasons } = classify(parsed.facts, { today });
    result = { kind, children, needsReview, reasons };
  } else {
    result = {
      kind: 'not-a-signal',
      children: [],
      needsReview: true,
      reasons: [`set aside: ${parsed.reason}`],
    };
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    io.stdout.write(`kind: ${result.kind}\nneeds review: ${result.needsReview ? 'yes' : 'no'}\n`);
    for (const child of result.children)
      io.stdout.write(`child: ${child.name} (${child.birthDate || 'no valid date'})\n`);
    for (const reason of result.reasons) io.stdout.write(`reason: ${reason}\n`);
  }
  return EXIT.ok;
}
