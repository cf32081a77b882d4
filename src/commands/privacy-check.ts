import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canaryForms, findForms, MIN_FORM_LENGTH } from '../core/canary-forms.js';
import { isIsoDate } from '../config/formats.js';
import { loadConfigForCommand } from './config.js';
import { EXIT, type Io } from './io.js';

export interface PrivacyCheckOptions {
  names: string[];
  dates: string[];
}

/**
 * `hwc privacy-check`: proof for the MR and parents that the program keeps nothing about a child.
 * It reads every byte of every file under the storage directory (the SQLite file with its free
 * pages, and any journal) and searches for the given names and birth dates in every form they
 * could take. It never prints what it searched for, only how much, and which file held a match.
 */
export async function commandPrivacyCheck(
  configPath: string,
  options: PrivacyCheckOptions,
  io: Io,
): Promise<number> {
  if (options.names.length === 0 && options.dates.length === 0) {
    io.stderr.write('hwc privacy-check: give at least one --name NAME or --date DATE to search for\n');
    return EXIT.usage;
  }
  const names = options.names.map((name) => name.trim().replace(/\s+/g, ' '));
  // The messages below count the arguments and never quote them: they are a child's data.
  const shortNames = names.filter((name) => name.length < MIN_FORM_LENGTH).length;
  if (shortNames > 0) {
    io.stderr.write(
      `hwc privacy-check: ${plural(shortNames, 'name is', 'names are')} shorter than ${MIN_FORM_LENGTH} characters; ` +
        'give the full name (first name and surname), which can be searched without chance matches\n',
    );
    return EXIT.usage;
  }
  const isoDates = options.dates.map(toIsoDate);
  const badDates = isoDates.filter((date) => date === undefined).length;
  if (badDates > 0) {
    io.stderr.write(
      `hwc privacy-check: ${plural(badDates, 'date is', 'dates are')} not a valid date; write YYYY-MM-DD or DD-MM-YYYY\n`,
    );
    return EXIT.usage;
  }
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;

  const forms = canaryForms(
    names,
    isoDates.filter((date): date is string => date !== undefined),
  );
  const files = listFiles(config.storage);
  io.stdout.write(`hwc privacy-check: storage ${config.storage}\n`);
  if (!existsSync(config.storage))
    io.stdout.write('  the storage directory does not exist: nothing is kept\n');
  let bytes = 0;
  const found: string[] = [];
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    io.stdout.write(`  ${relative(config.storage, file)}  ${content.length} bytes\n`);
    if (findForms(content, forms).length > 0) found.push(file);
  }
  io.stdout.write(
    `searched ${plural(files.length, 'file', 'files')} (${bytes} bytes, every byte: free database pages and journals included) ` +
      `for ${plural(names.length, 'name', 'names')}, ${plural(isoDates.length, 'date', 'dates')}, ${forms.length} forms\n` +
      '  (as written, lower, upper and title case, quoted-printable, RFC 2047, base64 at 3 alignments, UTF-8,\n' +
      '  Latin-1, UTF-16, JSON escapes; dates as YYYY-MM-DD, D-M-YYYY, DD-MM-YYYY, DD/MM/YYYY, D/M/YYYY,\n' +
      '  D.M.YYYY, DD.MM.YYYY and written out in Dutch)\n',
  );
  if (found.length === 0) {
    io.stdout.write('result: nothing found\n');
    return EXIT.ok;
  }
  for (const file of found) io.stdout.write(`FOUND: a searched name or date occurs in ${file}\n`);
  io.stdout.write(`result: found in ${plural(found.length, 'file', 'files')}\n`);
  return EXIT.runError;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** YYYY-MM-DD as is; D-M-YYYY, D/M/YYYY and D.M.YYYY (the Dutch order) become YYYY-MM-DD. */
export function toIsoDate(text: string): string | undefined {
  const trimmed = text.trim();
  if (isIsoDate(trimmed)) return trimmed;
  const match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(trimmed);
  if (!match) return undefined;
  const iso = `${match[3]}-${(match[2] ?? '').padStart(2, '0')}-${(match[1] ?? '').padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

function listFiles(root: string): string[] {
  const files: string[] = [];
  if (!existsSync(root)) return files;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(path);
    }
  };
  walk(root);
  return files;
}
