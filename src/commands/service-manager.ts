import type { Clock, Logger } from '../core/ports.js';
import { nextChecks, type CheckSchedule } from '../core/schedule.js';
import { serviceStatusLine } from '../core/service-status.js';
import { systemClock } from '../adapters/system-clock.js';
import { sdNotifier, type NotifyRunner, type ServiceNotifier } from '../adapters/sd-notify.js';

/**
 * The daemon's side of systemd's Type=notify: READY=1 once it runs, a Dutch STATUS= line after
 * every check, WATCHDOG=1 pings, STOPPING=1 at SIGTERM. Without NOTIFY_SOCKET every hook is a
 * no-op, so `hwc run` behaves the same outside systemd.
 */
export interface ServiceHooks {
  ready(): void;
  checked(ok: boolean): void;
  nextCheck(next: Date | undefined): void;
  stopping(): void;
  close(): Promise<void>;
}

export interface ServiceHookSettings {
  env: Record<string, string | undefined>;
  logger: Logger;
  schedule: CheckSchedule;
  /** This process and the system clock, unless a test says otherwise. */
  pid?: number;
  clock?: Clock;
  /** Test seam: how systemd-notify is run. */
  run?: NotifyRunner;
}

export function serviceHooks(settings: ServiceHookSettings): ServiceHooks {
  const clock = settings.clock ?? systemClock;
  const notifier: ServiceNotifier | undefined = sdNotifier({
    env: settings.env,
    pid: settings.pid ?? process.pid,
    logger: settings.logger,
    ...(settings.run ? { run: settings.run } : {}),
  });
  let last: { at: Date; ok: boolean } | undefined;
  let next: Date | undefined;
  let readySent = false;
  const line = () =>
    serviceStatusLine({
      now: clock.now(),
      timezone: settings.schedule.timezone,
      ...(next ? { next } : {}),
      ...(last ? { last } : {}),
    });
  return {
    ready() {
      if (!notifier || readySent) return;
      readySent = true;
      [next] = nextChecks(clock.now(), settings.schedule, 1);
      notifier.ready(line());
      notifier.startWatchdog();
    },
    checked(ok) {
      last = { at: clock.now(), ok };
    },
    nextCheck(at) {
      next = at;
      if (notifier && readySent) notifier.status(line());
    },
    stopping() {
      notifier?.stopping();
    },
    close: async () => notifier?.close(),
  };
}
