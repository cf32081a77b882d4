// Bundles the CLI after tsc: dist/hwc.cjs (the `hwc` bin, from src/bin.ts) becomes one CommonJS
// file with the code every command needs (hwc's own modules, zod, yaml, imapflow), and each lazily
// loaded command a chunk beside it (dist/hwc-*.cjs). About 250 module files, each resolved, read
// and compiled, were most of an empty check's time (README, Performance); CommonJS, loaded in one
// synchronous pass, spares the ES module loader, and lets hwc keep the compiled code between runs
// on Node 20 (src/code-cache.ts). dist/cli.js, the bin of earlier releases, becomes an ES module
// that loads dist/hwc.cjs. The other files tsc wrote in dist/ stay, for tools that import single
// modules.
// Packages loaded only for some work stay outside: mailparser and nodemailer (when mail is read or
// sent), node-cron (the daemon only). better-sqlite3's JavaScript is bundled and its native addon
// required from node_modules by its path (below). pino is bundled: its 29 CommonJS files, each
// resolved, read and compiled by Node's CommonJS loader, took longer than all of imapflow. Its
// worker-thread transports find their worker by file name (`__dirname`) and would fail in the
// bundle: hwc never uses one (it logs to stdout with `pino.destination`).
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'rolldown';

const dist = resolve(import.meta.dirname, '..', 'dist');
const out = join(dist, '.bundle');
const EXTERNAL = ['mailparser', 'nodemailer', 'node-cron', 'iconv-lite', 'encoding-japanese'];

// iconv-lite stays outside too: its encodings (a fifth of the IMAP chunk) are loaded by iconv-lite
// itself on the first charset lookup, which an empty check never makes, instead of being compiled
// and held in memory in every process. Neither it nor encoding-japanese (below) is a dependency of
// hwc's own: the one found from dist/ must be the very version imapflow and libmime pin, or the
// build stops.
const requireFromDist = createRequire(join(dist, 'cli.js'));
for (const lazy of ['iconv-lite', 'encoding-japanese']) {
  const found = JSON.parse(readFileSync(requireFromDist.resolve(`${lazy}/package.json`), 'utf8')).version;
  for (const pkg of ['imapflow', 'libmime']) {
    const manifest = join(dirname(requireFromDist.resolve(`${pkg}/package.json`)), 'package.json');
    const wanted = JSON.parse(readFileSync(manifest, 'utf8')).dependencies?.[lazy];
    if (wanted !== found) {
      console.error(`bundle: ${pkg} wants ${lazy} ${wanted}, dist/ finds ${found}`);
      process.exit(1);
    }
  }
}

// better-sqlite3 finds its addon with the `bindings` package, which looks for the package root
// from its caller's file name (wrong inside the bundle) and then tries a dozen paths. The bundle
// requires build/Release/better_sqlite3.node, where better-sqlite3's install puts it, instead: only
// when that is the file `bindings` would find first; else better-sqlite3 stays outside as a whole.
const SQLITE_ADDON = 'better-sqlite3/build/Release/better_sqlite3.node';
const sqliteRoot = dirname(requireFromDist.resolve('better-sqlite3/package.json'));
const sqliteAddonFirst =
  existsSync(join(sqliteRoot, 'build/Release/better_sqlite3.node')) &&
  !['build', 'build/Debug'].some((dir) => existsSync(join(sqliteRoot, dir, 'better_sqlite3.node')));
if (sqliteAddonFirst) EXTERNAL.push(SQLITE_ADDON);
else {
  console.warn(`bundle: ${SQLITE_ADDON} is not the addon better-sqlite3 would load; it stays outside`);
  EXTERNAL.push('better-sqlite3');
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
// imapflow's code for what an empty check never does, kept out of the chunk every command loads:
// the SOCKS client (socks, ip-address, smart-buffer; only for a `proxy:` socks URL) and message
// downloads (`download()`: mailsplit, with libmime, libqp and libbase64 a second time as CommonJS)
// each become a chunk of their own, imported on first use from the async functions that use them.
// encoding-japanese (ISO-2022-JP and the like, in libmime and imapflow) is decoded in synchronous
// code, so it stays outside the bundle as iconv-lite does and is required on the first Japanese
// charset. Each is about a tenth of the code an empty check compiled.
const LAZY_REQUIRE =
  "import { createRequire as hwcCreateRequire } from 'node:module';\n" +
  'let hwcEncodingJapanese;\n' +
  "const encodingJapanese = { convert: (...args) => (hwcEncodingJapanese ??= hwcCreateRequire(import.meta.url)('encoding-japanese')).convert(...args) };";
const LAZY_JAPANESE = [[/^import encodingJapanese from 'encoding-japanese';$/m, LAZY_REQUIRE]];
// iconv-lite itself (its index and stream code, through Node's CommonJS loader) is required on the
// first charset lookup too, not when imapflow and libmime load: an object that requires it on first
// use stands in for the module. iconv-lite's functions refer to their module, never to `this`.
const LAZY_ICONV = [
  [
    /^import iconv from 'iconv-lite';$/m,
    "import { createRequire as hwcIconvRequire } from 'node:module';\n" +
      'let hwcIconv;\n' +
      "const iconv = new Proxy({}, { get: (_, key) => (hwcIconv ??= hwcIconvRequire(import.meta.url)('iconv-lite'))[key] });",
  ],
];
const REWRITES = [
  {
    what: "better-sqlite3's addon",
    // Bundled as it is, `bindings` would look for the addon beside hwc and fail: stop the build.
    required: true,
    file: /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/,
    rules: [[/require\('bindings'\)\('better_sqlite3\.node'\)/, `require('${SQLITE_ADDON}')`]],
  },
  {
    what: "libmime's charset codecs",
    file: /[\\/]libmime[\\/]dist[\\/](esm|cjs)[\\/]charset\.js$/,
    rules: LAZY_CODECS,
  },
  {
    what: "imapflow's iconv-lite",
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]tools\.js$/,
    rules: LAZY_ICONV,
  },
  {
    what: "libmime's iconv-lite",
    file: /[\\/]libmime[\\/]dist[\\/]esm[\\/]charset\.js$/,
    rules: LAZY_ICONV,
  },
  {
    what: "libmime's encoding-japanese",
    file: /[\\/]libmime[\\/]dist[\\/]esm[\\/]charset\.js$/,
    rules: LAZY_JAPANESE,
  },
  {
    what: "imapflow's encoding-japanese",
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]jp-decoder\.js$/,
    rules: LAZY_JAPANESE,
  },
  {
    what: "imapflow's SOCKS client",
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]proxy-connection\.js$/,
    rules: [
      [/^import \{ SocksClient \} from 'socks';$/m, ''],
      [/\bSocksClient\.createConnection\(/, "(await import('socks')).SocksClient.createConnection("],
    ],
  },
  {
    what: "imapflow's downloads",
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]imap-flow\.js$/,
    rules: [
      [
        /^import \{ downloadMessage, downloadMessageParts \} from '\.\/download\.js';$/m,
        "const downloadMessage = async (...args) => (await import('./download.js')).downloadMessage(...args);\n" +
          "const downloadMessageParts = async (...args) => (await import('./download.js')).downloadMessageParts(...args);",
      ],
    ],
  },
  // imapflow's connection id came from Web Crypto (globalThis.crypto), whose first use loads two
  // more Node modules: the same random bytes from node:crypto, which TLS has loaded already.
  {
    what: "imapflow's connection id",
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]imap-flow\.js$/,
    rules: [
      [
        /^import tls from 'node:tls';$/m,
        "import tls from 'node:tls';\nimport { randomFillSync as hwcRandomFill } from 'node:crypto';",
      ],
      [/\bglobalThis\.crypto\.getRandomValues\(/, 'hwcRandomFill('],
    ],
  },
  // imapflow orders the folders it lists with String#localeCompare, whose first use loads ICU's
  // collation data (about 15 ms of an empty check). The same order for folder names that differ
  // in more than case and accents (ASCII names, as mail servers use them), by a comparison that
  // needs no ICU: without case first, then lower case first, as ICU's root collation orders.
  {
    what: "imapflow's folder order",
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]commands[\\/]list\.js$/,
    rules: [
      [
        /^(import [^\n]*;)$/m,
        '$1\nconst hwcComparePaths = (a, b) => { const x = a.toLowerCase(); const y = b.toLowerCase(); return x < y ? -1 : x > y ? 1 : a < b ? 1 : a > b ? -1 : 0; };',
      ],
      [/\ba\.entry\.path\.localeCompare\(b\.entry\.path\)/, 'hwcComparePaths(a.entry.path, b.entry.path)'],
      [/\baPart\.localeCompare\(bPart \|\| ''\)/, "hwcComparePaths(aPart, bPart || '')"],
      [/\ba\.path\.localeCompare\(b\.path\)/, 'hwcComparePaths(a.path, b.path)'],
    ],
  },
  // pino's worker-thread transports and sonic-boom's argument check, kept out of the code every
  // command loads: worker_threads and assert are Node modules an empty check never needs (about
  // 6 ms to load). hwc logs to a file descriptor and never starts a transport.
  {
    what: "pino's worker threads",
    file: /[\\/]pino[\\/]lib[\\/]tools\.js$/,
    rules: [
      [/^const \{ isMainThread \} = require\('worker_threads'\)$/m, ''],
      [/&& isMainThread\)/, "&& require('worker_threads').isMainThread)"],
    ],
  },
  {
    what: "pino's thread-stream",
    file: /[\\/]pino[\\/]lib[\\/]transport\.js$/,
    rules: [
      [/^const ThreadStream = require\('thread-stream'\)$/m, ''],
      [/\bnew ThreadStream\(/, "new (require('thread-stream'))("],
    ],
  },
  {
    what: "sonic-boom's assert",
    file: /[\\/]sonic-boom[\\/]index\.js$/,
    rules: [
      [/^const assert = require\('assert'\)$/m, "const assert = (...args) => require('assert')(...args)"],
    ],
  },
];
// imapflow pins a pino of its own (nested in its node_modules) that it only uses for a connection
// without a logger, which hwc never makes (`logger: false`). It gets the one hwc bundles, as it got
// the one found from dist/ when pino was external, instead of a second copy loaded in every process.
const pinoFromDist = requireFromDist.resolve('pino');
const lazyParts = {
  name: 'hwc-lazy-parts',
  resolveId(source, importer) {
    return source === 'pino' && /[\\/]imapflow[\\/]/.test(importer ?? '') ? pinoFromDist : null;
  },
  transform(code, id) {
    let out = code;
    for (const { what, file, rules, required } of REWRITES) {
      if (!file.test(id)) continue;
      let next = out;
      for (const [pattern, replacement] of rules) {
        if (!pattern.test(next) && required) throw new Error(`bundle: ${id} no longer matches ${pattern}`);
        if (!pattern.test(next)) {
          // A dependency that changed: bundled as it is (correct, only slower), and said so.
          console.warn(`bundle: ${id} no longer matches ${pattern}; ${what} load eagerly`);
          next = undefined;
          break;
        }
        next = next.replace(pattern, replacement);
      }
      if (next !== undefined) out = next;
    }
    return out === code ? null : { code: out, map: null };
  },
};

// The input must be what tsc just wrote: dist/cli.js after a bundle is the stub written below.
const STUB = "createRequire(import.meta.url)('./hwc.cjs');";
if (!existsSync(join(dist, 'bin.js')) || readFileSync(join(dist, 'cli.js'), 'utf8').includes(STUB)) {
  console.error('bundle: dist/ holds no fresh tsc output; run `npm run build`');
  process.exit(1);
}
for (const name of readdirSync(dist)) {
  if (/^(cli-|hwc-|hwc\.cjs$|cli\.js\.map$)/.test(name)) rmSync(join(dist, name));
}
rmSync(out, { recursive: true, force: true });
await build({
  // Two entries: the bin (src/bin.ts) and the CLI it loads once the cache is on. Rolldown puts its
  // helpers, which every chunk requires, into an entry; never the bin's, which is the main module
  // and would run again when required under another name (a symlinked bin with
  // --preserve-symlinks-main).
  input: { hwc: join(dist, 'bin.js'), 'hwc-cli': join(dist, 'cli.js') },
  platform: 'node',
  external: (id) => id.startsWith('node:') || EXTERNAL.some((p) => id === p || id.startsWith(`${p}/`)),
  logLevel: 'warn',
  plugins: [lazyParts],
  output: {
    dir: out,
    format: 'cjs',
    // A dynamic import() left in a chunk would need an ES module loader callback that code
    // compiled from the cache (src/code-cache.ts) does not have: external packages are required.
    dynamicImportInCjs: false,
    // The bin keeps its name; every other file carries a hash of its content, which the code cache
    // relies on (src/code-cache.ts).
    entryFileNames: (chunk) => (chunk.name === 'hwc' ? 'hwc.cjs' : '[name]-[hash].cjs'),
    // Chunks sit beside hwc.cjs: version.ts finds package.json one directory up from its module.
    chunkFileNames: 'hwc-[name]-[hash].cjs',
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
// The bin of earlier releases, for scripts and units that name it: the same CLI, one ES module more.
writeFileSync(
  join(dist, 'cli.js'),
  `#!/usr/bin/env node\nimport { createRequire } from 'node:module';\n\n${STUB}\n`,
);
chmodSync(join(dist, 'hwc.cjs'), 0o755);
chmodSync(join(dist, 'cli.js'), 0o755);
