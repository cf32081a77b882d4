import type { DestinationStream } from 'pino';
import type { CheckReport } from '../check/context.js';
import { failureCode } from '../check/failure-code.js';
import { renderCheckSummary } from '../core/check-summary.js';
import { emptyCounts } from '../core/audit-entry.js';
import type { SignalRecord } from '../core/ports.js';
import type { LoadedConfig } from './config.js';
import type { Io } from './io.js';
import { logStream } from '../adapters/journal-stream.js';

/**
 * Where `hwc check` writes what. On a terminal: a short Dutch summary on stdout, the JSON log on
 * stderr. With --json: one JSON result on stdout, the log on stderr. Otherwise (a pipe, journald)
 * the log stays on stdout, where log consumers have always read it, followed by one JSON result line.
 */
export type CheckOutput = 'summary' | 'json' | 'log-and-json';

export function checkOutputOf(io: Io, json: boolean): CheckOutput {
  if (json) return 'json';
  return (io.stdout as { isTTY?: boolean }).isTTY === true ? 'summary' : 'log-and-json';
}

/** The log's destination for this output: stderr whenever stdout carries data for a person or a program only. */
export function logDestination(output: CheckOutput): DestinationStream | undefined {
  return output === 'log-and-json' ? undefined : logStream(2);
}

/** The result as data: counts and outcomes, the open workflows' times and roles, no content. */
function resultJson(result: CheckReport | Error, open: SignalRecord[]): Record<string, unknown> {
  if (result instanceof Error) return { result: 'check', outcome: 'failed', error: failureCode(result) };
  return {
    result: 'check',
    outcome: result.outcome,
    counts: result.counts,
    ...(result.nextDueAt ? { nextDueAt: result.nextDueAt.toISOString() } : {}),
    open: open.map((record) => ({
      receivedAt: record.receivedAt,
      notified: record.notified,
      ...(record.confirmedAt ? { confirmedAt: record.confirmedAt, confirmedBy: record.confirmedBy } : {}),
      ...(record.escalatedAt ? { escalatedAt: record.escalatedAt } : {}),
    })),
  };
}

export function writeCheckOutput(
  io: Io,
  output: CheckOutput,
  result: CheckReport | Error,
  signals: SignalRecord[],
  config: LoadedConfig,
): void {
  const open = signals.filter((record) => !record.purgedAt);
  if (output !== 'summary') {
    io.stdout.write(`${JSON.stringify(resultJson(result, open))}\n`);
    return;
  }
  const failed = result instanceof Error;
  io.stdout.write(
    renderCheckSummary({
      outcome: failed ? 'failed' : result.outcome,
      ...(failed ? { error: failureCode(result) } : {}),
      counts: failed ? emptyCounts() : result.counts,
      open,
      contacts: { primary: config.contacts.primary, backup: config.contacts.backup },
      notify: config.notify,
      escalateAfterMs: config.escalateAfterMs,
      timezone: config.timezone,
    }),
  );
}
