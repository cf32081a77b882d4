// Bundles the CLI after tsc: dist/cli.js becomes one ES module with the code every command needs
// (hwc's own modules, zod, yaml, imapflow), and each lazily loaded command a chunk beside it. About
// 250 module files, each resolved, read and compiled, were most of an empty check's time (README,
// Performance). The other files tsc wrote in dist/ stay, for tools that import single modules.
// Native and CommonJS packages with their own file lookups stay outside: better-sqlite3 (a
// native addon), pino (worker-thread transports by file name), mailparser and nodemailer (loaded
// only when mail is read or sent), node-cron (the daemon only).
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'rolldown';

const dist = resolve(import.meta.dirname, '..', 'dist');
const out = join(dist, '.bundle');
const EXTERNAL = ['better-sqlite3', 'pino', 'mailparser', 'nodemailer', 'node-cron', 'iconv-lite'];

// iconv-lite stays outside too: its encodings (a fifth of the IMAP chunk) are loaded by iconv-lite
// itself on the first charset lookup, which an empty check never makes, instead of being compiled
// and held in memory in every process. It is not a dependency of hwc's own: the one found from
// dist/ must be the very version imapflow and libmime pin, or the build stops.
const requireFromDist = createRequire(join(dist, 'cli.js'));
const iconvVersion = JSON.parse(
  readFileSync(requireFromDist.resolve('iconv-lite/package.json'), 'utf8'),
).version;
for (const pkg of ['imapflow', 'libmime']) {
  const manifest = join(dirname(requireFromDist.resolve(`${pkg}/package.json`)), 'package.json');
  const wanted = JSON.parse(readFileSync(manifest, 'utf8')).dependencies?.['iconv-lite'];
  if (wanted !== iconvVersion) {
    console.error(`bundle: ${pkg} wants iconv-lite ${wanted}, dist/ finds ${iconvVersion}`);
    process.exit(1);
  }
}

// libmime (imported by imapflow, and by mailsplit in imapflow) looks up five iconv-lite codecs
// when it loads: the first lookup loads every iconv-lite encoding and 'gbk' builds the GBK tables,
// together about a fifth of an empty check's CPU and several MB of heap in every process, though
// an empty check and an idle daemon decode no charset at all. The same lookups made on first
// use: iconv-lite caches each codec, so the values compared are the very same objects.
const LAZY_CODECS = [
  [
    /const UNSUPPORTED_CODECS = (new Set\([^;]*\));/,
    'let lazyUnsupportedCodecs;\nconst UNSUPPORTED_CODECS = { has: (codec) => (lazyUnsupportedCodecs ??= $1).has(codec) };',
  ],
  [
    /const DBCS_DECODER = ([\w.]+\.getCodec\('gbk'\)\.decoder);/,
    'let lazyDbcsDecoder;\nconst dbcsDecoder = () => (lazyDbcsDecoder ??= $1);',
  ],
  [/codec\.decoder === DBCS_DECODER\b/, 'codec.decoder === dbcsDecoder()'],
  [
    /const BYTE_ORDER_GUESSING = (new Map\(\[[^;]*\]\));/,
    'let lazyByteOrderGuessing;\nconst BYTE_ORDER_GUESSING = { get: (codec) => (lazyByteOrderGuessing ??= $1).get(codec) };',
  ],
];
const lazyCodecs = {
  name: 'hwc-lazy-libmime-codecs',
  transform(code, id) {
    if (!/[\\/]libmime[\\/]dist[\\/](esm|cjs)[\\/]charset\.js$/.test(id)) return null;
    let out = code;
    for (const [pattern, replacement] of LAZY_CODECS) {
      if (!pattern.test(out)) {
        // A libmime that changed: bundled as it is (correct, only slower), and said so.
        console.warn(`bundle: libmime's charset.js no longer matches ${pattern}; its codecs load eagerly`);
        return null;
      }
      out = out.replace(pattern, replacement);
    }
    return { code: out, map: null };
  },
};

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
  plugins: [lazyCodecs],
  output: {
    dir: out,
    format: 'esm',
    entryFileNames: 'cli.js',
    // Chunks sit beside cli.js: version.ts finds package.json one directory up from its module.
    chunkFileNames: 'cli-[name]-[hash].js',
    sourcemap: false,
    // V8 keeps each module's source as a string for as long as the process runs: one non-Latin-1
    // character (a dash in a comment) makes it two bytes a character. ASCII with escapes and no
    // comments halved the source held by an idle daemon (3.3 MB to 1.5 MB).
    charset: 'ascii',
    comments: false,
  },
});
for (const name of readdirSync(out)) renameSync(join(out, name), join(dist, name));
rmSync(out, { recursive: true, force: true });
chmodSync(join(dist, 'cli.js'), 0o755);
