/**
 * A config directory (`--config-dir DIR`): every `*.yaml` in DIR is one school in the ordinary
 * schema, except the shared defaults file (`defaults.yaml`), which is merged under each of them
 * and whose `board:` section holds the directory's own settings (`concurrency`).
 *
 * A school's name is its file name without `.yaml` (`de-reuzepas.yaml` is `de-reuzepas`): unique
 * in a directory by construction, also on the command line (`--school de-reuzepas`), in the logs
 * (`schoolName`) and in `hwc status`. What makes one school's config unusable is that school's
 * problem only; only a directory that cannot be read, or a defaults file whose `board:` section is
 * wrong, stops them all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isPlainObject } from '../config/fields.js';
import { BOARD_SECTION } from '../config/config-defaults.js';
import {
  loadConfig,
  type LoadConfigDeps,
  type LoadConfigResult,
  type ParsedConfigCache,
} from '../config/load-config.js';
import type { ResolvedConfig } from '../config/types.js';

export const DEFAULTS_FILE = 'defaults.yaml';
/** Checks at once when neither `board.concurrency` nor `--concurrency` says: two cores, mostly waiting on I/O. */
export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface BoardSchool {
  name: string;
  file: string;
  /** Problems that only the directory shows (a shared storage, a name that differs only in case). */
  problems: string[];
  /**
   * The school's config as the directory read it, for the school's command to take instead of
   * reading and validating the same files a second time (README, Performance). Taken once: a
   * daemon that reads its config again later reads the files.
   */
  loaded?: LoadConfigResult;
}

export interface Board {
  dir: string;
  defaultsFile?: string;
  concurrency: number;
  schools: BoardSchool[];
}

type Env = Record<string, string | undefined>;

/** Reads the directory and what its schools share; each school's own config is read by its command. */
export async function readBoard(
  dir: string,
  env: Env,
  cwd: string,
  cache?: ParsedConfigCache,
): Promise<Board | { errors: string[] }> {
  const path = resolve(cwd, dir);
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      errors: [`${path}: cannot read the config directory (${typeof code === 'string' ? code : 'error'})`],
    };
  }
  const defaultsPath = join(path, DEFAULTS_FILE);
  const defaultsFile = existsSync(defaultsPath) ? defaultsPath : undefined;
  const concurrency = defaultsFile ? await boardConcurrency(defaultsFile) : DEFAULT_CONCURRENCY;
  if (typeof concurrency !== 'number') return concurrency;
  const files = names.filter(
    (name) => name.endsWith('.yaml') && !name.startsWith('.') && name !== DEFAULTS_FILE,
  );
  if (files.length === 0) {
    return {
      errors: [`${path}: no school's *.yaml in the config directory (${DEFAULTS_FILE} only holds defaults)`],
    };
  }
  const schools = files.map((file) => ({
    name: file.slice(0, -'.yaml'.length),
    file: join(path, file),
    problems: [] as string[],
  }));
  nameProblems(schools);
  await storageProblems(schools, {
    env,
    cwd: path,
    ...(defaultsFile ? { defaultsFile } : {}),
    ...(cache ? { cache } : {}),
  });
  return { dir: path, ...(defaultsFile ? { defaultsFile } : {}), concurrency, schools };
}

/** Names that cannot be typed safely, or that differ only in case (one file system folds them). */
function nameProblems(schools: BoardSchool[]): void {
  for (const school of schools) {
    if (!NAME.test(school.name)) {
      school.problems.push(
        `${school.file}: a school's file name must be letters, digits, ".", "_" or "-" before .yaml; rename the file`,
      );
    }
    const twin = schools.find(
      (other) => other !== school && other.name.toLowerCase() === school.name.toLowerCase(),
    );
    if (twin) {
      school.problems.push(
        `${school.file}: the school name "${school.name}" is also used by ${twin.file} (names are compared without case); rename one of the files`,
      );
    }
  }
}

/**
 * What two schools may not share: one storage directory would share state, lock and audit log;
 * one link page address (web.listen, web.baseUrl) would leave the second school's page unable to
 * start, or send one school's contacts to another's page. Both schools are refused.
 */
const EXCLUSIVE: { key: string; of: (config: ResolvedConfig) => string | undefined; fix: string }[] = [
  {
    key: 'storage',
    of: (config) => config.storage,
    fix: 'give each school its own storage directory (its state, lock and audit log)',
  },
  {
    key: 'web.listen',
    of: (config) => (config.web ? `${config.web.listen.host}:${config.web.listen.port}` : undefined),
    fix: 'give each school its own port for its link page',
  },
  {
    key: 'web.baseUrl',
    of: (config) => config.web?.baseUrl,
    fix: "give each school its own web.baseUrl (for example a path or host of its own at the board's proxy)",
  },
];

async function storageProblems(schools: BoardSchool[], deps: LoadConfigDeps): Promise<void> {
  const configOf = new Map<BoardSchool, ResolvedConfig>();
  for (const school of schools) {
    school.loaded = await loadConfig(school.file, deps);
    if ('config' in school.loaded) configOf.set(school, school.loaded.config);
  }
  for (const { key, of, fix } of EXCLUSIVE) {
    for (const [school, config] of configOf) {
      const value = of(config);
      if (value === undefined) continue;
      const others = [...configOf]
        .filter(([other, theirs]) => other !== school && of(theirs) === value)
        .map(([other]) => other.name);
      if (others.length > 0) {
        school.problems.push(`${key}: ${value} is also the ${key} of ${others.join(', ')}; ${fix}`);
      }
    }
  }
}

/** The defaults file's `board:` section; yaml loads only for a directory that has that file. */
async function boardConcurrency(defaultsFile: string): Promise<number | { errors: string[] }> {
  let source: string;
  try {
    source = readFileSync(defaultsFile, 'utf8');
  } catch {
    // Every school reports the unreadable defaults file itself; the directory uses the default.
    return DEFAULT_CONCURRENCY;
  }
  const { readYaml } = await import('../config/read-yaml.js');
  const yaml = readYaml(source, defaultsFile);
  if ('errors' in yaml || !isPlainObject(yaml.data)) return DEFAULT_CONCURRENCY;
  const section = yaml.data[BOARD_SECTION];
  if (section === undefined) return DEFAULT_CONCURRENCY;
  const value = isPlainObject(section) ? section['concurrency'] : undefined;
  const unknown = isPlainObject(section) ? Object.keys(section).filter((key) => key !== 'concurrency') : [];
  if (unknown.length > 0 || !isPlainObject(section)) {
    return {
      errors: [
        `${defaultsFile}: ${BOARD_SECTION}: expected a mapping such as { concurrency: 4 }${unknown.length > 0 ? `; unknown key ${unknown.join(', ')}` : ''}`,
      ],
    };
  }
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const parsed = concurrencyOf(value);
  return typeof parsed === 'number'
    ? parsed
    : { errors: [`${defaultsFile}: ${BOARD_SECTION}.concurrency: ${parsed}`] };
}

/** A number of checks at once, 1 to 64; or why not. */
export function concurrencyOf(value: unknown): number | string {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CONCURRENCY) return n;
  return `expected a whole number of checks at once from 1 to ${MAX_CONCURRENCY}, such as ${DEFAULT_CONCURRENCY}, got ${JSON.stringify(value) ?? 'nothing'}`;
}
