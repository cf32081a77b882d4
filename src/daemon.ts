import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from './core/ports.js';
import {
  cronExpression,
  isCatchUpDue,
  isCheckScheduled,
  isDeadManDue,
  localDate,
  nextChecks,
  type CheckSchedule,
} from './core/schedule.js';

type Reason = 'scheduled' | 'catch-up' | 'follow-up' | 'requested';

export interface DaemonDeps {
  schedule: CheckSchedule;
  /** schedule.deadline, HH:MM: the dead-man alarm goes out then if no check succeeded that morning. */
  deadline: string;
  clock: Clock;
  logger: Logger;
  /** Runs one whole check and never rejects; says when a waiting signal next needs a check. */
  runCheck: (reason: Reason) => Promise<{ nextDueAt?: Date }>;
  lastSuccess: () => Date | undefined;
  /** Whether a signal's workflow is open in the state (a restart in the middle of one). */
  hasOpenWorkflows: () => boolean;
  alarmSentOn: () => string | undefined;
  /** Sends the content-free dead-man alarm; resolves false when it could not be sent either. */
  sendDeadManAlarm: () => Promise<boolean>;
  /** Called when the daemon cannot do its job at all: the process should exit non-zero. */
  fatal: (code: string) => void;
  /** How often to look again while a signal waits for confirmation. */
  pollWhileWaitingMs?: number;
  setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
  /** Told the next scheduled check whenever it is announced (systemd's STATUS= line). */
  onNextCheck?: (next: Date | undefined) => void;
  /** Check at once on start, whatever the schedule says (link mode: a waiting signal gets its link now). */
  checkAtStart?: boolean;
  /** Run beside the checks (the link page, src/web/): started after the timers, stopped first. */
  services?: DaemonService[];
}

/** What a service may ask of the daemon. */
export interface DaemonControl {
  /** A check as soon as the one in flight (if any) is done. */
  checkNow(): void;
  /** Resolves when no check is running or queued. */
  idle(): Promise<void>;
}

export interface DaemonService {
  start(control: DaemonControl): Promise<void>;
  stop(): Promise<void>;
}

export interface Daemon {
  start(): Promise<void>;
  /** Stops scheduling and waits for a running check to finish. */
  stop(): Promise<void>;
  /** Resolves when the check in flight (if any) and any queued check are done. */
  idle(): Promise<void>;
}

/** Checks one at a time, and the follow-up timer that the state asks for between scheduled checks. */
interface CheckLoop {
  trigger(reason: Reason): void;
  /** The check in flight, if any. */
  running(): Promise<void> | undefined;
  /** Runs no more checks: drops a queued one and the follow-up timer; the one in flight goes on. */
  stop(): void;
}

function createCheckLoop(deps: DaemonDeps, announceNext: () => void): CheckLoop {
  let running: Promise<void> | undefined;
  let queued: Reason | undefined;
  let stopping = false;
  let followUp: NodeJS.Timeout | undefined;
  const setTimer = deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const pollMs = deps.pollWhileWaitingMs ?? 5 * 60_000;

  // Escalation, the deadline and purgeAfter fall between scheduled checks: the state says when
  // the next one is due, and a timer runs a check then. After a restart the timer is re-armed
  // by the first check, which runs at once when a workflow is open.
  const armFollowUp = (nextDueAt: Date | undefined): void => {
    if (followUp) clearTimeout(followUp);
    followUp = undefined;
    if (!nextDueAt || stopping) return;
    const wait = Math.max(1_000, Math.min(nextDueAt.getTime() - deps.clock.now().getTime(), pollMs));
    followUp = setTimer(() => trigger('follow-up'), wait);
    followUp.unref?.();
  };

  const trigger = (reason: Reason): void => {
    if (stopping) return;
    if (running) {
      queued = reason;
      return;
    }
    running = (async () => {
      try {
        const result = await deps.runCheck(reason);
        armFollowUp(result.nextDueAt);
      } finally {
        running = undefined;
        const next = queued;
        queued = undefined;
        if (next && !stopping) trigger(next);
        announceNext();
      }
    })();
  };

  return {
    trigger,
    running: () => running,
    stop() {
      stopping = true;
      queued = undefined;
      if (followUp) clearTimeout(followUp);
    },
  };
}

function announceNextCheck(deps: DaemonDeps): void {
  const [next] = nextChecks(deps.clock.now(), deps.schedule, 1);
  if (next) deps.logger.info({ event: 'next-check', next: next.toISOString() }, 'next check scheduled');
  deps.onNextCheck?.(next);
}

// node-cron fires on every day in `days`; holidays are only known to the schedule.
function onCheckTime(deps: DaemonDeps, loop: CheckLoop, time: string): void {
  const today = localDate(deps.clock.now(), deps.schedule.timezone);
  if (isCheckScheduled(today, time, deps.schedule)) {
    loop.trigger('scheduled');
    return;
  }
  deps.logger.info({ event: 'closed-day', time }, 'the school is closed today; no check at this time');
  announceNextCheck(deps);
}

async function onDeadline(deps: DaemonDeps, loop: CheckLoop): Promise<void> {
  await loop.running();
  const now = deps.clock.now();
  if (!isDeadManDue(now, deps.lastSuccess(), deps.schedule, deps.deadline, deps.alarmSentOn())) return;
  deps.logger.error({ event: 'dead-man' }, 'no check succeeded this morning; alarming the contacts');
  if (!(await deps.sendDeadManAlarm())) {
    deps.logger.fatal(
      { event: 'dead-man', outcome: 'failed' },
      'the dead-man alarm could not be sent either',
    );
    deps.fatal('DEAD_MAN_UNSENT');
  }
}

/** A node-cron task per check time, and one at the deadline for the dead-man alarm. */
function cronTasks(deps: DaemonDeps, loop: CheckLoop): ScheduledTask[] {
  const checks = deps.schedule.checks.map((time) =>
    cron.schedule(cronExpression(time, deps.schedule.days), () => onCheckTime(deps, loop, time), {
      timezone: deps.schedule.timezone,
      name: `check-${time}`,
      noOverlap: true,
    }),
  );
  const deadMan = cron.schedule(
    cronExpression(deps.deadline, deps.schedule.days),
    () => void onDeadline(deps, loop),
    {
      timezone: deps.schedule.timezone,
      name: 'dead-man',
    },
  );
  return [...checks, deadMan];
}

/**
 * The scheduler: a node-cron task per check time, in the school's timezone. Checks never overlap:
 * a trigger that arrives while a check runs queues one more run (not more), so a slow check
 * cannot pile up work behind it.
 */
export function createDaemon(deps: DaemonDeps): Daemon {
  const tasks: ScheduledTask[] = [];
  const loop = createCheckLoop(deps, () => announceNextCheck(deps));
  const idle = async (): Promise<void> => {
    for (let running = loop.running(); running; running = loop.running()) await running;
  };
  return {
    async start() {
      tasks.push(...cronTasks(deps, loop));
      deps.logger.info({ event: 'daemon-started', checks: deps.schedule.checks }, 'daemon started');
      const control: DaemonControl = { checkNow: () => loop.trigger('requested'), idle };
      for (const service of deps.services ?? []) await service.start(control);
      if (
        deps.checkAtStart ||
        isCatchUpDue(deps.clock.now(), deps.lastSuccess(), deps.schedule) ||
        deps.hasOpenWorkflows()
      ) {
        deps.logger.info(
          { event: 'catch-up' },
          'a scheduled check was missed or a signal is open; checking now',
        );
        loop.trigger('catch-up');
      } else {
        announceNextCheck(deps);
      }
    },
    async stop() {
      for (const service of deps.services ?? []) await service.stop();
      loop.stop();
      for (const task of tasks) await task.stop();
      await loop.running();
      for (const task of tasks) await task.destroy();
    },
    idle,
  };
}
