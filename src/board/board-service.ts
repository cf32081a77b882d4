/**
 * One systemd notifier for `hwc run --config-dir`: the process, not each school, is the unit that
 * systemd watches. READY=1 once every school's daemon has started or given up, one STATUS= line for
 * the whole directory, WATCHDOG=1 only while the process is healthy, STOPPING=1 once at SIGTERM.
 */
import type { Clock, Logger } from '../core/ports.js';
import { nextChecks } from '../core/schedule.js';
import { boardStatusLine, type BoardSchoolStatus } from '../core/service-status.js';
import { systemClock } from '../adapters/system-clock.js';
import { sdNotifier, type NotifyRunner } from '../adapters/sd-notify.js';
import type { Io } from '../commands/io.js';
import type { ServiceHooks, ServiceHookSettings } from '../commands/service-manager.js';

export interface BoardService {
  /** What a school's `hwc run` uses instead of a notifier of its own. */
  hooksFor(name: string): (settings: ServiceHookSettings) => ServiceHooks;
  /** The school's daemon stopped, or never started (an invalid config, a broken chain, a held lock). */
  ended(name: string): void;
  /** Stops the timers and waits for the messages already handed to systemd-notify. */
  close(): Promise<void>;
}

export interface BoardServiceSettings {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Every school of the directory, also those whose config is invalid. */
  names: readonly string[];
  signals: Io['signals'];
  pid?: number;
  clock?: Clock;
  run?: NotifyRunner;
  /** READY=1 at the latest this long after the start, so that no school can hold it back. */
  readyWithinMs?: number;
  /** STATUS= changes within this time go out as one message. */
  statusDelayMs?: number;
}

/** Until a school's daemon has read its config, the directory's timezone is not known yet. */
const UNKNOWN_TIMEZONE = 'Europe/Amsterdam';

/** Without NOTIFY_SOCKET (not under systemd's Type=notify) there is nothing to do: undefined. */
export function boardService(settings: BoardServiceSettings): BoardService | undefined {
  const clock = settings.clock ?? systemClock;
  const notifier = sdNotifier({
    env: settings.env,
    pid: settings.pid ?? process.pid,
    logger: settings.logger,
    ...(settings.run ? { run: settings.run } : {}),
  });
  if (!notifier) return undefined;
  const schools = new Map<string, BoardSchoolStatus>(
    settings.names.map((name) => [name, { timezone: UNKNOWN_TIMEZONE, state: 'starting' }]),
  );
  let readySent = false;
  let stopping = false;
  let sentLine: string | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  const line = () => boardStatusLine(clock.now(), [...schools.values()]);

  const sendReady = (): void => {
    if (readySent || stopping) return;
    readySent = true;
    clearTimeout(readyTimer);
    sentLine = line();
    notifier.ready(sentLine);
    // The timer is the proof that the event loop turns; a school's mailbox has no say in it.
    notifier.startWatchdog(() => !stopping && [...schools.values()].some((s) => s.state !== 'ended'));
  };
  const readyTimer = setTimeout(() => {
    for (const [name, school] of schools) {
      if (school.state === 'starting')
        settings.logger.warn(
          { event: 'sd-notify', outcome: 'not-started', schoolName: name },
          'this school has not started yet; telling systemd the others are ready',
        );
    }
    sendReady();
  }, settings.readyWithinMs ?? 60_000);
  readyTimer.unref();

  const settled = (): void => {
    if (!readySent && [...schools.values()].every((school) => school.state !== 'starting')) sendReady();
    else changed();
  };
  const changed = (): void => {
    if (!readySent || stopping || statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      const now = line();
      if (stopping || now === sentLine) return;
      sentLine = now;
      notifier.status(now);
    }, settings.statusDelayMs ?? 1_000);
    statusTimer.unref();
  };
  const update = (name: string, change: Partial<BoardSchoolStatus>): void => {
    const school = schools.get(name);
    if (!school || school.state === 'ended') return;
    Object.assign(school, change);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    settings.signals.once(signal, () => {
      if (stopping) return;
      stopping = true;
      notifier.stopping('stopt; de lopende controles worden afgemaakt');
    });
  }

  return {
    hooksFor: (name) => (hookSettings) =>
      schoolHooks(name, hookSettings, { schools, clock, update, settled, changed }),
    ended(name) {
      update(name, { state: 'ended' });
      settled();
    },
    async close() {
      clearTimeout(readyTimer);
      clearTimeout(statusTimer);
      await notifier.close();
    },
  };
}

interface Tracker {
  schools: Map<string, BoardSchoolStatus>;
  clock: Clock;
  update(name: string, change: Partial<BoardSchoolStatus>): void;
  /** A school started or ended: READY=1 when none is starting any more, else a new status. */
  settled(): void;
  /** Something the STATUS= line shows changed. */
  changed(): void;
}

/** One school's daemon, as it reports to the directory's notifier. */
function schoolHooks(name: string, settings: ServiceHookSettings, tracker: Tracker): ServiceHooks {
  return {
    ready() {
      const [next] = nextChecks(tracker.clock.now(), settings.schedule, 1);
      tracker.update(name, {
        state: 'running',
        timezone: settings.schedule.timezone,
        ...(next ? { next } : {}),
      });
      tracker.settled();
    },
    checked(ok) {
      tracker.update(name, { last: { at: tracker.clock.now(), ok } });
    },
    nextCheck(next) {
      const school = tracker.schools.get(name);
      if (school && school.state !== 'ended') {
        if (next) school.next = next;
        else delete school.next;
      }
      tracker.changed();
    },
    // The process stops at SIGTERM (boardService); one school's daemon ending is `close`.
    stopping: () => undefined,
    close: async () => {
      tracker.update(name, { state: 'ended' });
      tracker.settled();
    },
  };
}
