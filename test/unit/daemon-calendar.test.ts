import { pino } from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { closedReason, type SchoolCalendar } from '../../src/core/holidays-nl.js';
import { zonedInstant, type CheckSchedule, type ClosedDays } from '../../src/core/schedule.js';
import { createDaemon } from '../../src/daemon.js';

// node-cron fires on weekdays only; the tests call its callbacks directly at chosen instants.
const callbacks = new Map<string, () => void>();
vi.mock('node-cron', () => ({
  default: {
    schedule: (_expression: string, callback: () => void, options: { name: string }) => {
      callbacks.set(options.name, callback);
      return { stop: async () => undefined, destroy: async () => undefined };
    },
  },
}));

const TZ = 'Europe/Amsterdam';
const midden: SchoolCalendar = { region: 'midden', closed: [] };

function schedule(closedDays: ClosedDays): CheckSchedule {
  return {
    checks: ['07:00', '07:45'],
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: TZ,
    closed: (isoDate) => closedReason(isoDate, midden) !== undefined,
    closedDays,
  };
}

async function daemonAt(closedDays: ClosedDays, lastSuccess: Date | undefined) {
  let now = new Date(0);
  const runCheck = vi.fn(async () => ({}));
  const sendDeadManAlarm = vi.fn(async () => true);
  const daemon = createDaemon({
    schedule: schedule(closedDays),
    deadline: '08:15',
    clock: { now: () => now },
    logger: pino({ level: 'silent' }),
    runCheck,
    lastSuccess: () => lastSuccess,
    hasOpenWorkflows: () => false,
    alarmSentOn: () => undefined,
    sendDeadManAlarm,
    fatal: () => undefined,
  });
  now = zonedInstant('2026-12-18', '09:00', TZ);
  await daemon.start();
  const fire = async (name: string, date: string, time: string): Promise<void> => {
    now = zonedInstant(date, time, TZ);
    callbacks.get(name)?.();
    await daemon.idle();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { daemon, runCheck, sendDeadManAlarm, fire };
}

describe('the daemon on closed days', () => {
  beforeEach(() => callbacks.clear());

  it('when closed days are ignored, then no cron task runs a check in the kerstvakantie, and the first school day does', async () => {
    const lastSuccess = zonedInstant('2026-12-18', '07:45', TZ);
    const { daemon, runCheck, fire } = await daemonAt('ignore', lastSuccess);
    await fire('check-07:00', '2026-12-21', '07:00');
    await fire('check-07:45', '2026-12-21', '07:45');
    expect(runCheck).not.toHaveBeenCalled();
    await fire('check-07:00', '2027-01-04', '07:00');
    expect(runCheck).toHaveBeenCalledTimes(1);
    await daemon.stop();
  });

  it('when closed days are acknowledged, then only the first check time runs on a holiday', async () => {
    const lastSuccess = zonedInstant('2026-12-18', '07:45', TZ);
    const { daemon, runCheck, fire } = await daemonAt('acknowledge', lastSuccess);
    await fire('check-07:00', '2026-12-21', '07:00');
    await fire('check-07:45', '2026-12-21', '07:45');
    expect(runCheck).toHaveBeenCalledTimes(1);
    expect(runCheck).toHaveBeenCalledWith('scheduled');
    await daemon.stop();
  });

  it('when the deadline passes on a holiday without any check, then no dead-man alarm is sent, and on the first school day it is', async () => {
    const { daemon, sendDeadManAlarm, fire } = await daemonAt(
      'ignore',
      zonedInstant('2026-12-18', '07:45', TZ),
    );
    await fire('dead-man', '2026-12-22', '08:15');
    expect(sendDeadManAlarm).not.toHaveBeenCalled();
    await fire('dead-man', '2027-01-04', '08:15');
    expect(sendDeadManAlarm).toHaveBeenCalledTimes(1);
    await daemon.stop();
  });
});
