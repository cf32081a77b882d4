import { describe, expect, it, vi } from 'vitest';
import { sdNotifier, watchdogIntervalMs, type NotifyRunner } from '../../src/adapters/sd-notify.js';
import {
  isJournalStream,
  prefixLine,
  prefixedDestination,
  syslogPriority,
} from '../../src/adapters/journal-stream.js';
import { createLogger } from '../../src/adapters/logger.js';
import { boardStatusLine, serviceStatusLine, type BoardSchoolStatus } from '../../src/core/service-status.js';
import { boardService } from '../../src/board/board-service.js';
import type { Weekday } from '../../src/core/vocabulary.js';
import { serviceHooks } from '../../src/commands/service-manager.js';
import { captureLogger } from '../support/capture-logger.js';

const TZ = 'Europe/Amsterdam';

function recordingRunner(result?: string): { run: NotifyRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (_command, args) => {
      calls.push(args);
      return result;
    },
  };
}

describe('sd_notify without a native module', () => {
  it('when NOTIFY_SOCKET is not set, then there is no notifier and nothing is spawned', () => {
    const { run, calls } = recordingRunner();
    expect(sdNotifier({ env: {}, pid: 42, logger: captureLogger().logger, run })).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('when the daemon is ready, changes status and stops, then systemd-notify gets the assignments in that order', async () => {
    const { run, calls } = recordingRunner();
    const notifier = sdNotifier({
      env: { NOTIFY_SOCKET: '/run/n' },
      pid: 42,
      logger: captureLogger().logger,
      run,
    });
    notifier?.ready('volgende controle 07:00;\nnog geen controle gedaan');
    notifier?.status('volgende controle 07:45; laatste controle 07:00 ok');
    notifier?.stopping();
    await notifier?.close();
    expect(calls).toEqual([
      ['READY=1', 'STATUS=volgende controle 07:00; nog geen controle gedaan'],
      ['STATUS=volgende controle 07:45; laatste controle 07:00 ok'],
      ['STOPPING=1', 'STATUS=stopt; de lopende controle wordt afgemaakt'],
    ]);
  });

  it('when systemd-notify fails, then one warning says so, with the code only', async () => {
    const { run } = recordingRunner('ENOENT');
    const { logger, logs } = captureLogger();
    const notifier = sdNotifier({ env: { NOTIFY_SOCKET: '/run/n' }, pid: 42, logger, run });
    notifier?.status('a');
    notifier?.status('b');
    await notifier?.close();
    const lines = logs().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: 'sd-notify', code: 'ENOENT' });
  });

  it('when WATCHDOG_USEC is set, then pings go out at half of it, and not when WATCHDOG_PID is another process', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '300000000' }, 7)).toBe(150_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '300000000', WATCHDOG_PID: '7' }, 7)).toBe(150_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '300000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
    expect(watchdogIntervalMs({}, 7)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 7)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 7)).toBeUndefined();
  });

  it('when the watchdog runs, then WATCHDOG=1 is sent on every interval until it is closed', async () => {
    vi.useFakeTimers();
    try {
      const { run, calls } = recordingRunner();
      const env = { NOTIFY_SOCKET: '/run/n', WATCHDOG_USEC: '2000000' };
      const notifier = sdNotifier({ env, pid: 42, logger: captureLogger().logger, run });
      notifier?.startWatchdog();
      await vi.advanceTimersByTimeAsync(3_500);
      await notifier?.close();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(calls).toEqual([['WATCHDOG=1'], ['WATCHDOG=1'], ['WATCHDOG=1']]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the STATUS= line', () => {
  const now = new Date('2026-12-01T05:50:00Z'); // Tuesday 06:50 in Amsterdam

  it('when the last check was today and the next one is too, then it reads "volgende controle 07:00; laatste controle 06:45 ok"', () => {
    const line = serviceStatusLine({
      now,
      timezone: TZ,
      next: new Date('2026-12-01T06:00:00Z'),
      last: { at: new Date('2026-12-01T05:45:00Z'), ok: true },
    });
    expect(line).toBe('volgende controle 07:00; laatste controle 06:45 ok');
  });

  it('when the next check is on another day and the last one failed, then it names the day and says "mislukt"', () => {
    const line = serviceStatusLine({
      now,
      timezone: TZ,
      next: new Date('2026-12-07T06:00:00Z'),
      last: { at: new Date('2026-11-30T06:00:00Z'), ok: false },
    });
    expect(line).toBe('volgende controle maandag 07:00; laatste controle maandag 07:00 mislukt');
  });

  it('when nothing is planned or done yet, then it says so, and far dates are written out', () => {
    expect(serviceStatusLine({ now, timezone: TZ })).toBe('geen controle gepland; nog geen controle gedaan');
    expect(serviceStatusLine({ now, timezone: TZ, next: new Date('2027-01-04T06:00:00Z') })).toBe(
      'volgende controle 2027-01-04 07:00; nog geen controle gedaan',
    );
  });

  it('when the daemon has checked, then the hooks send the status with the outcome after READY=1', async () => {
    const { run, calls } = recordingRunner();
    let at = now;
    const hooks = serviceHooks({
      env: { NOTIFY_SOCKET: '/run/n' },
      pid: 1,
      logger: captureLogger().logger,
      clock: { now: () => at },
      schedule: { checks: ['07:00'], days: ['tue', 'wed'], timezone: TZ },
      run,
    });
    hooks.nextCheck(new Date('2026-12-01T06:00:00Z'));
    hooks.ready();
    at = new Date('2026-12-01T06:00:30Z');
    hooks.checked(false);
    hooks.nextCheck(new Date('2026-12-02T06:00:00Z'));
    await hooks.close();
    expect(calls).toEqual([
      ['READY=1', 'STATUS=volgende controle 07:00; nog geen controle gedaan'],
      ['STATUS=volgende controle woensdag 07:00; laatste controle 07:00 mislukt'],
    ]);
  });
});

describe('journald priorities', () => {
  it('when pino levels are mapped, then fatal is crit, error err, warn warning, info info and debug debug', () => {
    expect([60, 50, 40, 30, 20, 10].map(syslogPriority)).toEqual([2, 3, 4, 6, 7, 7]);
    expect(prefixLine('{"level":50,"msg":"x"}\n')).toBe('<3>{"level":50,"msg":"x"}\n');
    expect(prefixLine('{"result":"check"}\n')).toBe('{"result":"check"}\n');
  });

  it('when the real logger writes through the prefixed destination, then each line starts with its priority and the rest is the same JSON', () => {
    let written = '';
    const logger = createLogger(prefixedDestination({ write: (line: string) => (written += line) }));
    logger.error({ code: 'IMAP_UNREACHABLE' }, 'failed');
    logger.info({ step: 'connect' }, 'connected');
    const [first, second] = written.split('\n');
    expect(first?.slice(0, 3)).toBe('<3>');
    expect(JSON.parse(first?.slice(3) ?? '')).toMatchObject({ level: 50, code: 'IMAP_UNREACHABLE' });
    expect(second?.slice(0, 3)).toBe('<6>');
  });

  it('when JOURNAL_STREAM names the device and inode of the fd, then it is the journal, and not otherwise', () => {
    const stat = () => ({ dev: 64769n, ino: 123456789012n });
    expect(isJournalStream(1, '64769:123456789012', stat)).toBe(true);
    expect(isJournalStream(1, '64769:1', stat)).toBe(false);
    expect(isJournalStream(1, undefined, stat)).toBe(false);
    expect(isJournalStream(1, 'garbage', stat)).toBe(false);
    const gone = () => {
      throw new Error('EBADF');
    };
    expect(isJournalStream(1, '64769:123456789012', gone)).toBe(false);
  });
});

describe('one notifier for a config directory', () => {
  const now = new Date('2026-12-01T05:50:00Z'); // Tuesday 06:50 in Amsterdam
  const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00+01:00`);
  const running = (next: string, last?: [string, boolean]): BoardSchoolStatus => ({
    timezone: TZ,
    state: 'running',
    next: at(next),
    ...(last ? { last: { at: at(last[0]), ok: last[1] } } : {}),
  });

  it('when twenty schools checked and one failed, then the line counts them: "20 scholen; volgende controle 07:00; laatste controle 06:45: 19 ok, 1 mislukt"', () => {
    const schools = [
      ...Array.from({ length: 19 }, () => running('07:00', ['06:40', true])),
      running('07:15', ['06:45', false]),
    ];
    expect(boardStatusLine(now, schools)).toBe(
      '20 scholen; volgende controle 07:00; laatste controle 06:45: 19 ok, 1 mislukt',
    );
  });

  it('when there is one school, then the noun agrees: "1 school"; and nothing checked yet says so', () => {
    expect(boardStatusLine(now, [running('07:00')])).toBe(
      '1 school; volgende controle 07:00; nog geen controle gedaan',
    );
  });

  it('when schools have not checked yet or do not run, then they are counted apart, with the verb in agreement', () => {
    const ended = (): BoardSchoolStatus => ({ timezone: TZ, state: 'ended' });
    expect(boardStatusLine(now, [running('07:00', ['06:45', true]), running('07:00'), ended()])).toBe(
      '3 scholen; volgende controle 07:00; laatste controle 06:45: 1 ok, 1 nog niet gecontroleerd; 1 school draait niet',
    );
    expect(boardStatusLine(now, [running('07:00'), ended(), ended()])).toBe(
      '3 scholen; volgende controle 07:00; nog geen controle gedaan; 2 scholen draaien niet',
    );
  });

  /** A directory's notifier with a recording runner, fake signals and the clock at `now`. */
  function directory(names: string[], env: Record<string, string> = { NOTIFY_SOCKET: '/run/n' }) {
    const { run, calls } = recordingRunner();
    const listeners: (() => void)[] = [];
    const { logger, logs } = captureLogger();
    const service = boardService({
      env,
      pid: 42,
      logger,
      names,
      clock: { now: () => now },
      signals: { once: (_signal, listener) => listeners.push(listener) },
      run,
    });
    const schedule = { checks: ['07:00'], days: ['tue', 'wed'] as Weekday[], timezone: TZ };
    const hooks = (name: string) => service!.hooksFor(name)({ env, logger, schedule });
    return { service: service!, calls, hooks, logs, term: () => listeners.forEach((l) => l()) };
  }

  it('when NOTIFY_SOCKET is not set, then the directory has no notifier', () => {
    expect(
      boardService({ env: {}, logger: captureLogger().logger, names: ['a'], signals: { once: () => 0 } }),
    ).toBe(undefined);
  });

  it('when every school has started or failed to start, then READY=1 goes out once, with one line for the directory', async () => {
    vi.useFakeTimers();
    try {
      const d = directory(['een', 'twee', 'kapot']);
      const een = d.hooks('een');
      const twee = d.hooks('twee');
      een.ready();
      expect(d.calls).toEqual([]);
      d.service.ended('kapot');
      expect(d.calls).toEqual([]);
      twee.ready();
      await vi.advanceTimersByTimeAsync(2_000);
      await d.service.close();
      expect(d.calls).toEqual([
        [
          'READY=1',
          'STATUS=3 scholen; volgende controle 07:00; nog geen controle gedaan; 1 school draait niet',
        ],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('when a school never starts, then READY=1 still goes out after the bound, and the log names that school', async () => {
    vi.useFakeTimers();
    try {
      const d = directory(['een', 'traag']);
      d.hooks('een').ready();
      await vi.advanceTimersByTimeAsync(60_000);
      await d.service.close();
      expect(d.calls).toEqual([
        ['READY=1', 'STATUS=2 scholen; volgende controle 07:00; nog geen controle gedaan'],
      ]);
      expect(JSON.parse(d.logs().trim())).toMatchObject({ outcome: 'not-started', schoolName: 'traag' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('when several schools check at once, then their statuses go out as one STATUS= line, and an unchanged line not again', async () => {
    vi.useFakeTimers();
    try {
      const d = directory(['een', 'twee']);
      const een = d.hooks('een');
      const twee = d.hooks('twee');
      een.ready();
      twee.ready();
      een.checked(true);
      een.nextCheck(new Date('2026-12-02T06:00:00Z'));
      twee.checked(false);
      twee.nextCheck(new Date('2026-12-02T06:00:00Z'));
      await vi.advanceTimersByTimeAsync(1_500);
      twee.nextCheck(new Date('2026-12-02T06:00:00Z'));
      await vi.advanceTimersByTimeAsync(1_500);
      await d.service.close();
      expect(d.calls).toEqual([
        ['READY=1', 'STATUS=2 scholen; volgende controle 07:00; nog geen controle gedaan'],
        ['STATUS=2 scholen; volgende controle woensdag 07:00; laatste controle 06:50: 1 ok, 1 mislukt'],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("when the process runs, then WATCHDOG=1 comes from it whatever the schools' checks did, and stops at SIGTERM with one STOPPING=1", async () => {
    vi.useFakeTimers();
    try {
      const d = directory(['een', 'twee'], { NOTIFY_SOCKET: '/run/n', WATCHDOG_USEC: '2000000' });
      const een = d.hooks('een');
      een.ready();
      d.hooks('twee').ready();
      een.checked(false);
      await vi.advanceTimersByTimeAsync(2_500);
      d.term();
      // Each school's own daemon says it stops too: the directory says it once.
      een.stopping();
      await vi.advanceTimersByTimeAsync(3_000);
      await d.service.close();
      expect(d.calls.filter((c) => c[0] === 'WATCHDOG=1')).toHaveLength(2);
      expect(d.calls.filter((c) => c[0] === 'STOPPING=1')).toEqual([
        ['STOPPING=1', 'STATUS=stopt; de lopende controles worden afgemaakt'],
      ]);
      expect(d.calls.at(-1)?.[0]).toBe('STOPPING=1');
    } finally {
      vi.useRealTimers();
    }
  });

  it("when every school's daemon has ended, then no WATCHDOG=1 goes out any more", async () => {
    vi.useFakeTimers();
    try {
      const d = directory(['een'], { NOTIFY_SOCKET: '/run/n', WATCHDOG_USEC: '2000000' });
      const een = d.hooks('een');
      een.ready();
      await vi.advanceTimersByTimeAsync(1_500);
      await een.close();
      await vi.advanceTimersByTimeAsync(5_000);
      await d.service.close();
      expect(d.calls.filter((c) => c[0] === 'WATCHDOG=1')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
