import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineInstall } from '../support/audit-install.js';
import { CLI, REPO, runHwc } from '../support/hwc.js';
import { startHwc } from '../support/daemon.js';
import { listenNotifySocket, type NotifySocket } from '../support/notify-socket.js';
import { createSchool, textOf } from '../support/school.js';
import { waitForMessages } from '../support/mailstack.js';
import { createServer, type AddressInfo } from 'node:net';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

let socket: NotifySocket | undefined;
afterEach(() => {
  socket?.close();
  socket = undefined;
});

/** Runs the built CLI with stdout and stderr in one file, as systemd connects them to the journal. */
async function runIntoFile(
  args: string[],
  env: Record<string, string>,
  file: string,
): Promise<number | null> {
  const fd = openSync(file, 'w');
  const { dev, ino } = fstatSync(fd, { bigint: true });
  try {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, JOURNAL_STREAM: `${dev}:${ino}` },
      stdio: ['ignore', fd, fd],
    });
    return await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
  } finally {
    closeSync(fd);
  }
}

describe('hwc run under systemd (the protocols, without systemd as PID 1)', () => {
  it('when it is started with NOTIFY_SOCKET and WATCHDOG_USEC, then it sends READY=1 with a Dutch status, WATCHDOG=1 pings, the status after each check, and STOPPING=1 at SIGTERM', async () => {
    socket = await listenNotifySocket();
    const s = await createSchool({ schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' } });
    const daemon = startHwc(['run', '--config', s.install.configFile], {
      env: { ...s.install.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' },
    });
    const ready = await socket.waitFor((m) => m.startsWith('READY=1'));
    expect(ready).toMatch(/^READY=1\nSTATUS=volgende controle [a-z]+ 00:00; nog geen controle gedaan$/);
    // The catch-up check at start (00:00 has passed) ends with a status that names it.
    const after = await socket.waitFor((m) => /laatste controle \d\d:\d\d ok$/.test(m));
    expect(after).toMatch(/^STATUS=volgende controle [a-z]+ 00:00; laatste controle \d\d:\d\d ok$/);
    await socket.waitFor((m) => m === 'WATCHDOG=1');
    const run = await daemon.stop();
    expect(run.code).toBe(0);
    await socket.waitFor((m) => m.startsWith('STOPPING=1'));
    // Nothing but the protocol's own variables, and no address of the school's mail.
    for (const message of socket.messages()) {
      for (const line of message.split('\n'))
        expect(line).toMatch(/^(READY|STATUS|WATCHDOG|STOPPING|BARRIER)=/);
      expect(message).not.toContain('@');
    }
  }, 90_000);

  it('when WATCHDOG_PID names another process, then no WATCHDOG=1 is sent (sd_watchdog_enabled(3))', async () => {
    socket = await listenNotifySocket();
    const install = offlineInstall({ schedule: { checks: ['07:00'], days: ['mon'] } });
    const daemon = startHwc(['run', '--config', install.configFile], {
      env: { ...install.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000', WATCHDOG_PID: '1' },
    });
    await socket.waitFor((m) => m.startsWith('READY=1'));
    // Long enough for five pings at 100 ms, had the daemon sent them.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await daemon.stop()).code).toBe(0);
    expect(socket.messages()).not.toContain('WATCHDOG=1');
  }, 60_000);

  it('when no check can succeed and the dead-man alarm cannot be sent, then hwc run exits 1 at once, and again after each restart, so that the start limit fails the unit and OnFailure= runs', async () => {
    // IMAP and SMTP both unreachable (port 1), a check at 00:00 and its deadline at 00:01 passed.
    const install = offlineInstall({ schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '00:01' } });
    for (let start = 1; start <= 2; start += 1) {
      const run = await runHwc(['run', '--config', install.configFile], {
        env: install.env,
        timeoutMs: 60_000,
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('DEAD_MAN_UNSENT');
    }
  }, 150_000);

  it('when the link page cannot start with --config FILE, then hwc run exits 1 on every start, so that systemd restarts it and in the end OnFailure= runs, and the contacts are told once that day', async () => {
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (squatter.address() as AddressInfo).port;
      const s = await createSchool({
        deliver: 'link',
        web: { listen: `127.0.0.1:${port}`, baseUrl: `http://127.0.0.1:${port}` },
        schedule: { checks: ['07:00'], days: ['mon'], deadline: '07:15' },
      });
      for (let start = 1; start <= 2; start += 1) {
        const run = await runHwc(['run', '--config', s.install.configFile], {
          env: s.install.env,
          timeoutMs: 60_000,
        });
        expect(run.code, run.stdout + run.stderr).toBe(1);
        expect(run.stdout).toContain('"code":"LINK_PAGE_UNAVAILABLE"');
      }
      for (const contact of [s.zorg, s.backup]) {
        const messages = await waitForMessages(contact, 'INBOX', 1, 20_000);
        expect(messages).toHaveLength(1);
        expect(await textOf(messages[0])).toContain('hwc-watcher stopt daarom.');
      }
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  }, 150_000);

  it('when stdout is the journal (JOURNAL_STREAM), then every log line carries its syslog priority and stays JSON', async () => {
    const install = offlineInstall({ schedule: { checks: ['07:00'], days: ['mon'] } });
    const file = join(install.dir, 'journal.log');
    expect(await runIntoFile(['check', '--config', install.configFile], install.env, file)).toBe(1);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const logLines = lines.filter((line) => /^<\d>/.test(line));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      const entry = JSON.parse(line.slice(3)) as { level: number };
      const expected = entry.level >= 60 ? 2 : entry.level >= 50 ? 3 : entry.level >= 40 ? 4 : 6;
      expect(line.slice(0, 3)).toBe(`<${expected}>`);
    }
    expect(logLines.some((line) => line.startsWith('<3>'))).toBe(true);
    expect(logLines.some((line) => line.startsWith('<4>'))).toBe(true);
  }, 60_000);

  it('when stdout is not the journal, then the log lines have no prefix', async () => {
    const install = offlineInstall({ schedule: { checks: ['07:00'], days: ['mon'] } });
    const run = await runHwc(['check', '--config', install.configFile], {
      env: { ...install.env, JOURNAL_STREAM: '1:1' },
    });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.startsWith('{')).toBe(true);
  }, 60_000);
});
