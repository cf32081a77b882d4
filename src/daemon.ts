import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from './core/ports.js';
import { cronExpression, isCatchUpDue, nextChecks, type CheckSchedule } from './core/schedule.js';

export interface DaemonDeps {
  schedule: CheckSchedule;
  clock: Clock;
  logger: Logger;
  /** Runs one whole check; resolves whether it failed or not, never rejects. */
  runCheck: (reason: 'scheduled' | 'catch-up') => Promise<void>;
  lastSuccess: () => Date | undefined;
}

export interface Daemon {
  start(): Promise<void>;
  /** Stops scheduling and waits for a running check to finish. */
  stop(): Promise<void>;
  /** Resolves when the check in flight (if any) and any queued check are done. */
  idle(): Promise<void>;
}

/**
 * The scheduler: a node-cron task per check time, in the school's timezone. Checks never overlap:
 * a trigger that arrives while a check runs queues one more run (not more), so a slow check
 * cannot pile up work behind it.
 */
export function createDaemon(deps: DaemonDeps): Daemon {
  const tasks: ScheduledTask[] = [];
  let running: Promise<void> | undefined;
  let queued: 'scheduled' | 'catch-up' | undefined;
  let stopping = false;

  const trigger = (reason: 'scheduled' | 'catch-up'): void => {
    if (stopping) return;
    if (running) {
      queued = reason;
      return;
    }
    running = (async () => {
      try {
        await deps.runCheck(reason);
      } finally {
        running = undefined;
        const next = queued;
        queued = undefined;
        if (next && !stopping) trigger(next);
        announceNext();
      }
    })();
  };

  const announceNext = (): void => {
    const [next] = nextChecks(deps.clock.now(), deps.schedule, 1);
    if (next) deps.logger.info({ event: 'next-check', next: next.toISOString() }, 'next check scheduled');
  };

  return {
    async start() {
      for (const time of deps.schedule.checks) {
        tasks.push(
          cron.schedule(cronExpression(time, deps.schedule.days), () => trigger('scheduled'), {
            timezone: deps.schedule.timezone,
            name: `check-${time}`,
            noOverlap: true,
          }),
        );
      }
      deps.logger.info({ event: 'daemon-started', checks: deps.schedule.checks }, 'daemon started');
      if (isCatchUpDue(deps.clock.now(), deps.lastSuccess(), deps.schedule)) {
        deps.logger.info({ event: 'catch-up' }, 'a scheduled check was missed; checking now');
        trigger('catch-up');
      } else {
        announceNext();
      }
    },
    async stop() {
      stopping = true;
      queued = undefined;
      for (const task of tasks) await task.stop();
      await running;
      for (const task of tasks) await task.destroy();
    },
    async idle() {
      while (running) await running;
    },
  };
}
