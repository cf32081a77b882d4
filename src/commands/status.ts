/**
 * `hwc status`: how each school is, for a person and for Nagios-style monitoring. It reads the
 * config and the state database read-only (times and counts only), never the mailbox, and takes
 * no lock: it is cheap enough to run every minute. Exit 0 when every school is well, 1 when any is
 * not (its last check failed, no check succeeded by today's deadline, its audit chain is broken,
 * or, in a config directory, its config cannot be loaded).
 */
import { basename, extname } from 'node:path';
import { verifyChain } from '../core/audit-entry.js';
import type { AuditRow } from '../core/ports.js';
import { addDays, isDeadManDue, isWithin, localDate, nextChecks } from '../core/schedule.js';
import { missedMornings } from '../core/report/findings.js';
import { SqliteStore } from '../adapters/sqlite-store.js';
import { FOLLOW_UP_META } from '../board/check-hooks.js';
import { boardContextOf, openBoard, reportProblems, type BoardInvocation } from '../board/run-board.js';
import { schoolIo } from '../board/school-io.js';
import { loadConfigForCommand, readConfig, type LoadedConfig } from './config.js';
import { checkScheduleOf } from './schedule.js';
import { EXIT, type Io } from './io.js';

export interface StatusOptions {
  json: boolean;
  now: Date;
}

/** Why a school is not well; fixed codes, never content. */
type Problem =
  'CONFIG_INVALID' | 'STATE_UNREADABLE' | 'LAST_CHECK_FAILED' | 'NO_CHECK_BY_DEADLINE' | 'AUDIT_CHAIN_BROKEN';

export interface StatusEntry {
  school: string;
  well: boolean;
  problems: Problem[];
  lastCheck?: { at: string; outcome: string; error?: string };
  lastSuccessAt?: string;
  /** The next check: the next scheduled one, or the follow-up a waiting signal armed if sooner. */
  nextCheckAt?: string;
  followUpAt?: string;
  signalsWaiting?: number;
  /** The contacts (by role) listed as absent today. */
  absentToday?: string[];
  lastError?: { at: string; code: string };
  audit?: { intact: boolean; rows: number; head?: string };
  /** School days of the last MISSED_DAYS on which no check ran at all (ISO dates); only when any. */
  missedMornings?: string[];
}

/** How far back `hwc status` looks for school days without any check: two school weeks. */
const MISSED_DAYS = 14;

function lastOf(rows: AuditRow[], match: (row: AuditRow) => boolean): AuditRow | undefined {
  for (let i = rows.length - 1; i >= 0; i -= 1) if (match(rows[i] as AuditRow)) return rows[i];
  return undefined;
}

function errorOf(row: AuditRow): string | undefined {
  const error = (row.data as Record<string, unknown>)['error'];
  return typeof error === 'string' ? error : undefined;
}

/** One school's status from its config and state; `name` is how output names it. */
export function statusOf(name: string, config: LoadedConfig, now: Date): StatusEntry {
  let store: SqliteStore;
  try {
    store = SqliteStore.open(config.storage, { readOnly: true });
  } catch {
    return { school: name, well: false, problems: ['STATE_UNREADABLE'] };
  }
  try {
    const rows = store.rows();
    const checks = rows.filter((row) => row.type === 'check');
    const last = checks[checks.length - 1];
    const failed = lastOf(checks, (row) => errorOf(row) !== undefined);
    const lastSuccess = store.getMeta('last_success_at');
    const followUp = store.getMeta(FOLLOW_UP_META) || undefined;
    const waiting = store.allSignals().filter((signal) => !signal.purgedAt).length;
    const schedule = checkScheduleOf(config);
    const [scheduled] = nextChecks(now, schedule, 1);
    const armed = waiting > 0 && followUp ? new Date(followUp) : undefined;
    const next = armed && (!scheduled || armed < scheduled) ? armed : scheduled;
    const verdict = verifyChain(rows);
    const today = localDate(now, config.timezone);
    const problems: Problem[] = [];
    if (last && (last.data as Record<string, unknown>)['outcome'] !== 'ok')
      problems.push('LAST_CHECK_FAILED');
    if (
      isDeadManDue(
        now,
        lastSuccess ? new Date(lastSuccess) : undefined,
        schedule,
        config.schedule.deadline,
        undefined,
      )
    ) {
      problems.push('NO_CHECK_BY_DEADLINE');
    }
    if (!verdict.intact) problems.push('AUDIT_CHAIN_BROKEN');
    const roles = (['primary', 'backup'] as const).filter((role) =>
      isWithin(today, config.contacts[role].absent),
    );
    const first = rows[0];
    // Informational: a morning missed in the past does not make the school unwell now.
    const missed = first
      ? missedMornings(
          rows,
          { schedule, deadline: config.schedule.deadline },
          { from: addDays(today, -MISSED_DAYS), logBegins: new Date(first.at), now },
        )
      : [];
    return {
      school: name,
      well: problems.length === 0,
      problems,
      ...(last ? { lastCheck: checkOf(last) } : {}),
      ...(lastSuccess ? { lastSuccessAt: lastSuccess } : {}),
      ...(next ? { nextCheckAt: next.toISOString() } : {}),
      ...(armed ? { followUpAt: armed.toISOString() } : {}),
      signalsWaiting: waiting,
      absentToday: roles,
      ...(failed ? { lastError: { at: failed.at, code: errorOf(failed) as string } } : {}),
      audit: verdict.intact
        ? { intact: true, rows: verdict.rows, ...(verdict.rows > 0 ? { head: verdict.head } : {}) }
        : { intact: false, rows: rows.length },
      ...(missed.length > 0 ? { missedMornings: missed } : {}),
    };
  } finally {
    store.close();
  }
}

function checkOf(row: AuditRow): { at: string; outcome: string; error?: string } {
  const outcome = (row.data as Record<string, unknown>)['outcome'];
  const error = errorOf(row);
  return {
    at: row.at,
    outcome: typeof outcome === 'string' ? outcome : 'unknown',
    ...(error ? { error } : {}),
  };
}

function line(entry: StatusEntry): string {
  const parts = [`${entry.school}: ${entry.well ? 'OK' : `NOT OK (${entry.problems.join(', ')})`}`];
  if (entry.problems.includes('CONFIG_INVALID') || entry.problems.includes('STATE_UNREADABLE'))
    return parts[0] as string;
  parts.push(
    entry.lastCheck
      ? `last check ${entry.lastCheck.at} ${entry.lastCheck.outcome}${entry.lastCheck.error ? ` ${entry.lastCheck.error}` : ''}`
      : 'no check yet',
  );
  parts.push(`next ${entry.nextCheckAt ?? 'none scheduled'}${entry.followUpAt ? ' (follow-up)' : ''}`);
  parts.push(`${entry.signalsWaiting ?? 0} signal(s) waiting`);
  parts.push(
    `absent today: ${entry.absentToday && entry.absentToday.length > 0 ? entry.absentToday.join(', ') : 'none'}`,
  );
  if (entry.lastError) parts.push(`last error ${entry.lastError.code} at ${entry.lastError.at}`);
  if (entry.missedMornings) parts.push(`no check at all on ${entry.missedMornings.join(', ')}`);
  parts.push(
    entry.audit?.intact ? `audit intact, head ${entry.audit.head ?? 'none (no rows yet)'}` : 'audit BROKEN',
  );
  return parts.join('; ');
}

function write(entries: StatusEntry[], options: StatusOptions, io: Io): number {
  if (options.json) io.stdout.write(`${JSON.stringify(entries)}\n`);
  else io.stdout.write(entries.map((entry) => `${line(entry)}\n`).join(''));
  return entries.every((entry) => entry.well) ? EXIT.ok : EXIT.runError;
}

/** `hwc status --config FILE`: a list of one. A config that cannot be loaded is exit 78, as everywhere. */
export async function commandStatus(configPath: string, options: StatusOptions, io: Io): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const name = basename(configPath, extname(configPath));
  return write([statusOf(name, config, options.now)], options, io);
}

/** `hwc status --config-dir DIR`: one entry per school; a school whose config is invalid is not well. */
export async function commandStatusDir(invocation: BoardInvocation, options: StatusOptions): Promise<number> {
  const opened = await openBoard(invocation, 'status');
  if (typeof opened === 'number') return opened;
  const { board, schools, pool } = opened;
  const entries: StatusEntry[] = [];
  for (const school of schools) {
    const own = schoolIo(invocation.io, boardContextOf(board, school, pool, true), {
      marked: true,
      buffered: false,
      signals: invocation.io.signals,
    });
    const invalid: StatusEntry = { school: school.name, well: false, problems: ['CONFIG_INVALID'] };
    if (school.problems.length > 0) {
      reportProblems(own.io, school);
      entries.push(invalid);
      continue;
    }
    const loaded = await readConfig(school.file, own.io);
    if ('errors' in loaded) {
      own.io.stderr.write(
        `hwc: the configuration is not valid:\n${loaded.errors.map((e) => `  ${e}`).join('\n')}\n`,
      );
      entries.push(invalid);
      continue;
    }
    entries.push(statusOf(school.name, loaded.config, options.now));
  }
  return write(entries, options, invocation.io);
}
