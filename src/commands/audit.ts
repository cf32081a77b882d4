import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyChain, type ChainBreak, type ChainVerdict } from '../core/audit-entry.js';
import type { AuditRow } from '../core/ports.js';
import { renderHtmlReport } from '../core/report/html.js';
import { localDate } from '../core/schedule.js';
import { DATABASE_FILE, SqliteStore } from '../adapters/sqlite-store.js';
import { storageFailureMessage } from '../adapters/storage-dir.js';
import { pruneExpiredAudit } from '../audit-retention.js';
import { loadConfigForCommand, type LoadedConfig } from './config.js';
import { findingsOf, type Findings, type ReportSettings } from '../core/report/findings.js';
import { checkScheduleOf } from './schedule.js';
import { packageVersion } from '../version.js';
import { EXIT, type Io } from './io.js';

export type AuditFormat = 'text' | 'json' | 'html';

export interface AuditOptions {
  format: AuditFormat;
  /** ISO dates, inclusive, in the config's timezone. */
  from?: string;
  to?: string;
  /** Write the report here (mode 0644) instead of to stdout. */
  out?: string;
  /** The instant the report is made; the CLI passes the clock, tests a fixed date. */
  now: Date;
}

/** `hwc audit`: the log as it is, for the MR and parents. It holds dates, counts and outcomes only. */
export async function commandAudit(configPath: string, options: AuditOptions, io: Io): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const store = SqliteStore.open(config.storage, { readOnly: true });
  let output: string;
  try {
    const all = store.rows();
    // The chain is verified whole; the period only chooses which rows are shown.
    const verdict = verifyChain(all);
    const rows = all.filter((row) => inPeriod(row, options, config.timezone));
    const period = {
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
    };
    const settings = reportSettingsOf(config);
    const first = all[0];
    const logBegins = first ? new Date(first.at) : undefined;
    // School days on which no check ran leave no row: the calendar from the log's beginning shows them.
    const span = { ...period, ...(logBegins ? { logBegins } : {}), now: options.now };
    if (options.format === 'json') {
      const findings = findingsOf(rows, settings, span);
      output = `${JSON.stringify(
        {
          chain: verdict,
          period: { ...period, timezone: config.timezone },
          version: packageVersion(),
          ...(logBegins ? { logBegins: logBegins.toISOString() } : {}),
          settings: settingsJson(settings),
          findings: findingsJson(findings),
          rows,
        },
        null,
        2,
      )}\n`;
    } else if (options.format === 'html') {
      output = renderHtmlReport({
        rows,
        verdict,
        school: config.school,
        period,
        timezone: config.timezone,
        generatedAt: options.now,
        settings,
        version: packageVersion(),
        ...(logBegins ? { logBegins } : {}),
        ...(config.privacyContact ? { privacyContact: config.privacyContact } : {}),
      });
    } else {
      output =
        renderText(rows, config.timezone, options) +
        findingsText(findingsOf(rows, settings, span), settings, config.timezone, logBegins) +
        chainLine(verdict);
    }
  } finally {
    store.close();
  }
  if (options.out) {
    const file = resolve(io.cwd, options.out);
    writeFileSync(file, output, { mode: 0o644 });
    // The mode option applies only to a new file, and the umask narrows it: set it explicitly.
    chmodSync(file, 0o644);
    io.stderr.write(
      `hwc audit: wrote the ${options.format} report to ${file} (${Buffer.byteLength(output)} bytes)\n`,
    );
  } else {
    io.stdout.write(output);
  }
  return EXIT.ok;
}

function inPeriod(row: AuditRow, options: { from?: string; to?: string }, timezone: string): boolean {
  if (!options.from && !options.to) return true;
  const day = localDate(new Date(row.at), timezone);
  return (!options.from || day >= options.from) && (!options.to || day <= options.to);
}

function chainLine(verdict: ChainVerdict): string {
  return verdict.intact
    ? `\nchain: intact (${verdict.rows} rows, head row ${verdict.headId}, head ${verdict.head})\n`
    : `\nchain: BROKEN at row ${verdict.firstBrokenId} (${BREAKS[verdict.reason]})\n`;
}

const BREAKS: Record<ChainBreak, string> = {
  content: 'its content does not match its hash: it was changed',
  link: 'it does not follow the row before it: a row was removed, inserted or moved',
  order: 'the row ids do not follow each other: a row was removed or moved',
  start: 'the log starts here, and no prune row accounts for the rows before it',
  'head-missing': 'the expected head is not in the log: rows were removed from the end',
};

/**
 * `hwc audit verify`: recomputes the chain. With `expectHead` (a head from an earlier log line or
 * report) it also proves that no rows were removed from the end, which the chain alone cannot show.
 */
export async function commandAuditVerify(
  configPath: string,
  options: { expectHead?: string },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const store = SqliteStore.open(config.storage, { readOnly: true });
  try {
    const verdict = verifyChain(store.rows(), options.expectHead ? { expectHead: options.expectHead } : {});
    if (verdict.intact) {
      const pruned =
        verdict.prunedThrough === undefined
          ? ''
          : `; rows 1-${verdict.prunedThrough} were pruned by a prune row`;
      io.stdout.write(
        `audit chain intact: ${verdict.rows} rows, head row ${verdict.headId}, head ${verdict.head}${pruned}\n`,
      );
      if (options.expectHead) io.stdout.write(`the expected head ${options.expectHead} is in the chain\n`);
      return EXIT.ok;
    }
    io.stdout.write(
      verdict.reason === 'head-missing'
        ? `audit chain BROKEN: the expected head ${options.expectHead ?? ''} is not in the log; ` +
            `rows were removed from the end (the log now ends at row ${verdict.firstBrokenId - 1})\n`
        : `audit chain BROKEN: the first row that does not match is row ${verdict.firstBrokenId}: ` +
            `${BREAKS[verdict.reason]}\n`,
    );
    return EXIT.runError;
  } finally {
    store.close();
  }
}

/** `hwc audit prune`: removes rows older than audit.keep, leaving a prune row that accounts for them. */
export async function commandAuditPrune(configPath: string, options: { now: Date }, io: Io): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  if (!existsSync(join(config.storage, DATABASE_FILE))) {
    io.stdout.write('hwc audit prune: there is no audit log yet; nothing to prune\n');
    return EXIT.ok;
  }
  let store: SqliteStore;
  try {
    store = SqliteStore.open(config.storage);
  } catch (err) {
    io.stderr.write(storageFailureMessage(config.storage, err));
    return EXIT.runError;
  }
  try {
    const result = pruneExpiredAudit(store, config.auditKeepDays, options.now);
    const cutoff = result.before.toISOString();
    if (result.outcome === 'refused') {
      io.stdout.write(
        `hwc audit prune: the audit chain is broken at row ${result.firstBrokenId}; nothing was pruned, ` +
          'so that the evidence stays (see hwc audit verify)\n',
      );
      return EXIT.runError;
    }
    if (result.outcome === 'nothing-to-prune') {
      io.stdout.write(
        `hwc audit prune: no rows older than ${cutoff} (audit.keep ${config.auditKeepDays} days); nothing was pruned\n`,
      );
      return EXIT.ok;
    }
    const { data } = result.row;
    io.stdout.write(
      `hwc audit prune: removed ${result.removedRows} rows (${String(data.removedFromId)}-${String(data.removedToId)}) ` +
        `older than ${cutoff}; prune row ${result.row.id}, head ${result.row.hash}\n`,
    );
    return EXIT.ok;
  } finally {
    store.close();
  }
}

function renderText(rows: AuditRow[], timezone: string, period: { from?: string; to?: string }): string {
  const heading =
    period.from || period.to
      ? `period: ${period.from ?? 'start'} to ${period.to ?? 'end'} (${timezone})\n\n`
      : '';
  if (rows.length === 0) {
    return `${heading}${period.from || period.to ? 'No audit rows in this period.' : 'The audit log is empty: no check has run yet.'}\n`;
  }
  const format = new Intl.DateTimeFormat('sv-SE', {
    timeZone: timezone,
    dateStyle: 'short',
    timeStyle: 'short',
  });
  return (
    heading +
    rows
      .map((row) => {
        const data = Object.entries(row.data)
          .map(([name, value]) => `${name}=${String(value)}`)
          .join(' ');
        return `${String(row.id).padStart(5)}  ${format.format(new Date(row.at))}  ${row.type.padEnd(6)}  ${data}`;
      })
      .join('\n')
      .concat('\n')
  );
}

/** The settings in force, as the report states them and as its per-signal deadlines use them. */
function reportSettingsOf(config: LoadedConfig): ReportSettings {
  return {
    schedule: checkScheduleOf(config),
    deadline: config.schedule.deadline,
    escalateAfterMinutes: Math.round(config.escalateAfterMs / 60_000),
    purgeAfterMinutes: Math.round(config.purgeAfterMs / 60_000),
    notify: config.notify,
  };
}

function settingsJson(settings: ReportSettings) {
  return {
    checks: settings.schedule.checks,
    days: settings.schedule.days,
    deadline: settings.deadline,
    escalateAfterMinutes: settings.escalateAfterMinutes,
    purgeAfterMinutes: settings.purgeAfterMinutes,
    notify: settings.notify,
  };
}

function findingsJson(findings: Findings) {
  return {
    signals: findings.signals.map((f) => ({
      row: f.row.id,
      receivedAt: f.receivedAt.toISOString(),
      deadline: f.deadline.toISOString(),
      status: f.status,
      confirmedBy: f.confirmedBy,
      ...(f.minutesToConfirm !== undefined ? { minutesToConfirm: f.minutesToConfirm } : {}),
      escalated: f.escalated,
    })),
    failedChecks: findings.failedChecks.map((f) => ({
      at: f.at.toISOString(),
      ...(f.code ? { code: f.code } : {}),
    })),
    failedMornings: findings.failedMornings,
    setAside: findings.setAside,
    lateConfirmations: findings.lateConfirmations,
  };
}

/** The findings under the rows of the text format, in English like the rest of it. */
function findingsText(
  findings: Findings,
  settings: ReportSettings,
  timezone: string,
  logBegins: Date | undefined,
): string {
  const onTime = findings.signals.filter((f) => f.status === 'on-time' || f.status === 'sent-on-time');
  const lines = [
    '',
    `log begins: ${logBegins ? logBegins.toISOString() : 'empty'}; version ${packageVersion()}; ` +
      `checks ${settings.schedule.checks.join(',')} on ${settings.schedule.days.join(',')} (${timezone}), ` +
      `deadline ${settings.deadline}, escalate after ${settings.escalateAfterMinutes} min`,
    `signals with a person by the deadline: ${onTime.length} of ${findings.signals.length}` +
      (findings.lateConfirmations > 0
        ? `; confirmations after the purge: ${findings.lateConfirmations}`
        : ''),
    ...findings.signals
      .filter((f) => !onTime.includes(f))
      .map((f) => `  signal row ${f.row.id}: ${f.status} (deadline ${f.deadline.toISOString()})`),
    `failed checks: ${findings.failedChecks.length}`,
    `mornings without a successful check before ${settings.deadline}: ${findings.failedMornings.length}` +
      findings.failedMornings
        .map(
          (m) => ` ${m.date}${m.noCheck ? ' (no check ran)' : m.alarm ? ` (dead-man alarm ${m.alarm})` : ''}`,
        )
        .join(','),
    `set aside: ${findings.setAside.setAside}, alerts sent: ${findings.setAside.alertsSent}` +
      Object.entries(findings.setAside.reasons)
        .map(([reason, n]) => `, ${reason} ${n}`)
        .join(''),
  ];
  return `${lines.join('\n')}\n`;
}
