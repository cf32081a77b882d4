/**
 * Building blocks for the field schemas: every schema carries its own error function, so that
 * each message reads `expected …, got …` or `missing; <fix>`; parse-config.ts adds the key path.
 */
import * as z from 'zod';
import { show } from './errors.js';

// Each config is parsed once per process: zod's just-in-time parsers (one `new Function` per
// object schema, compiled on its first parse) cost more to build than they ever save here.
z.config({ jitless: true });

interface IssueLike {
  readonly input?: unknown;
}

/** One error function for all issues of a schema: type errors and failed checks read the same. */
export function expecting(expected: string, missing: string, render: (value: unknown) => string = show) {
  return (issue: IssueLike): string =>
    issue.input === undefined ? `missing; ${missing}` : `expected ${expected}, got ${render(issue.input)}`;
}

export type Fail = (message: string, path?: PropertyKey[]) => void;

export type Presence<T> = { missing: string } | { default: T };

/**
 * A field with a hand-written parser, for formats that zod has no primitive for.
 * `parse` returns undefined to reject; if it did not call `fail`, the generic
 * `expected …, got …` message is used.
 */
export function field<T>(
  expected: string,
  presence: Presence<T>,
  parse: (value: unknown, fail: Fail) => T | undefined,
) {
  // `.optional()` first: zod 4 skips an absent key unless the schema declares itself optional,
  // and this transform must run for an absent key to apply the default or say what is missing.
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T => {
      if (value === undefined) {
        if ('default' in presence) return presence.default;
        ctx.addIssue({ code: 'custom', message: `missing; ${presence.missing}` });
        return z.NEVER;
      }
      let failed = false;
      const fail: Fail = (message, path) => {
        failed = true;
        ctx.addIssue({ code: 'custom', message, ...(path ? { path } : {}) });
      };
      const out = parse(value, fail);
      if (out === undefined) {
        if (!failed) ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(value)}` });
        return z.NEVER;
      }
      return out;
    });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(expected: string, missing: string) {
  const error = expecting(expected, missing);
  return z.string({ error }).trim().min(1, { error });
}

export function bool(missing: string) {
  return z.boolean({ error: expecting('true or false', missing) });
}
