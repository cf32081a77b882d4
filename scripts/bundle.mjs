// Bundles the CLI after tsc: dist/cli.js becomes one ES module with the code every command needs
// (hwc's own modules, zod, yaml, imapflow), and each lazily loaded command a chunk beside it. About
// 250 module files, each resolved, read and compiled, were most of an empty check's time (README,
// Performance). The other files tsc wrote in dist/ stay, for tools that import single modules.
// Native and CommonJS packages with their own file lookups stay outside: better-sqlite3 (a
// native addon), pino (worker-thread transports by file name), mailparser and nodemailer (loaded
// only when mail is read or sent), node-cron (the daemon only).
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

const dist = resolve(import.meta.dirname, '..', 'dist');
const out = join(dist, '.bundle');
const EXTERNAL = ['better-sqlite3', 'pino', 'mailparser', 'nodemailer', 'node-cron'];

// Bundling a bundle would lose the chunks it imports: the input must be what tsc just wrote.
if (readFileSync(join(dist, 'cli.js'), 'utf8').includes('./cli-')) {
  console.error('bundle: dist/cli.js is already bundled; run `npm run build`');
  process.exit(1);
}
for (const name of readdirSync(dist)) {
  if (name.startsWith('cli-') || name === 'cli.js.map') rmSync(join(dist, name));
}
rmSync(out, { recursive: true, force: true });
await build({
  input: join(dist, 'cli.js'),
  platform: 'node',
  external: (id) => id.startsWith('node:') || EXTERNAL.some((p) => id === p || id.startsWith(`${p}/`)),
  logLevel: 'warn',
  output: {
    dir: out,
    format: 'esm',
    entryFileNames: 'cli.js',
    // Chunks sit beside cli.js: version.ts finds package.json one directory up from its module.
    chunkFileNames: 'cli-[name]-[hash].js',
    sourcemap: false,
  },
});
for (const name of readdirSync(out)) renameSync(join(out, name), join(dist, name));
rmSync(out, { recursive: true, force: true });
chmodSync(join(dist, 'cli.js'), 0o755);
