import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { runHwc } from '../support/hwc.js';
import { startHwc } from '../support/daemon.js';
import { listenNotifySocket } from '../support/notify-socket.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { CANARY, createSchool, headerOf, signalMail, textOf, type School } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A local monitoring endpoint that records each ping: method, path, query and body. */
let server: Server;
const pings: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      pings.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Board {
  dir: string;
  env: Record<string, string>;
  schools: Record<string, School>;
}

/**
 * A config directory of real schools: each school's own file (mailbox, contacts, storage), the
 * shared keys in defaults.yaml, and each password in an environment variable of its own.
 */
async function board(names: string[], defaults: Record<string, unknown> = {}): Promise<Board> {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-it-board-'));
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  // hwc's caches inside the private TMPDIR, which the canary scans search.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    TMPDIR: tmp,
    XDG_CACHE_HOME: join(tmp, 'cache'),
  };
  const schools: Record<string, School> = {};
  let shared: Record<string, unknown> = {};
  for (const name of names) {
    const school = await createSchool({ notify: 'both' });
    schools[name] = school;
    const config = parse(readFileSync(school.install.configFile, 'utf8')) as Record<string, unknown>;
    const { timezone, senders, schedule, escalateAfter, notify, ...own } = config;
    shared = { timezone, senders, schedule, escalateAfter, notify };
    const variable = `HWC_PASSWORD_${name.toUpperCase()}`;
    env[variable] = school.hwc.password;
    for (const server of ['imap', 'smtp'] as const) {
      (own[server] as { auth: { pass: unknown } }).auth.pass = { env: variable };
    }
    writeFileSync(join(dir, `${name}.yaml`), stringify({ ...own, school: `Basisschool ${name}` }));
  }
  writeFileSync(join(dir, 'defaults.yaml'), stringify({ board: { concurrency: 2 }, ...shared, ...defaults }));
  return { dir, env, schools };
}

const pingBase = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;

describe('many schools from one --config-dir, on the real mail stack', () => {
  it("when a signal arrives for one of three schools and a fourth config is broken, then only that school's contact is told and the broken one harms no one", async () => {
    const b = await board(['noord', 'oost', 'zuid'], {
      monitoring: { pingUrl: `${pingBase()}/{school}`, style: 'healthchecks' },
    });
    writeFileSync(join(b.dir, 'kapot.yaml'), 'school: Kapot\nimap: {host: [\n');
    const oost = b.schools['oost'] as School;
    await deliver(signalMail(oost.vt.address, oost.hwc.address, { id: 'board-1@veiligthuis.test' }), {
      from: oost.vt.address,
      to: [oost.hwc.address],
    });
    await waitForMessages(oost.hwc, 'INBOX', 1, 10_000);

    const run = await runHwc(['check', '--config-dir', b.dir, '--json'], { env: b.env });
    // The broken config is the worst outcome of the directory; every other school did its check.
    expect(run.code, run.stdout + run.stderr).toBe(78);
    expect(run.stderr).toMatch(/^\[kapot\] hwc: the configuration is not valid:/m);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { school: string; outcome: string; counts: { signals: number } });
    expect(results.map((r) => [r.school, r.outcome, r.counts.signals]).sort()).toEqual([
      ['noord', 'ok', 0],
      ['oost', 'ok', 1],
      ['zuid', 'ok', 0],
    ]);

    await waitForMessages(oost.zorg, 'INBOX', 1, 10_000);
    const [notification] = await listMessages(oost.zorg, 'INBOX');
    expect(await textOf(notification)).toContain(CANARY.name);
    for (const name of ['noord', 'zuid']) {
      const other = b.schools[name] as School;
      expect(await listMessages(other.zorg, 'INBOX'), name).toHaveLength(0);
      expect(await listMessages(other.backup, 'INBOX'), name).toHaveLength(0);
    }
    // Each school's ping went to its own URL after its successful check; none for the broken one.
    expect(
      pings
        .filter((p) => p.method === 'GET')
        .map((p) => p.url)
        .sort(),
    ).toEqual(['/ping/noord', '/ping/oost', '/ping/zuid']);
    expect(pings.some((p) => p.url.includes('kapot'))).toBe(false);
    // Nothing of the child in any school's storage, the directory's temp files or the output.
    const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
    const storages = Object.values(b.schools).map((school) => school.install.storage);
    const scan = scanForCanaries(forms, [...storages, join(b.dir, 'tmp')], {
      stdout: run.stdout,
      stderr: run.stderr,
      pings: JSON.stringify(pings),
    });
    expect(scan.hits).toEqual([]);
    expect(scan.filesScanned).toBeGreaterThan(0);
    rmSync(b.dir, { recursive: true, force: true });
  }, 120_000);

  it("when every school checked, then hwc status is green; after one school's check fails, it is red for that school only, and its monitoring got /fail", async () => {
    pings.length = 0;
    const b = await board(['west', 'midden'], {
      monitoring: { pingUrl: `${pingBase()}/{school}`, style: 'healthchecks' },
    });
    const first = await runHwc(['check', '--config-dir', b.dir], { env: b.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const green = await runHwc(['status', '--config-dir', b.dir, '--json'], { env: b.env });
    expect(green.code, green.stdout + green.stderr).toBe(0);
    const entries = JSON.parse(green.stdout) as {
      school: string;
      well: boolean;
      lastCheck: { outcome: string };
    }[];
    expect(entries.map((e) => [e.school, e.well, e.lastCheck.outcome])).toEqual([
      ['midden', true, 'ok'],
      ['west', true, 'ok'],
    ]);

    // West's password changes at the provider: its next check is refused, midden's is not affected.
    const env = { ...b.env, HWC_PASSWORD_WEST: 'wrong-password' };
    const second = await runHwc(['check', '--config-dir', b.dir], { env });
    expect(second.code, second.stdout + second.stderr).toBe(1);
    const red = await runHwc(['status', '--config-dir', b.dir, '--json'], { env });
    expect(red.code, red.stdout + red.stderr).toBe(1);
    const after = JSON.parse(red.stdout) as {
      school: string;
      well: boolean;
      problems: string[];
      lastError?: { code: string };
    }[];
    expect(after.find((e) => e.school === 'midden')).toMatchObject({ well: true, problems: [] });
    const west = after.find((e) => e.school === 'west');
    expect(west).toMatchObject({ well: false, problems: ['LAST_CHECK_FAILED'] });
    expect(west?.lastError?.code).toMatch(/^[A-Z0-9_]+$/);

    const fail = pings.filter((p) => p.url === '/ping/west/fail');
    expect(fail).toHaveLength(1);
    // The ping carries the error code and nothing else.
    expect(fail[0]?.body).toBe(west?.lastError?.code);
    expect(pings.filter((p) => p.url === '/ping/midden')).toHaveLength(2);
    // Plain-text status for a person: one line per school.
    const text = await runHwc(['status', '--config-dir', b.dir], { env });
    expect(text.stdout).toMatch(/^midden: OK; last check .* ok;/m);
    expect(text.stdout).toMatch(/^west: NOT OK \(LAST_CHECK_FAILED\);/m);
    rmSync(b.dir, { recursive: true, force: true });
  }, 120_000);

  it('when hwc run serves a directory, then each school is checked on its own schedule in one process, and SIGTERM stops them all', async () => {
    // A check at 00:00 every day has always passed already: each school catches up at start.
    const b = await board(['een', 'twee'], {
      schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' },
    });
    const twee = b.schools['twee'] as School;
    await deliver(signalMail(twee.vt.address, twee.hwc.address, { id: 'board-run@veiligthuis.test' }), {
      from: twee.vt.address,
      to: [twee.hwc.address],
    });
    await waitForMessages(twee.hwc, 'INBOX', 1, 10_000);
    const daemon = startHwc(['run', '--config-dir', b.dir], { env: b.env });
    await daemon.waitForOutput(/"schoolName":"een".*"msg":"check finished"/, 60_000);
    await daemon.waitForOutput(/"schoolName":"twee".*"msg":"check finished"/, 60_000);
    await waitForMessages(twee.zorg, 'INBOX', 1, 20_000);
    expect(await listMessages((b.schools['een'] as School).zorg, 'INBOX')).toHaveLength(0);
    const stopped = await daemon.stop();
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
    // One process: both schools' lines, each line naming its school.
    const lines = stopped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { schoolName?: string });
    expect(new Set(lines.map((line) => line.schoolName))).toEqual(new Set(['een', 'twee']));
    rmSync(b.dir, { recursive: true, force: true });
  }, 120_000);

  it('when hwc run --config-dir runs under Type=notify, then the process sends one READY=1 once every school started or failed, one STATUS= line for the directory, WATCHDOG=1 and one STOPPING=1', async () => {
    const socket = await listenNotifySocket();
    try {
      const b = await board(['een', 'twee'], {
        schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' },
      });
      writeFileSync(join(b.dir, 'kapot.yaml'), 'school: [niet af\n');
      const daemon = startHwc(['run', '--config-dir', b.dir], {
        env: { ...b.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' },
      });
      const ready = await socket.waitFor((m) => m.startsWith('READY=1'), 60_000);
      expect(ready).toMatch(
        /^READY=1\nSTATUS=3 scholen; volgende controle [a-z]+ 00:00; .*1 school draait niet$/,
      );
      // Both catch-up checks at start: one line counts them.
      const after = await socket.waitFor((m) => /: 2 ok; 1 school draait niet$/.test(m), 60_000);
      expect(after).toMatch(
        /^STATUS=3 scholen; volgende controle [a-z]+ 00:00; laatste controle \d\d:\d\d: 2 ok; 1 school draait niet$/,
      );
      await socket.waitFor((m) => m === 'WATCHDOG=1');
      const stopped = await daemon.stop();
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(78);
      await socket.waitFor((m) => m.startsWith('STOPPING=1'));
      const messages = socket.messages();
      expect(messages.filter((m) => m.startsWith('READY=1'))).toHaveLength(1);
      expect(messages.filter((m) => m.startsWith('STOPPING=1'))).toEqual([
        'STOPPING=1\nSTATUS=stopt; de lopende controles worden afgemaakt',
      ]);
      for (const message of messages) {
        for (const line of message.split('\n'))
          expect(line).toMatch(/^(READY|STATUS|WATCHDOG|STOPPING|BARRIER)=/);
        expect(message).not.toContain('@');
      }
      rmSync(b.dir, { recursive: true, force: true });
    } finally {
      socket.close();
    }
  }, 120_000);

  it("when a school's link page cannot start in a directory, then that school keeps its checks, its contacts are told once, the page is tried again until it listens, and nothing names the child", async () => {
    // Another program holds the port that the school's web.listen names.
    const squatter = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    let open = true;
    try {
      const b = await board(['link', 'mail'], {
        schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' },
      });
      const file = join(b.dir, 'link.yaml');
      const own = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      const web = { listen: `127.0.0.1:${port}`, baseUrl: `http://127.0.0.1:${port}` };
      writeFileSync(file, stringify({ ...own, deliver: 'link', web }));
      const link = b.schools['link'] as School;
      const messageId = 'board-link-down@veiligthuis.test';
      await deliver(signalMail(link.vt.address, link.hwc.address, { id: messageId }), {
        from: link.vt.address,
        to: [link.hwc.address],
      });
      await waitForMessages(link.hwc, 'INBOX', 1, 10_000);
      const daemon = startHwc(['run', '--config-dir', b.dir], {
        env: { ...b.env, HWC_TEST_LINK_RETRY_MS: '500' },
      });
      await daemon.waitForOutput(/"schoolName":"link".*"code":"LINK_PAGE_UNAVAILABLE"/, 60_000);
      await daemon.waitForOutput(/"schoolName":"link".*"msg":"check finished"/, 60_000);
      await daemon.waitForOutput(/"schoolName":"mail".*"msg":"check finished"/, 60_000);
      // Each contact: the signal's link mail (the check went on) and the alert that links open nothing.
      for (const contact of [link.zorg, link.backup]) {
        const received = await waitForMessages(contact, 'INBOX', 2, 20_000);
        const alerts = received.filter((m) =>
          headerOf(m.source, 'Subject')?.startsWith('DRINGEND: de links in de mail'),
        );
        expect(alerts).toHaveLength(1);
        const text = await textOf(alerts[0]);
        expect(text).toContain('De HwC-mailbox wordt wel gewoon gecontroleerd');
        expect(text).toContain('LINK_PAGE_UNAVAILABLE');
      }
      // Several more tries while the port stays taken: still one alert to each contact.
      await daemon.waitForOutput(/"schoolName":"link".*"attempt":4/, 30_000);
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      open = false;
      await daemon.waitForOutput(/"schoolName":"link".*"msg":"link page listening"/, 30_000);
      const stopped = await daemon.stop();
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
      expect(await listMessages(link.zorg, 'INBOX')).toHaveLength(2);
      expect(await listMessages((b.schools['mail'] as School).zorg, 'INBOX')).toHaveLength(0);
      // In link mode nothing hwc wrote names the child or the signal: files, output, and every mail.
      const texts: Record<string, string> = { stdout: stopped.stdout, stderr: stopped.stderr };
      for (const [role, user] of [
        ['zorg', link.zorg],
        ['backup', link.backup],
      ] as const) {
        for (const [i, message] of (await listMessages(user, 'INBOX')).entries()) {
          texts[`${role} ${i}`] = message.source.toString('latin1');
          texts[`${role} ${i} text`] = await textOf(message);
        }
      }
      const forms = [...canaryForms([CANARY.name], [CANARY.isoDate]), messageId];
      const storages = Object.values(b.schools).map((school) => school.install.storage);
      const scan = scanForCanaries(forms, [...storages, join(b.dir, 'tmp')], texts);
      expect(scan.filesScanned).toBeGreaterThan(0);
      expect(scan.hits).toEqual([]);
      rmSync(b.dir, { recursive: true, force: true });
    } finally {
      if (open) await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  }, 120_000);

  it("when one school's IMAP server accepts and never answers, then its check times out and the others still finish, with one place for all", async () => {
    // A server that takes the connection and says nothing: the check waits until checkTimeout.
    const held: Socket[] = [];
    const silent = createTcpServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const b = await board(['traag', 'vlot', 'snel']);
      const file = join(b.dir, 'traag.yaml');
      const slow = parse(readFileSync(file, 'utf8')) as { imap: { port: number } };
      slow.imap.port = (silent.address() as AddressInfo).port;
      writeFileSync(file, stringify({ ...slow, checkTimeout: '3s' }));
      const run = await runHwc(['check', '--config-dir', b.dir, '--json', '--concurrency', '1'], {
        env: b.env,
      });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      const results = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { school: string; outcome: string; error?: string });
      expect(results.map((r) => [r.school, r.outcome, r.error ?? '']).sort()).toEqual([
        ['snel', 'ok', ''],
        ['traag', 'failed', 'CHECK_TIMEOUT'],
        ['vlot', 'ok', ''],
      ]);
      rmSync(b.dir, { recursive: true, force: true });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 120_000);

  it("when one school's audit chain is broken, then hwc run refuses that school only and serves the other", async () => {
    const b = await board(['heel', 'kapot'], {
      schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' },
    });
    // Only kapot has checked (and has rows to break): heel's daemon catches up at start.
    const first = await runHwc(['check', '--config-dir', b.dir, '--school', 'kapot'], { env: b.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const broken = b.schools['kapot'] as School;
    const db = new Database(join(broken.install.storage, DATABASE_FILE));
    // As someone who can edit the file would: past the append-only trigger.
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare('UPDATE audit SET data = replace(data, \'"outcome":"ok"\', \'"outcome":"failed"\')').run();
    db.close();
    const heel = b.schools['heel'] as School;
    await deliver(signalMail(heel.vt.address, heel.hwc.address, { id: 'board-chain@veiligthuis.test' }), {
      from: heel.vt.address,
      to: [heel.hwc.address],
    });
    await waitForMessages(heel.hwc, 'INBOX', 1, 10_000);
    const daemon = startHwc(['run', '--config-dir', b.dir], { env: b.env });
    await waitForMessages(heel.zorg, 'INBOX', 1, 30_000);
    const stopped = await daemon.stop();
    // The worst of the schools: kapot's refusal (a run error) counts at the end.
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^\[kapot\] hwc run: the audit log's hash chain is broken/m);
    expect(stopped.stderr).not.toContain('[heel]');
    const status = await runHwc(['status', '--config-dir', b.dir, '--json'], { env: b.env });
    const entries = JSON.parse(status.stdout) as { school: string; problems: string[] }[];
    expect(entries.find((e) => e.school === 'kapot')?.problems).toContain('AUDIT_CHAIN_BROKEN');
    rmSync(b.dir, { recursive: true, force: true });
  }, 120_000);
});
