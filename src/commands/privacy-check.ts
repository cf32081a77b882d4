import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canaryForms, findForms, MIN_FORM_LENGTH } from '../core/canary-forms.js';
import { isIsoDate } from '../config/formats.js';
import { loadConfigForCommand } from './config.js';
import { EXIT, type Io } from './io.js';
import { readSearchTerms } from './search-input.js';

export interface SearchTerms {
  names: string[];
  /** As YYYY-MM-DD. */
  dates: string[];
  /** Lines written like a date that is not one (31-02-2015): neither searched as a date nor as a name. */
  badDates: number;
}

/** --name and --date are refused: this says why, and how to give the terms instead. */
export const NO_SEARCH_ARGUMENTS =
  'hwc privacy-check: --name and --date are no longer accepted: on the command line a name and a birth date ' +
  'stay in ps, the shell history and logs.\n' +
  'Give them on standard input instead, one per line: run `hwc privacy-check --config FILE` and type them ' +
  '(what you type is not shown; end with an empty line or Ctrl-D), or from a script:\n' +
  '  printf \'%s\\n\' "$NAME" "$BIRTH_DATE" | hwc privacy-check --config FILE\n';

/**
 * `hwc privacy-check`: proof for the MR and parents that the program keeps nothing about a child.
 * It reads every byte of every file under the storage directory (the SQLite file with its free
 * pages, and any journal) and searches for the names and birth dates given on standard input in
 * every form they could take. It never prints what it searched for, only how much, and which file
 * held a match. The config is loaded first, so that nobody types a child's name for nothing.
 */
export async function commandPrivacyCheck(configPath: string, io: Io): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const lines = io.stdin ? await readSearchTerms(io.stdin, io.stderr) : [];
  if (lines === 'interrupted') {
    io.stderr.write('hwc privacy-check: interrupted; nothing was searched\n');
    return EXIT.usage;
  }
  const terms = searchableTerms(lines, io);
  return typeof terms === 'number' ? terms : searchStorage(config.storage, terms, io);
}

/** Searches every byte of every file under the storage directory, and names the files with a match. */
function searchStorage(storage: string, { names, dates }: SearchTerms, io: Io): number {
  const forms = canaryForms(names, dates);
  const files = listFiles(storage);
  io.stdout.write(`hwc privacy-check: storage ${storage}\n`);
  if (!existsSync(storage)) io.stdout.write('  the storage directory does not exist: nothing is kept\n');
  let bytes = 0;
  const found: string[] = [];
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    io.stdout.write(`  ${relative(storage, file)}  ${content.length} bytes\n`);
    if (findForms(content, forms).length > 0) found.push(file);
  }
  io.stdout.write(
    `searched ${plural(files.length, 'file', 'files')} (${bytes} bytes, every byte: free database pages and journals included) ` +
      `for ${plural(names.length, 'name', 'names')}, ${plural(dates.length, 'date', 'dates')}, ${forms.length} forms\n` +
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

/** The terms sorted into names and dates, or the exit code after saying (by count) what is wrong. */
function searchableTerms(lines: readonly string[], io: Io): SearchTerms | number {
  const { names, dates, badDates } = sortSearchTerms(lines);
  if (names.length === 0 && dates.length === 0 && badDates === 0) {
    io.stderr.write(
      'hwc privacy-check: give at least one name or birth date on standard input, one per line\n',
    );
    return EXIT.usage;
  }
  // The messages below count the terms and never quote them: they are a child's data.
  const shortNames = names.filter((name) => name.length < MIN_FORM_LENGTH).length;
  if (shortNames > 0) {
    io.stderr.write(
      `hwc privacy-check: ${plural(shortNames, 'name is', 'names are')} shorter than ${MIN_FORM_LENGTH} characters; ` +
        'give the full name (first name and surname), which can be searched without chance matches\n',
    );
    return EXIT.usage;
  }
  if (badDates > 0) {
    io.stderr.write(
      `hwc privacy-check: ${plural(badDates, 'date is', 'dates are')} not a valid date; write YYYY-MM-DD or DD-MM-YYYY\n`,
    );
    return EXIT.usage;
  }
  return { names, dates, badDates };
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

const DATE_SHAPE = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/;

/** A line that reads as a date is a date, in the forms --date took; any other line is a name. */
export function sortSearchTerms(lines: readonly string[]): SearchTerms {
  const terms: SearchTerms = { names: [], dates: [], badDates: 0 };
  for (const line of lines) {
    const date = toIsoDate(line);
    if (date !== undefined) terms.dates.push(date);
    else if (DATE_SHAPE.test(line.trim())) terms.badDates += 1;
    else terms.names.push(line.trim().replace(/\s+/g, ' '));
  }
  return terms;
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
