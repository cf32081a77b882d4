// The figures of issue #14 ("Fast, measured side by side"), on the private mail stack of
// scripts/mailstack, in one run: each as a median and as a ratio to `node -e 0` and to Debian's
// imapfilter doing the same empty look at the same Dovecot. Counts (IMAP commands, SMTP sessions)
// come from Dovecot's raw log and a counting TCP relay, as in test/integration/round-trips.test.ts.
// Each figure is printed as soon as it is measured, so that a failure later keeps what came before.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';

const repo = resolve(import.meta.dirname, '..');
const cli = join(repo, 'dist/hwc.cjs');
const mailstack = join(repo, 'scripts/mailstack');
const ROUNDS = Number(process.env.HWC_BENCH_ROUNDS ?? 11);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the stack (a no-op when it runs) and reads its connection details. */
function stackEnv() {
  const out = execFileSync(mailstack, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = {};
  for (const m of out.matchAll(/^export (HWC_TEST_[A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2];
  return {
    host: env.HWC_TEST_MAIL_HOST,
    imapPort: Number(env.HWC_TEST_IMAP_PORT),
    submissionPort: Number(env.HWC_TEST_SUBMISSION_PORT),
    inboundPort: Number(env.HWC_TEST_INBOUND_PORT),
    caFile: env.HWC_TEST_CA_FILE,
    dir: env.HWC_TEST_MAILSTACK_DIR,
  };
}

/** Debian's imapfilter, installed on first use (as root); the test suite never needs it. */
function imapfilterPath() {
  const found = spawnSync('sh', ['-c', 'command -v imapfilter'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (process.getuid?.() !== 0) return undefined;
  console.error('bench: installing Debian imapfilter for the side-by-side figures');
  const apt = spawnSync('apt-get', ['install', '-y', '-q', 'imapfilter'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return apt.status === 0 ? '/usr/bin/imapfilter' : undefined;
}

const run = randomBytes(3).toString('hex');
function user(local, domain = 'school.test') {
  const address = `${local}-${run}@${domain}`;
  const password = randomBytes(12).toString('base64url');
  execFileSync(mailstack, ['adduser', address, password], { stdio: 'ignore' });
  return { address, password };
}

/** One school's config directory: hwc.yaml, its password file and its storage. */
function school(env, dir, name, options = {}) {
  const hwc = user(`bench-${name}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passFile = join(dir, `${name}.password`);
  writeFileSync(passFile, hwc.password, { mode: 0o600 });
  const server = (port) =>
    `  host: ${env.host}\n  port: ${port}\n  secure: false\n  tls: { rejectUnauthorized: true, ca: ${env.caFile} }\n` +
    `  auth: { user: ${hwc.address}, pass: { file: ${passFile} } }\n`;
  const checks = options.checks ?? ['07:00', '07:45', '08:05'];
  const config =
    `school: Basisschool Bench ${name}\ntimezone: Europe/Amsterdam\n` +
    `imap:\n${server(env.imapPort)}smtp:\n${server(options.smtpPort ?? env.submissionPort)}` +
    `from: "Handle with Care <${hwc.address}>"\nsenders: ["@veiligthuis.test"]\n` +
    `contacts:\n  primary: { name: Zorg, email: ${user(`zorg-${name}`).address} }\n` +
    `  backup: { name: Achterwacht, email: ${user(`backup-${name}`).address} }\n` +
    `schedule:\n  checks: [${checks.map((t) => `"${t}"`).join(', ')}]\n  days: [mon, tue, wed, thu, fri]\n` +
    `escalateAfter: 20m\n${options.notify ? `notify: ${options.notify}\n` : ''}` +
    `storage: ${join(dir, `${name}.state`)}\n`;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, config);
  return { hwc, file };
}

function wallMs(command, args, options = {}) {
  const start = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = performance.now() - start;
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return { ms, status: result.status, stderr: String(result.stderr ?? '') };
}

/** As wallMs, without blocking this process: the counting relay runs in it. */
function wallMsAsync(command, args) {
  const start = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => (stderr += chunk));
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) =>
    child.on('close', (status) =>
      status === 0
        ? resolve({ ms: performance.now() - start, status })
        : reject(new Error(`${command} ${args.join(' ')} exited ${status}: ${stderr}`)),
    ),
  );
}

/** Dovecot's raw log for one mailbox (rawlog_dir in the stack's dovecot.conf), from now on. */
function rawlog(env, address) {
  const conf = readFileSync(join(env.dir, 'dovecot/dovecot.conf'), 'utf8');
  const uid = Number(/^mail_uid\s*=\s*(\d+)/m.exec(conf)?.[1]);
  const dir = join(env.dir, 'rawlog', address);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chownSync(join(env.dir, 'rawlog'), uid, -1);
  chownSync(dir, uid, -1);
  return {
    commands: () =>
      readdirSync(dir)
        .filter((n) => n.endsWith('.in'))
        .sort()
        .flatMap((n) => readFileSync(join(dir, n), 'latin1').split(/\r?\n/))
        .map((l) => l.replace(/^\d+\.\d+ /, ''))
        .filter((l) => /^\S+ [A-Z]/.test(l))
        .map((l) => l.replace(/^\S+ /, '')),
    stop: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TCP relay that counts the connections through it (SMTP sessions, STARTTLS and all). */
async function countingProxy(host, port) {
  let count = 0;
  const server = createServer((client) => {
    count += 1;
    const upstream = createConnection({ host, port });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, count: () => count, close: () => server.close() };
}

async function withImap(env, hwc, work) {
  const client = new ImapFlow({
    host: env.host,
    port: env.imapPort,
    secure: false,
    auth: { user: hwc.address, pass: hwc.password },
    tls: { ca: [readFileSync(env.caFile)] },
    logger: false,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

async function deliverSignal(env, hwc, id) {
  const vt = user('signaal', 'veiligthuis.test').address;
  const raw = [
    `From: Veilig Thuis <${vt}>`,
    `To: ${hwc.address}`,
    `Subject: Handle with Care`,
    `Message-ID: <${id}>`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Goedemorgen,',
    '',
    'Bram Benchmark, 12-3-2016, Handle with Care',
    '',
  ].join('\r\n');
  const transport = nodemailer.createTransport({
    host: env.host,
    port: env.inboundPort,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ envelope: { from: vt, to: [hwc.address] }, raw });
  transport.close();
  for (let i = 0; i < 100; i += 1) {
    const exists = await withImap(
      env,
      hwc,
      async (c) => (await c.status('INBOX', { messages: true })).messages,
    );
    if (exists > 0) return;
    await sleep(200);
  }
  throw new Error('the signal did not arrive');
}

/** A process's resident memory now, and its CPU time so far, from /proc. */
function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: rssKb / 1024, cpuMs: (ticks * 1000) / 100 };
}

async function idleDaemon(configArgs, settleMs) {
  const child = spawn(process.execPath, [cli, 'run', ...configArgs], { stdio: 'ignore' });
  await sleep(settleMs);
  const stats = procStats(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return stats;
}

/** Max RSS (MB) and wall time of one command, by GNU time when present. */
function measured(args) {
  const hasTime = existsSync('/usr/bin/time');
  const start = performance.now();
  const result = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - start;
  const kb = hasTime ? Number(result.stderr.trim().split('\n').pop()) : NaN;
  return { ms, rssMb: kb / 1024, status: result.status };
}

export async function stackBench() {
  const env = stackEnv();
  const base = mkdtempSync(join(tmpdir(), 'hwc-bench-'));
  const lines = [];
  const targets = [];
  const row = (what, value, note = '') => {
    const line = `${what.padEnd(58)} ${value.padStart(12)}  ${note}`;
    lines.push(line);
    console.log(line);
  };
  try {
    // 1. The empty check, side by side with node -e 0 and imapfilter, interleaved round by round.
    const one = school(env, join(base, 'one'), 'one');
    wallMs(process.execPath, [cli, 'check', '--config', one.file]); // state, and the day's SMTP sign-in
    const imapfilter = imapfilterPath();
    const lua = join(base, 'imapfilter.lua');
    writeFileSync(
      lua,
      `options.timeout = 30\noptions.certificates = false\n` +
        `account = IMAP { server = '${env.host}', port = ${env.imapPort}, username = '${one.hwc.address}', password = '${one.hwc.password}' }\n` +
        `account.INBOX:is_unseen()\naccount['Junk']:is_unseen()\n`,
      { mode: 0o600 },
    );
    const times = { node: [], hwc: [], imapfilter: [] };
    for (let i = 0; i < ROUNDS; i += 1) {
      times.node.push(wallMs(process.execPath, ['-e', '0']).ms);
      times.hwc.push(wallMs(process.execPath, [cli, 'check', '--config', one.file]).ms);
      if (imapfilter) {
        times.imapfilter.push(
          wallMs(imapfilter, ['-t', env.caFile, '-c', lua], { env: { ...process.env, HOME: base } }).ms,
        );
      }
    }
    const node = median(times.node);
    const empty = median(times.hwc);
    const filter = imapfilter ? median(times.imapfilter) : undefined;
    row('node -e 0 (median)', `${node.toFixed(0)} ms`, '1.0x');
    row(
      'hwc check, empty mailbox (median)',
      `${empty.toFixed(0)} ms`,
      `${(empty / node).toFixed(1)}x node -e 0`,
    );
    row(
      'imapfilter, the same empty look at INBOX and Junk (median)',
      filter === undefined ? 'n/a' : `${filter.toFixed(0)} ms`,
      filter === undefined
        ? '(imapfilter not installed)'
        : `${(filter / node).toFixed(1)}x node -e 0; hwc is ${(empty / filter).toFixed(1)}x`,
    );
    targets.push({ what: 'empty check / node -e 0', value: empty / node, atMost: 2.5 });

    // 2 and 3. One signal: SMTP sessions through a counting relay, the purge's IMAP commands.
    const proxy = await countingProxy(env.host, env.submissionPort);
    const sig = school(env, join(base, 'signal'), 'signal', { notify: 'both', smtpPort: proxy.port });
    await wallMsAsync(process.execPath, [cli, 'check', '--config', sig.file]);
    await deliverSignal(env, sig.hwc, `bench-${run}@veiligthuis.test`);
    const log = rawlog(env, sig.hwc.address);
    const sessionsBefore = proxy.count();
    await wallMsAsync(process.execPath, [cli, 'check', '--config', sig.file]);
    const sessions = proxy.count() - sessionsBefore;
    proxy.close();
    const commands = log.commands();
    log.stop();
    const start = commands.findIndex((c) => /^UID SEARCH /.test(c));
    const end = commands.lastIndexOf('LOGOUT');
    const purge = start < 0 ? 0 : (end < 0 ? commands.length : end) - start;
    row('SMTP sessions, check sending 3 mails (2 notifications, receipt)', String(sessions), 'goal 1');
    row(
      'IMAP commands, purge of one signal (5 folders, verified)',
      String(purge),
      'goal <= 15 (was about 57)',
    );
    targets.push({ what: 'SMTP sessions per check', value: sessions, atMost: 1 });
    targets.push({ what: 'IMAP commands per purge', value: purge, atMost: 15 });

    // 4. The first check over N new messages: commands per message.
    const n = 50;
    const flood = school(env, join(base, 'flood'), 'flood');
    await withImap(env, flood.hwc, async (client) => {
      for (let i = 0; i < n; i += 1) {
        await client.append(
          'INBOX',
          `From: nieuwsbrief@example.test\r\nTo: ${flood.hwc.address}\r\nMessage-ID: <flood-${i}-${run}@example.test>\r\nSubject: Nieuwsbrief ${i}\r\n\r\nDeze week.\r\n`,
        );
      }
    });
    const floodLog = rawlog(env, flood.hwc.address);
    const first = wallMs(process.execPath, [cli, 'check', '--config', flood.file]);
    const floodCommands = floodLog.commands();
    floodLog.stop();
    const fetches = floodCommands.filter((c) => /FETCH .*BODY\.PEEK\[\]/.test(c)).length;
    const stores = floodCommands.filter((c) => /STORE /.test(c)).length;
    row(
      `first check over ${n} new messages: IMAP commands`,
      String(floodCommands.length),
      `${(floodCommands.length / n).toFixed(2)} per message (was 2+); ${fetches} source FETCH, ${stores} STORE; ${first.ms.toFixed(0)} ms`,
    );
    targets.push({ what: 'IMAP commands per new message', value: floodCommands.length / n, atMost: 1 });

    // 5. Many check times: the daemon's CPU and memory at start, and one school's idle daemon.
    const every15 = Array.from({ length: 48 }, (_, i) => {
      const m = 7 * 60 + i * 15;
      return `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    });
    const many = school(env, join(base, 'many'), 'many', { checks: every15 });
    wallMs(process.execPath, [cli, 'check', '--config', many.file]);
    const manyStats = await idleDaemon(['--config', many.file], 4_000);
    row(
      'daemon with 48 check times, after 4 s: CPU',
      `${manyStats.cpuMs.toFixed(0)} ms`,
      `RSS ${manyStats.rssMb.toFixed(0)} MB (was 205 MiB)`,
    );
    const idle = await idleDaemon(['--config', one.file], 8_000);
    row(
      'one school idle daemon, after 8 s: RSS',
      `${idle.rssMb.toFixed(0)} MB`,
      'goal < 80 MB (was 89-103 MB)',
    );
    targets.push({ what: 'idle daemon RSS (MB)', value: idle.rssMb, atMost: 80 });

    // 6. Many schools in one process, from one --config-dir. Every check must succeed: a school
    // that failed would be timed as a quick failure. The first run of each directory creates the
    // schools' storage and makes the day's SMTP sign-in; the figures are of the run after it, as
    // for one school's empty check above.
    const twentyDir = join(base, 'twenty');
    for (let i = 0; i < 20; i += 1) school(env, twentyDir, `twenty-${i}`);
    wallMs(process.execPath, [cli, 'check', '--config-dir', twentyDir]);
    const twenty = median(
      [0, 1, 2].map(() => wallMs(process.execPath, [cli, 'check', '--config-dir', twentyDir]).ms),
    );
    row(
      '20 schools, one hwc check --config-dir (median)',
      `${twenty.toFixed(0)} ms`,
      `${(twenty / empty).toFixed(1)}x one school (goal <= 5x); ${(twenty / node).toFixed(1)}x node -e 0`,
    );
    targets.push({ what: '20 schools / one school', value: twenty / empty, atMost: 5 });
    const bigDir = join(base, 'two-hundred');
    const accounts = [];
    for (let i = 0; i < 200; i += 1) accounts.push(school(env, bigDir, `big-${i}`).hwc);
    const cold = measured([cli, 'check', '--config-dir', bigDir]);
    if (cold.status !== 0) throw new Error(`hwc check --config-dir (200 schools) exited ${cold.status}`);
    row(
      '200 schools, first hwc check --config-dir (storage, SMTP)',
      `${(cold.ms / 1000).toFixed(1)} s`,
      `RSS ${cold.rssMb.toFixed(0)} MB`,
    );
    const big = measured([cli, 'check', '--config-dir', bigDir]);
    if (big.status !== 0) throw new Error(`hwc check --config-dir (200 schools) exited ${big.status}`);
    row(
      '200 schools, one hwc check --config-dir: wall',
      `${(big.ms / 1000).toFixed(1)} s`,
      `RSS ${big.rssMb.toFixed(0)} MB; goals < 30 s, < 150 MB`,
    );
    targets.push({ what: '200 schools wall (s)', value: big.ms / 1000, atMost: 30 });
    targets.push({ what: '200 schools RSS (MB)', value: big.rssMb, atMost: 150 });
    const bigDaemon = await idleDaemon(['--config-dir', bigDir], 10_000);
    row(
      '200 schools, hwc run --config-dir, after 10 s: RSS',
      `${bigDaemon.rssMb.toFixed(0)} MB`,
      `CPU ${bigDaemon.cpuMs.toFixed(0)} ms; goal < 150 MB`,
    );
    targets.push({ what: '200 schools daemon RSS (MB)', value: bigDaemon.rssMb, atMost: 150 });
    if (imapfilter) {
      const bigLua = join(base, 'imapfilter-200.lua');
      writeFileSync(
        bigLua,
        `options.timeout = 30\noptions.certificates = false\n` +
          accounts
            .map(
              (a, i) =>
                `a${i} = IMAP { server = '${env.host}', port = ${env.imapPort}, username = '${a.address}', password = '${a.password}' }\na${i}.INBOX:is_unseen()\na${i}['Junk']:is_unseen()\n`,
            )
            .join(''),
        { mode: 0o600 },
      );
      const f = wallMs(imapfilter, ['-t', env.caFile, '-c', bigLua], {
        env: { ...process.env, HOME: base },
      });
      row(
        '200 schools, imapfilter with 200 accounts',
        `${(f.ms / 1000).toFixed(1)} s`,
        `hwc is ${(big.ms / f.ms).toFixed(1)}x`,
      );
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return { lines, targets };
}
