/**
 * What a check does around itself for monitoring and for a config directory: its log lines name
 * the school (`schoolName`), it takes a place among the directory's concurrent checks, it pings
 * the school's monitoring URL, and it leaves the follow-up it armed in the state for `hwc status`.
 */
import type { Logger as PinoLogger } from 'pino';
import type { CheckReport } from '../check/context.js';
import { failureCode } from '../check/run-check.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger, StateStore } from '../core/ports.js';
import { sendPing } from '../adapters/ping.js';
import type { Io } from '../commands/io.js';

/** The state's key for the follow-up check a signal asked for (an ISO instant, or empty for none). */
export const FOLLOW_UP_META = 'next_due_at';

export function schoolLogger(logger: PinoLogger, io: Io): PinoLogger {
  return io.board ? logger.child({ schoolName: io.board.schoolName }) : logger;
}

export function slotOf(io: Io): <T>(work: () => Promise<T>) => Promise<T> {
  return io.board ? (work) => io.board!.slot(work) : (work) => work();
}

/** Runs the check between its monitoring pings; a ping never changes the check's outcome. */
export async function monitoredCheck<R extends CheckReport | Error>(
  config: ResolvedConfig,
  ports: { logger: Logger; store: Pick<StateStore, 'setMeta'> },
  io: Io,
  check: () => Promise<R>,
): Promise<R> {
  const name = io.board?.schoolName;
  await sendPing(config.monitoring, { kind: 'start' }, ports.logger, name);
  const result = await check();
  if (!(result instanceof Error)) recordFollowUp(ports, result.nextDueAt);
  await sendPing(
    config.monitoring,
    result instanceof Error ? { kind: 'failure', code: failureCode(result) } : { kind: 'success' },
    ports.logger,
    name,
  );
  return result;
}

function recordFollowUp(
  ports: { logger: Logger; store: Pick<StateStore, 'setMeta'> },
  at: Date | undefined,
): void {
  try {
    ports.store.setMeta(FOLLOW_UP_META, at ? at.toISOString() : '');
  } catch (err) {
    // Only `hwc status` reads it; the check's own work is done and recorded.
    ports.logger.warn({ step: 'status', outcome: 'failed', err }, 'the next follow-up could not be recorded');
  }
}
