/**
 * The shared defaults of a config directory (`defaults.yaml`): merged under each school's file,
 * mapping by mapping, so that a school's own value always wins. Lists and plain values are
 * replaced whole, never concatenated: a school's `senders` or `schedule.checks` is exactly what
 * its file says when it says anything.
 */
import { isPlainObject } from './fields.js';

/** The defaults file's own section, for the directory as a whole; never merged into a school. */
export const BOARD_SECTION = 'board';

export function deepMerge(defaults: unknown, school: unknown): unknown {
  if (school === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(school)) return school;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(school)) merged[key] = deepMerge(defaults[key], value);
  return merged;
}

/** The defaults that apply to every school: the file without its `board:` section. */
export function schoolDefaultsOf(data: unknown): unknown {
  if (!isPlainObject(data)) return data;
  const rest: Record<string, unknown> = { ...data };
  delete rest[BOARD_SECTION];
  return rest;
}
