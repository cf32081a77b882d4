import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandStatus } from '../../src/commands/status.js';
import type { Io } from '../../src/commands/io.js';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { checkEntry, emptyCounts, failedCheckEntry } from '../../src/core/audit-entry.js';
import { FOLLOW_UP_META } from '../../src/board/check-hooks.js';

// Wednesday 2 December 2026, 10:00 in Amsterdam: after the deadline of 08:15.
const NOW = new Date('2026-12-02T09:00:00Z');

let dir: string;
let configFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hwc-status-'));
  configFile = join(dir, 'noord.yaml');
  writeFileSync(
    configFile,
    `school: Basisschool Noord
timezone: Europe/Amsterdam
imap: { host: 127.0.0.1, port: 1, secure: true, auth: { user: hwc@noord.test, pass: { env: HWC_PW } } }
smtp: { host: 127.0.0.1, port: 1, secure: true, auth: { user: hwc@noord.test, pass: { env: HWC_PW } } }
from: hwc@noord.test
senders: ["@veiligthuis.test"]
contacts:
  primary: { name: Zorgcoördinator, email: zorg@noord.test, absent: ["2026-12-01..2026-12-03"] }
  backup: { name: Achterwacht, email: backup@noord.test }
schedule: { checks: ["07:00", "07:45"], days: [mon, tue, wed, thu, fri] }
escalateAfter: 20m
storage: state
`,
  );
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function status(): Promise<{ code: number; entry: Record<string, unknown> }> {
  let out = '';
  const io: Io = {
    env: { HWC_PW: 'x' },
    cwd: dir,
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: () => undefined },
    signals: { once: () => undefined },
  };
  const code = await commandStatus(configFile, { json: true, now: NOW }, io);
  const [entry] = JSON.parse(out) as Record<string, unknown>[];
  return { code, entry: entry ?? {} };
}

function seed(write: (store: SqliteStore) => void): void {
  const store = SqliteStore.open(join(dir, 'state'));
  try {
    write(store);
  } finally {
    store.close();
  }
}

describe('hwc status', () => {
  it('when no check ran and the deadline has passed, then it is not well (NO_CHECK_BY_DEADLINE)', async () => {
    const { code, entry } = await status();
    expect(code).toBe(1);
    expect(entry).toMatchObject({ school: 'noord', well: false, problems: ['NO_CHECK_BY_DEADLINE'] });
  });

  it("when this morning's check succeeded, then exit 0 with times, counts, absences and the audit head", async () => {
    const at = new Date('2026-12-02T06:00:00Z');
    seed((store) => {
      store.append(checkEntry(at, emptyCounts(), 'ok', 900, 'dovecot'));
      store.setMeta('last_success_at', at.toISOString());
    });
    const { code, entry } = await status();
    expect(code).toBe(0);
    expect(entry).toMatchObject({
      well: true,
      problems: [],
      lastCheck: { at: at.toISOString(), outcome: 'ok' },
      lastSuccessAt: at.toISOString(),
      nextCheckAt: '2026-12-03T06:00:00.000Z',
      signalsWaiting: 0,
      absentToday: ['primary'],
      audit: { intact: true, rows: 1 },
    });
    expect((entry['audit'] as { head: string }).head).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when hwc did not run at all on a school day since the log began, then that day is listed as missed, and the school is still well', async () => {
    const monday = new Date('2026-11-30T06:00:00Z');
    const today = new Date('2026-12-02T06:00:00Z');
    seed((store) => {
      store.append(checkEntry(monday, emptyCounts(), 'ok', 900, 'dovecot'));
      store.append(checkEntry(today, emptyCounts(), 'ok', 900, 'dovecot'));
      store.setMeta('last_success_at', today.toISOString());
    });
    const { code, entry } = await status();
    expect(code).toBe(0);
    expect(entry).toMatchObject({ well: true, problems: [], missedMornings: ['2026-12-01'] });
  });

  it('when the last check failed after a good one, then exit 1 and the entry names the failure and its code', async () => {
    seed((store) => {
      const ok = new Date('2026-12-02T06:00:00Z');
      store.append(checkEntry(ok, emptyCounts(), 'ok', 900, 'dovecot'));
      store.setMeta('last_success_at', ok.toISOString());
      store.append(failedCheckEntry(new Date('2026-12-02T06:45:00Z'), 300, 'IMAP_AUTH_REFUSED'));
    });
    const { code, entry } = await status();
    expect(code).toBe(1);
    expect(entry).toMatchObject({
      well: false,
      problems: ['LAST_CHECK_FAILED'],
      lastCheck: { outcome: 'failed', error: 'IMAP_AUTH_REFUSED' },
      lastError: { at: '2026-12-02T06:45:00.000Z', code: 'IMAP_AUTH_REFUSED' },
    });
  });

  it('when a signal waits and a follow-up is armed sooner than the next scheduled check, then that is the next check', async () => {
    seed((store) => {
      const ok = new Date('2026-12-02T08:55:00Z');
      store.append(checkEntry(ok, emptyCounts(), 'ok', 900, 'dovecot'));
      store.setMeta('last_success_at', ok.toISOString());
      store.putSignal({
        key: 'k'.repeat(64),
        uidValidity: '1',
        uid: 7,
        receivedAt: ok.toISOString(),
        notified: { primary: ok.toISOString() },
        refused: {},
        needsReview: false,
        children: 1,
      });
      store.setMeta(FOLLOW_UP_META, '2026-12-02T09:15:00.000Z');
    });
    const { entry } = await status();
    expect(entry).toMatchObject({
      signalsWaiting: 1,
      followUpAt: '2026-12-02T09:15:00.000Z',
      nextCheckAt: '2026-12-02T09:15:00.000Z',
    });
  });

  it('when a row of the audit log was changed, then it is not well (AUDIT_CHAIN_BROKEN)', async () => {
    seed((store) => {
      const ok = new Date('2026-12-02T06:00:00Z');
      store.append(checkEntry(ok, emptyCounts(), 'ok', 900, 'dovecot'));
      store.setMeta('last_success_at', ok.toISOString());
    });
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, 'state', DATABASE_FILE));
    // As someone who can edit the file would: past the append-only trigger.
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare("UPDATE audit SET data = replace(data, '900', '901')").run();
    db.close();
    const { code, entry } = await status();
    expect(code).toBe(1);
    expect(entry['problems']).toEqual(['AUDIT_CHAIN_BROKEN']);
  });
});
