/**
 * The bundle that `npm run build` wrote (scripts/bundle.mjs): what an empty check never runs is in
 * chunks of its own, loaded only from a dynamic import, and what is required on first use works.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/hwc.js';

const DIST = join(REPO, 'dist');
const chunks = readdirSync(DIST).filter((name) => name === 'cli.js' || name.startsWith('cli-'));
const source = (name: string): string => readFileSync(join(DIST, name), 'utf8');

/** The chunks that `name` imports statically, and theirs: what loading `name` compiles. */
function staticClosure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const match of source(name).matchAll(/^import [^;]*?from "\.\/(cli-[^"]+\.js)";$/gm)) {
    staticClosure(match[1] as string, seen);
  }
  return seen;
}

describe('the bundle', () => {
  it('when the check command loads, then the SOCKS client and the message downloads are not part of it', () => {
    const check = chunks.find(
      (name) => /^cli-check-[\w-]+\.js$/.test(name) && source(name).includes('checkWithOutput'),
    );
    expect(check).toBeDefined();
    const loaded = [...staticClosure(check as string)];
    const socks = chunks.filter((name) => source(name).includes('class SocksClient'));
    const download = chunks.filter((name) => source(name).includes('MessageSplitter = class'));
    expect(socks).toHaveLength(1);
    expect(download).toHaveLength(1);
    expect(loaded).not.toContain(socks[0]);
    expect(loaded).not.toContain(download[0]);
    // encoding-japanese stays in node_modules, required on the first Japanese charset.
    expect(chunks.filter((name) => source(name).includes('UTF8_TO_JIS_TABLE'))).toEqual([]);
  });

  it('when the bundled libmime decodes an ISO-2022-JP word, then encoding-japanese is required from node_modules and the text is the one libmime gives unbundled', () => {
    const script = `
      import { readdirSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const dist = ${JSON.stringify(DIST)};
      const chunk = await import(dist + '/' + readdirSync(dist).find((n) => n.startsWith('cli-mail-auth-')));
      const libmime = Object.values(chunk).find((v) => typeof v?.decodeWords === 'function');
      const require = createRequire(dist + '/cli.js');
      const before = Object.keys(require.cache).some((k) => k.includes('encoding-japanese'));
      const word = '=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=';
      const bundled = libmime.decodeWords(word);
      const after = Object.keys(require.cache).some((k) => k.includes('encoding-japanese'));
      const reference = createRequire(require.resolve('imapflow'))('libmime').decodeWords(word);
      console.log(JSON.stringify({ before, after, bundled, reference }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      before: false,
      after: true,
      bundled: '\u3066\u3059\u3068',
      reference: '\u3066\u3059\u3068',
    });
  });
});
