import { verifyChain } from '../core/audit-entry.js';
import type { AuditRow } from '../core/ports.js';
import { SqliteStore } from '../adapters/sqlite-store.js';
import { loadConfigForCommand } from './config.js';
import { EXIT, type Io } from './io.js';

/** `hwc audit`: the log as it is, for the MR and parents. It holds dates, counts and outcomes only. */
export async function commandAudit(
  configPath: string,
  options: { format: 'text' | 'json' },
  io: Io,
): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const store = SqliteStore.open(config.storage, { readOnly: true });
  try {
    const rows = store.rows();
    const verdict = verifyChain(rows);
    if (options.format === 'json') {
      io.stdout.write(`${JSON.stringify({ chain: verdict, rows }, null, 2)}\n`);
    } else {
      io.stdout.write(renderText(rows, config.timezone));
      io.stdout.write(
        verdict.intact
          ? `\nchain: intact (${verdict.rows} rows, head ${verdict.head})\n`
          : `\nchain: BROKEN at row ${verdict.firstBrokenId}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}

export async function commandAuditVerify(configPath: string, io: Io): Promise<number> {
  const config = await loadConfigForCommand(configPath, io);
  if (typeof config === 'number') return config;
  const store = SqliteStore.open(config.storage, { readOnly: true });
  try {
    const verdict = verifyChain(store.rows());
    if (verdict.intact) {
      io.stdout.write(`audit chain intact: ${verdict.rows} rows, head ${verdict.head}\n`);
      return EXIT.ok;
    }
    io.stdout.write(
      `audit chain BROKEN: the first row that does not match is row ${verdict.firstBrokenId}\n`,
    );
    return EXIT.runError;
  } finally {
    store.close();
  }
}

function renderText(rows: AuditRow[], timezone: string): string {
  if (rows.length === 0) return 'The audit log is empty: no check has run yet.\n';
  const format = new Intl.DateTimeFormat('sv-SE', {
    timeZone: timezone,
    dateStyle: 'short',
    timeStyle: 'short',
  });
  return rows
    .map((row) => {
      const data = Object.entries(row.data)
        .map(([name, value]) => `${name}=${String(value)}`)
        .join(' ');
      return `${String(row.id).padStart(5)}  ${format.format(new Date(row.at))}  ${row.type.padEnd(6)}  ${data}`;
    })
    .join('\n')
    .concat('\n');
}
