import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: REPO });

/** The rules that a probe file, which need not exist, breaks under the repository's lint configuration. */
async function brokenRules(file: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO, file) });
  return (result?.messages ?? []).map((message) => message.ruleId);
}

const importOf = (source: string): string =>
  `import { probe } from '${source}';\nexport const used = probe;\n`;

// Loading the configuration and the TypeScript parser takes seconds on a loaded 2-core machine:
// once, up front, and with room for each lint after it.
describe('lint fences', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    await brokenRules('src/core/warm-up.ts', 'export {};\n');
  }, 120_000);

  it.each([
    ['src/core/recognise/probe.ts', '../../adapters/imap-mailbox.js'],
    ['src/core/probe.ts', '../adapters/sqlite-store.js'],
    ['src/core/report/probe.ts', '../../config/schema.js'],
    ['src/core/probe.ts', '../commands/io.js'],
    ['src/core/recognise/probe.ts', '../../check.js'],
    ['src/core/probe.ts', '../check/plan.js'],
    ['src/core/probe.ts', 'node:fs/promises'],
    ['src/check/probe.ts', '../adapters/smtp-mailer.js'],
    ['src/check/steps/probe.ts', '../../commands/io.js'],
    ['src/check.ts', './adapters/smtp-mailer.js'],
    ['src/config/probe.ts', '../adapters/x.js'],
    ['src/config/probe.ts', '../commands/config.js'],
  ])('when %s imports %s, then lint fails on that import', async (file, source) => {
    expect(await brokenRules(file, importOf(source))).toEqual(['no-restricted-imports']);
  });

  it.each([
    ['src/core/recognise/probe.ts', '../schedule.js'],
    ['src/core/probe.ts', './vocabulary.js'],
    ['src/config/probe.ts', '../core/vocabulary.js'],
    ['src/check/probe.ts', '../core/decide.js'],
    ['src/commands/probe.ts', '../adapters/smtp-mailer.js'],
  ])('when %s imports %s, then lint passes', async (file, source) => {
    expect(await brokenRules(file, importOf(source))).toEqual([]);
  });

  it('when the core calls new Date() without an argument, then lint fails, because that reads the clock', async () => {
    const code = 'export const now = (): Date => new Date();\n';
    expect(await brokenRules('src/core/probe.ts', code)).toEqual(['no-restricted-syntax']);
  });

  it('when the core makes a Date from a value, then lint passes', async () => {
    const code = 'export const at = (iso: string): Date => new Date(iso);\n';
    expect(await brokenRules('src/core/probe.ts', code)).toEqual([]);
  });

  it('when code outside the core calls new Date(), then lint passes', async () => {
    const code = 'export const now = (): Date => new Date();\n';
    expect(await brokenRules('src/commands/probe.ts', code)).toEqual([]);
  });
});
