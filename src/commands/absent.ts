import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSeq, parseDocument } from 'yaml';
import { replaceFileAtomically } from '../adapters/atomic-file.js';
import { withAbsence } from '../config/add-absence.js';
import { loadConfig } from '../config/load-config.js';
import { EXIT, type Io } from './io.js';

const ISO = /^\d{4}-\d{2}-\d{2}$/;

function validIso(text: string): boolean {
  if (!ISO.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/**
 * `hwc absent`: records that a contact is away, in the config file itself, so that a school
 * office can do it without editing YAML by hand. Comments and layout of the file are kept; the
 * result is validated before it replaces the file, atomically (through a symbolic link: the file
 * it points to is changed, and the link stays).
 */
export async function commandAbsent(
  configPath: string,
  options: { from?: string; to?: string; contact: string },
  io: Io,
): Promise<number> {
  const from = options.from;
  const to = options.to ?? options.from;
  if (!from || !to || !validIso(from) || !validIso(to) || from > to) {
    io.stderr.write(
      'hwc absent: give --from YYYY-MM-DD and optionally --to YYYY-MM-DD (not before --from)\n',
    );
    return EXIT.usage;
  }
  if (options.contact !== 'primary' && options.contact !== 'backup') {
    io.stderr.write('hwc absent: --contact must be primary or backup\n');
    return EXIT.usage;
  }
  const file = resolve(io.cwd, configPath);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    io.stderr.write(`hwc absent: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return EXIT.config;
  }
  const doc = parseDocument(source);
  if (doc.errors.length > 0) {
    io.stderr.write(`hwc absent: ${file} is not valid YAML; run hwc check --dry-run to see why\n`);
    return EXIT.config;
  }
  const entry = from === to ? from : `${from}..${to}`;
  const existing = doc.getIn(['contacts', options.contact, 'absent'], true);
  if (isSeq(existing)) {
    if (existing.items.some((item) => String((item as { value?: unknown }).value ?? item) === entry)) {
      io.stdout.write(`already recorded: ${options.contact} absent ${entry}\n`);
      return EXIT.ok;
    }
  }
  const updated = withAbsence(source, options.contact, entry);

  // Validate the result exactly as the daemon will read it, before touching the file.
  const check = await loadConfig(file, {
    env: io.env,
    cwd: io.cwd,
    readFile: (p) => (p === file ? updated : readFileSync(p, 'utf8')),
  });
  if ('errors' in check) {
    io.stderr.write(
      `hwc absent: the result would not be a valid configuration:\n${check.errors.map((e) => `  ${e}`).join('\n')}\n`,
    );
    return EXIT.config;
  }
  try {
    replaceFileAtomically(file, updated);
  } catch (err) {
    io.stderr.write(`hwc absent: cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return EXIT.runError;
  }
  io.stdout.write(`recorded: ${options.contact} absent ${entry}; it takes effect at the next check\n`);
  return EXIT.ok;
}
