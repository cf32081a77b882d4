/**
 * What a check does around itself for monitoring and for a config directory: its log lines name
 * the school (`schoolName`), it takes a place among the directory's concurrent checks, it pings
 * the school's monitoring URL, and it leaves the follow-up it armed in the state for `hwc status`.
 */
import type { Logger as PinoLogger } from 'pino';
import type { CheckReport } from '../check/context.js';
import { failureCode } from '../check/failure-code.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger, StateStore } from '../core/ports.js';
import { sendPing, type PingEvent } from '../adapters/ping.js';
import type { Io } from '../commands/io.js';

/** The state's key for the follow-up check a signal asked for (an ISO instant, or empty for none). */
export const FOLLOW_UP_META = 'next_due_at';

export function schoolLogger(logger: PinoLogger, io: Io): PinoLogger {
  return io.board ? logger.child({ schoolName: io.board.schoolName }) : logger;
}

export function slotOf(io: Io): <T>(work: () => Promise<T>) => Promise<T> {
  return io.board ? (work) => io.board!.slot(work) : (work) => work();
}

/** The pings on their way; a check does not wait for them (sendPing never rejects). */
const inFlight = new Set<Promise<void>>();

/** Resolves when every ping sent so far has been answered or given up on. */
export async function pingsSent(): Promise<void> {
  await Promise.all([...inFlight]);
}

function track(ping: Promise<void>): Promise<void> {
  inFlight.add(ping);
  void ping.finally(() => inFlight.delete(ping));
  return ping;
}

/**
 * Runs the check between its monitoring pings; a ping never changes the check's outcome. The pings
 * are not awaited: a slow monitoring URL (up to its 10 s timeout) must not hold the check, nor its
 * place among a config directory's concurrent checks. The end ping follows the start ping.
 */
export async function monitoredCheck<R extends CheckReport | Error>(
  config: ResolvedConfig,
  ports: { logger: Logger; store: Pick<StateStore, 'getMeta' | 'setMeta'> },
  io: Io,
  check: () => Promise<R>,
): Promise<R> {
  const name = io.board?.schoolName;
  const started = track(sendPing(config.monitoring, { kind: 'start' }, ports.logger, name));
  const result = await check();
  if (!(result instanceof Error)) recordFollowUp(ports, result.nextDueAt);
  const end: PingEvent =
    result instanceof Error ? { kind: 'failure', code: failureCode(result) } : { kind: 'success' };
  track(started.then(() => sendPing(config.monitoring, end, ports.logger, name)));
  return result;
}

function recordFollowUp(
  ports: { logger: Logger; store: Pick<StateStore, 'getMeta' | 'setMeta'> },
  at: Date | undefined,
): void {
  const value = at ? at.toISOString() : '';
  try {
    // Unchanged on most mornings (no follow-up armed): a read spares a commit, and its fsync.
    if ((ports.store.getMeta(FOLLOW_UP_META) ?? '') === value) return;
    ports.store.setMeta(FOLLOW_UP_META, value);
  } catch (err) {
    // Only `hwc status` reads it; the check's own work is done and recorded.
    ports.logger.warn({ step: 'status', outcome: 'failed', err }, 'the next follow-up could not be recorded');
  }
}
