import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/commands/io.js';
import { loadConfig } from '../../src/config/load-config.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { createPool } from '../../src/board/pool.js';
import { boardContextOf, worstExit } from '../../src/board/run-board.js';
import { readBoard } from '../../src/board/config-dir.js';
import { markedWriter } from '../../src/board/school-io.js';
import { pingRequest, sendPing } from '../../src/adapters/ping.js';
import { monitoredCheck, pingsSent } from '../../src/board/check-hooks.js';
import { captureLogger } from '../support/capture-logger.js';

const SCHOOL = (name: string, storage: string, extra = '') => `
school: Basisschool ${name}
imap: { host: 127.0.0.1, port: 1, secure: true, auth: { user: hwc@${name}.test, pass: { env: HWC_PW } } }
smtp: { host: 127.0.0.1, port: 1, secure: true, auth: { user: hwc@${name}.test, pass: { env: HWC_PW } } }
from: hwc@${name}.test
contacts:
  primary: { name: Zorgcoördinator, email: zorg@${name}.test }
  backup: { name: Achterwacht, email: backup@${name}.test }
storage: ${storage}
${extra}`;

const DEFAULTS = `
board: { concurrency: 2 }
timezone: Europe/Amsterdam
senders: ["@veiligthuis.test"]
escalateAfter: 20m
schedule: { checks: ["07:00", "07:45"], days: [mon, tue, wed, thu, fri] }
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwc-board-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function io(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    env: { HWC_PW: 'not-used' },
    cwd: dir,
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    signals: { once: () => undefined },
    out: () => out,
    err: () => err,
  };
}

describe("a school's config, read by the directory", () => {
  it("when the directory is read, then each school's command gets the config it read, once; after that the file is read again", async () => {
    write('defaults.yaml', DEFAULTS);
    const file = write('a.yaml', SCHOOL('a', 'state-a'));
    const board = await readBoard(dir, { HWC_PW: 'x' }, dir);
    if ('errors' in board) throw new Error(board.errors.join('\n'));
    const [school] = board.schools;
    if (!school) throw new Error('no school');
    const context = boardContextOf(board, school, createPool(1), true);
    const taken = context.takeConfig?.(file);
    expect(taken && 'config' in taken ? taken.config.school : undefined).toBe('Basisschool a');
    expect(taken && 'config' in taken ? taken.config.timezone : undefined).toBe('Europe/Amsterdam');
    // A daemon's later checks read the file as it is then.
    expect(context.takeConfig?.(file)).toBeUndefined();
  });

  it("when a command asks for another file than the school's own, then the directory hands it nothing and it reads that file itself", async () => {
    write('defaults.yaml', DEFAULTS);
    write('a.yaml', SCHOOL('a', 'state-a'));
    const board = await readBoard(dir, { HWC_PW: 'x' }, dir);
    if ('errors' in board) throw new Error(board.errors.join('\n'));
    const [school] = board.schools;
    if (!school) throw new Error('no school');
    // Another path than the school's own never gets its config.
    expect(
      boardContextOf(board, school, createPool(1), true).takeConfig?.(join(dir, 'b.yaml')),
    ).toBeUndefined();
  });
});

describe('the defaults file of a config directory', () => {
  it('when defaults.yaml sets keys, then each school gets them and its own values win, lists whole', async () => {
    const defaults = write('defaults.yaml', DEFAULTS);
    const file = write('a.yaml', SCHOOL('a', 'state-a', 'schedule: { checks: ["06:30"] }'));
    const loaded = await loadConfig(file, { env: { HWC_PW: 'x' }, cwd: dir, defaultsFile: defaults });
    if (!('config' in loaded)) throw new Error(loaded.errors.join('\n'));
    expect(loaded.config.timezone).toBe('Europe/Amsterdam');
    expect(loaded.config.senders).toEqual(['@veiligthuis.test']);
    // A mapping merges key by key: days come from the defaults, checks from the school, whole.
    expect(loaded.config.schedule.checks).toEqual(['06:30']);
    expect(loaded.config.schedule.days).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(loaded.config.storage).toBe(join(dir, 'state-a'));
  });

  it('when the defaults file is not valid YAML, then every school reports it and none runs', async () => {
    write('defaults.yaml', 'timezone: [');
    write('a.yaml', SCHOOL('a', 'state-a'));
    const run = io();
    expect(await main(['status', '--config-dir', dir], run)).toBe(1);
    expect(run.err()).toContain('defaults.yaml');
    expect(JSON.parse((await statusJson()).out)).toEqual([
      { school: 'a', well: false, problems: ['CONFIG_INVALID'] },
    ]);
  });

  it('when board.concurrency is not a number from 1 to 64, then the directory is a config error', async () => {
    write('defaults.yaml', `${DEFAULTS.replace('concurrency: 2', 'concurrency: 0')}`);
    write('a.yaml', SCHOOL('a', 'state-a'));
    const run = io();
    expect(await main(['schedule', '--config-dir', dir], run)).toBe(78);
    expect(run.err()).toContain('board.concurrency');
  });
});

async function statusJson(args: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const run = io();
  const code = await main(['status', '--config-dir', dir, '--json', ...args], run);
  return { code, out: run.out(), err: run.err() };
}

describe('the schools of a config directory', () => {
  it('when two schools share a storage directory, then both are config errors and a third is not touched', async () => {
    write('defaults.yaml', DEFAULTS);
    write('a.yaml', SCHOOL('a', 'shared'));
    write('b.yaml', SCHOOL('b', './shared'));
    write('c.yaml', SCHOOL('c', 'state-c'));
    const run = io();
    expect(await main(['schedule', '--config-dir', dir], run)).toBe(78);
    expect(run.err()).toMatch(/\[a\] .*also the storage of b/);
    expect(run.err()).toMatch(/\[b\] .*also the storage of a/);
    expect(run.out()).toMatch(/\[c\] Next 10 checks for Basisschool c/);
    expect(run.out()).not.toContain('[a] Next');
  });

  it('when two schools share a link page address, then both are config errors and a third is not touched', async () => {
    write('defaults.yaml', DEFAULTS);
    const page = (port: number, url: string) =>
      `deliver: link\nweb: { listen: "127.0.0.1:${port}", baseUrl: "http://127.0.0.1:${url}" }\n`;
    write('a.yaml', SCHOOL('a', 'state-a', page(18443, '18443/a')));
    write('b.yaml', SCHOOL('b', 'state-b', page(18443, '18443/b')));
    write('c.yaml', SCHOOL('c', 'state-c', page(18444, '18444/c')));
    write('d.yaml', SCHOOL('d', 'state-d', page(18445, '18444/c')));
    const run = io();
    expect(await main(['schedule', '--config-dir', dir], run)).toBe(78);
    expect(run.err()).toMatch(/\[a\] .*web\.listen: 127\.0\.0\.1:18443 is also the web\.listen of b/);
    expect(run.err()).toMatch(/\[b\] .*web\.listen: 127\.0\.0\.1:18443 is also the web\.listen of a/);
    expect(run.err()).toMatch(/\[c\] .*web\.baseUrl: .* is also the web\.baseUrl of d/);
    expect(run.err()).toMatch(/\[d\] .*web\.baseUrl: .* is also the web\.baseUrl of c/);
    expect(run.out()).not.toContain('[a] Next');
    expect(run.out()).not.toContain('[c] Next');
  });

  it('when two file names differ only in case, then both are refused', async () => {
    write('defaults.yaml', DEFAULTS);
    write('Noord.yaml', SCHOOL('n1', 'state-n1'));
    write('noord.yaml', SCHOOL('n2', 'state-n2'));
    const { code, out } = await statusJson();
    expect(code).toBe(1);
    expect(JSON.parse(out).map((e: { problems: string[] }) => e.problems)).toEqual([
      ['CONFIG_INVALID'],
      ['CONFIG_INVALID'],
    ]);
  });

  it('when --school names one school, then only that school runs and its output is as with --config', async () => {
    write('defaults.yaml', DEFAULTS);
    write('a.yaml', SCHOOL('a', 'state-a'));
    write('b.yaml', SCHOOL('b', 'state-b'));
    const run = io();
    expect(await main(['schedule', '--config-dir', dir, '--school', 'b'], run)).toBe(0);
    expect(run.out()).toMatch(/^Next 10 checks for Basisschool b/);
    expect(run.out()).not.toContain('Basisschool a');
  });

  it('when the command line is wrong for a directory, then it exits 64 and says why', async () => {
    write('a.yaml', SCHOOL('a', 'state-a', DEFAULTS.replace(/board:.*\n/, '')));
    const cases: [string[], RegExp][] = [
      [['status', '--config-dir', dir, '--school', 'nope'], /no school "nope".*the schools are: a/],
      [['check', '--config-dir', dir, '--config', join(dir, 'a.yaml')], /not both/],
      [['check', '--config', join(dir, 'a.yaml'), '--school', 'a'], /--school goes with --config-dir/],
      [['check', '--config-dir', dir, '--concurrency', 'many'], /--concurrency: expected a whole number/],
      [['audit', '--config-dir', dir], /name the school of the report with --school/],
      [['absent', '--config-dir', dir, '--from', '2026-12-01'], /--config-dir is not an option/],
    ];
    for (const [args, message] of cases) {
      const run = io();
      expect(await main(args, run), args.join(' ')).toBe(64);
      expect(run.err()).toMatch(message);
    }
  });

  it('when the directory has no school file, then it is a config error', async () => {
    write('defaults.yaml', DEFAULTS);
    const run = io();
    expect(await main(['status', '--config-dir', dir], run)).toBe(78);
    expect(run.err()).toContain('no school');
  });
});

describe('hwc audit with --config-dir', () => {
  it("when verify runs for a directory, then each school's chain is verified and named; the report is one school's, unmarked", async () => {
    write('defaults.yaml', DEFAULTS);
    write('a.yaml', SCHOOL('a', 'state-a'));
    write('b.yaml', SCHOOL('b', 'state-b'));
    const verify = io();
    expect(await main(['audit', 'verify', '--config-dir', dir], verify)).toBe(0);
    expect(verify.out()).toMatch(/^\[a\] .*intact/m);
    expect(verify.out()).toMatch(/^\[b\] .*intact/m);
    const report = io();
    expect(await main(['audit', '--config-dir', dir, '--school', 'b', '--format', 'json'], report)).toBe(0);
    expect(JSON.parse(report.out())).toMatchObject({ chain: { intact: true }, rows: [] });
  });
});

describe('the exit code of a directory', () => {
  it('when schools end differently, then the worst counts: run error, config, lock, then ok', () => {
    expect(worstExit([0, 0])).toBe(0);
    expect(worstExit([0, 75, 78])).toBe(78);
    expect(worstExit([78, 1, 75])).toBe(1);
    expect(worstExit([0, 75])).toBe(75);
  });
});

describe('the pool of concurrent checks', () => {
  it('when more schools ask than there are places, then at most that many run, in the order asked', async () => {
    const pool = createPool(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const gates = [0, 1, 2, 3, 4].map(() => {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    const done = gates.map((gate, i) =>
      pool.run(async () => {
        running += 1;
        most = Math.max(most, running);
        started.push(i);
        await gate.promise;
        running -= 1;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await done[1];
    await settle();
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    await Promise.all(done);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});

describe("a school's output in a directory", () => {
  it('when a school writes JSON lines and text, then JSON gets its name as a field and text a prefix', () => {
    let out = '';
    const writer = markedWriter({ write: (chunk: string) => (out += chunk) }, 'noord', true);
    writer.write('{"result":"check","outcome":"ok"}\nOK con');
    writer.write('fig\npartial');
    expect(out).toBe('');
    writer.flush();
    expect(out).toBe(
      '{"school":"noord","result":"check","outcome":"ok"}\n[noord] OK config\n[noord] partial\n',
    );
  });
});

describe('monitoring.pingUrl', () => {
  const hc = { pingUrl: 'https://hc-ping.com/abc/{school}', style: 'healthchecks', pingStart: true } as const;
  const kuma = {
    pingUrl: 'https://kuma.example/api/push/TOKEN?ping=',
    style: 'uptime-kuma',
    pingStart: false,
  } as const;

  it('when the style is healthchecks, then success, /fail with the code and /start are the requests', () => {
    expect(pingRequest(hc, { kind: 'success' }, 'de noord')).toEqual({
      url: 'https://hc-ping.com/abc/de%20noord',
      method: 'GET',
    });
    expect(pingRequest(hc, { kind: 'failure', code: 'IMAP_ECONNREFUSED' }, 'a')).toEqual({
      url: 'https://hc-ping.com/abc/a/fail',
      method: 'POST',
      body: 'IMAP_ECONNREFUSED',
    });
    expect(pingRequest(hc, { kind: 'start' }, 'a')?.url).toBe('https://hc-ping.com/abc/a/start');
    expect(pingRequest({ ...hc, pingStart: false }, { kind: 'start' }, 'a')).toBeUndefined();
  });

  it('when the style is uptime-kuma, then status=up|down and msg=OK|code are set on the push URL', () => {
    expect(pingRequest(kuma, { kind: 'success' })?.url).toBe(
      'https://kuma.example/api/push/TOKEN?ping=&status=up&msg=OK',
    );
    expect(pingRequest(kuma, { kind: 'failure', code: 'CHECK_TIMEOUT' })?.url).toBe(
      'https://kuma.example/api/push/TOKEN?ping=&status=down&msg=CHECK_TIMEOUT',
    );
    expect(pingRequest(kuma, { kind: 'start' })).toBeUndefined();
  });

  it('when the URL is plain http off loopback or not a URL, then the config is refused without showing it', () => {
    const base = { school: 'x' };
    for (const pingUrl of ['http://hc.example/secret-token', 'not a url secret-token']) {
      const parsed = parseConfig({ ...base, monitoring: { pingUrl } }, {});
      const errors = 'errors' in parsed ? parsed.errors.filter((e) => e.startsWith('monitoring')) : [];
      expect(errors).toHaveLength(1);
      expect(errors.join()).not.toContain('secret-token');
    }
  });

  describe('against a local HTTP server', () => {
    let server: Server;
    let seen: { method: string; url: string; body: string }[];
    let answer: number;

    beforeEach(async () => {
      seen = [];
      answer = 200;
      server = createServer((req: IncomingMessage, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          seen.push({ method: req.method ?? '', url: req.url ?? '', body });
          res.statusCode = answer;
          res.end('OK');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/uuid`;

    it('when a check succeeds and one fails, then the server gets the ping and the /fail with only the code', async () => {
      const { logger, logs } = captureLogger();
      const monitoring = { pingUrl: url(), style: 'healthchecks', pingStart: false } as const;
      await sendPing(monitoring, { kind: 'success' }, logger);
      await sendPing(monitoring, { kind: 'failure', code: 'SMTP_DEFERRED' }, logger);
      expect(seen).toEqual([
        { method: 'GET', url: '/ping/uuid', body: '' },
        { method: 'POST', url: '/ping/uuid/fail', body: 'SMTP_DEFERRED' },
      ]);
      expect(logs()).toContain('"outcome":"sent"');
    });

    it('when the monitoring URL does not answer, then the check ends without waiting for its pings, and they follow in order', async () => {
      const { logger } = captureLogger();
      let release: () => void = () => undefined;
      const answered = new Promise<void>((resolve) => (release = resolve));
      server.removeAllListeners('request');
      server.on('request', (req: IncomingMessage, res) => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body: '' });
        void answered.then(() => res.end('OK'));
      });
      const config = { monitoring: { pingUrl: url(), style: 'healthchecks', pingStart: true } } as never;
      const store = { getMeta: () => undefined, setMeta: () => undefined };
      let checked = false;
      const result = await monitoredCheck(config, { logger, store }, { board: undefined } as never, () => {
        checked = true;
        return Promise.resolve(new Error('down'));
      });
      expect(checked).toBe(true);
      expect(result).toBeInstanceOf(Error);
      release();
      await pingsSent();
      expect(seen.map((s) => s.url)).toEqual(['/ping/uuid/start', '/ping/uuid/fail']);
    });

    it('when the server answers 500 or cannot be reached, then the ping resolves and only a warning is logged', async () => {
      const { logger, logs } = captureLogger();
      answer = 500;
      const monitoring = { pingUrl: url(), style: 'healthchecks', pingStart: false } as const;
      await sendPing(monitoring, { kind: 'success' }, logger);
      expect(logs()).toContain('"responseCode":500');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sendPing(monitoring, { kind: 'success' }, logger);
      server.listen(0, '127.0.0.1');
      expect(logs()).toContain('"code":"ECONNREFUSED"');
      // The URL holds the monitor's token: it is never logged.
      expect(logs()).not.toContain('/ping/uuid');
    });
  });
});
