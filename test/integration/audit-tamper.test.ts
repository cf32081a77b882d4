import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainHash } from '../../src/core/audit-entry.js';
import type { AuditEntry } from '../../src/core/ports.js';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { offlineInstall } from '../support/audit-install.js';
import { runHwc, type TestInstall } from '../support/hwc.js';
import { deliver, waitForMessages } from '../support/mailstack.js';
import { createSchool, signalMail } from '../support/school.js';

/**
 * An attacker with access to the file: they drop the triggers and change the table with plain
 * SQL. `hwc audit verify`, the real binary, must notice every change.
 */

interface Seeded {
  install: TestInstall;
  head: string;
  rows: number;
}

/** A copy of a seeded install, so that every test tampers with its own database. */
function copyOf(seeded: Seeded): TestInstall {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-tamper-'));
  const storage = join(dir, 'state');
  cpSync(seeded.install.storage, storage, { recursive: true });
  const configFile = join(dir, 'hwc.yaml');
  writeFileSync(
    configFile,
    readFileSync(seeded.install.configFile, 'utf8').replace(seeded.install.storage, storage),
  );
  return { ...seeded.install, dir, storage, configFile };
}

function tamper(install: TestInstall, sql: string): void {
  const db = new Database(join(install.storage, DATABASE_FILE));
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
    db.exec(sql);
  } finally {
    db.close();
  }
}

const verify = (install: TestInstall, extra: string[] = []) =>
  runHwc(['audit', 'verify', '--config', install.configFile, ...extra], { env: install.env });

async function headOf(install: TestInstall): Promise<{ head: string; rows: number }> {
  const run = await verify(install);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  const match = /audit chain intact: (\d+) rows, head row \d+, head ([0-9a-f]{64})/.exec(run.stdout);
  return { rows: Number(match?.[1]), head: match?.[2] ?? '' };
}

describe('hwc audit verify on a log seeded by real checks', () => {
  let seeded: Seeded;

  beforeAll(async () => {
    // notify: both purges a signal in the check that handles it, so every check leaves its rows.
    const school = await createSchool({ notify: 'both' });
    await deliver(signalMail(school.vt.address, school.hwc.address, { id: 'tamper-1@veiligthuis.test' }), {
      from: school.vt.address,
      to: [school.hwc.address],
    });
    await waitForMessages(school.hwc, 'INBOX', 1, 10_000);
    for (let i = 0; i < 3; i += 1) {
      const run = await runHwc(['check', '--config', school.install.configFile], { env: school.install.env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    const checkLines = (
      await runHwc(['audit', '--config', school.install.configFile, '--format', 'json'], {
        env: school.install.env,
      })
    ).stdout;
    const types = (JSON.parse(checkLines) as { rows: { type: string }[] }).rows.map((r) => r.type);
    expect(types.filter((type) => type === 'check')).toHaveLength(3);
    expect(types).toContain('signal');
    seeded = { install: school.install, ...(await headOf(school.install)) };
    expect(seeded.rows).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('when nothing was changed, then verify exits 0 and accepts the head from the check log', async () => {
    const install = copyOf(seeded);
    const run = await verify(install, ['--expect-head', seeded.head]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`head ${seeded.head}`);
  });

  it('when a row is edited, then verify exits 1 and names that row', async () => {
    const install = copyOf(seeded);
    tamper(install, `UPDATE audit SET data = json_set(data, '$.purgeVerified', json('false')) WHERE id = 1`);
    const run = await verify(install);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('row 1: its content does not match its hash');
  });

  it('when a row is edited and its own hash recomputed, then verify exits 1 at the next row', async () => {
    const install = copyOf(seeded);
    const db = new Database(join(install.storage, DATABASE_FILE));
    db.exec('DROP TRIGGER audit_no_update');
    const row = db.prepare('SELECT * FROM audit WHERE id = 2').get() as {
      at: string;
      type: AuditEntry['type'];
      data: string;
      prev_hash: string;
    };
    const data = { ...(JSON.parse(row.data) as AuditEntry['data']), signals: 0 };
    const hash = chainHash(row.prev_hash, { at: row.at, type: row.type, data });
    db.prepare('UPDATE audit SET data = ?, hash = ? WHERE id = 2').run(JSON.stringify(data), hash);
    db.close();
    const run = await verify(install);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('row 3: it does not follow the row before it');
  });

  it('when a row in the middle is deleted, then verify exits 1 at the row after it', async () => {
    const install = copyOf(seeded);
    tamper(install, 'DELETE FROM audit WHERE id = 2');
    const run = await verify(install);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('row 3');
  });

  it('when two rows are swapped, then verify exits 1', async () => {
    const install = copyOf(seeded);
    tamper(
      install,
      'UPDATE audit SET id = 100 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = 100;',
    );
    const run = await verify(install);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('row 2');
  });

  it('when the first rows are deleted, then verify exits 1 because no prune row accounts for them', async () => {
    const install = copyOf(seeded);
    tamper(install, 'DELETE FROM audit WHERE id <= 2');
    const run = await verify(install);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'row 3: the log starts here, and no prune row accounts for the rows before it',
    );
  });

  it('when the last rows are deleted, then verify with the earlier head exits 1', async () => {
    const install = copyOf(seeded);
    tamper(install, 'DELETE FROM audit WHERE id >= 3');
    // The rest of the chain is consistent: only a head kept elsewhere shows what is missing.
    expect((await verify(install)).code).toBe(0);
    const run = await verify(install, ['--expect-head', seeded.head]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('rows were removed from the end (the log now ends at row 2)');
  });

  it('when the whole table is emptied, then verify with the earlier head exits 1', async () => {
    const install = copyOf(seeded);
    tamper(install, 'DELETE FROM audit');
    const run = await verify(install, ['--expect-head', seeded.head]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('is not in the log');
  });
});

describe('hwc audit verify on a log seeded row by row', () => {
  function seededByStore(days: number): Seeded & { heads: string[] } {
    const install = offlineInstall({ audit: { keep: '30d' } });
    const store = SqliteStore.open(install.storage);
    const heads: string[] = [];
    const now = Date.now();
    for (let i = days; i > 0; i -= 1) {
      const row = store.append({
        // An hour's margin, so that the rows 30 days old stay on either side of the cutoff.
        at: new Date(now - i * 86_400_000 + 3_600_000).toISOString(),
        type: 'check',
        data: { outcome: 'ok', signals: i % 3 === 0 ? 1 : 0 },
      });
      heads.push(row.hash);
    }
    store.close();
    return { install, head: heads[heads.length - 1] ?? '', rows: days, heads };
  }

  it('when old rows are pruned by hwc audit prune, then verify exits 0 and still accepts the old head', async () => {
    const seeded = seededByStore(60);
    const prune = await runHwc(['audit', 'prune', '--config', seeded.install.configFile], {
      env: seeded.install.env,
    });
    expect(prune.code, prune.stdout + prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/removed 30 rows \(1-30\)/);
    const run = await verify(seeded.install, ['--expect-head', seeded.head]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('audit chain intact: 31 rows, head row 61');
    expect(run.stdout).toContain('rows 1-30 were pruned by a prune row');
  });

  it('when pruned rows are then also cut from the end, then verify with the head after the prune exits 1', async () => {
    const seeded = seededByStore(40);
    await runHwc(['audit', 'prune', '--config', seeded.install.configFile], { env: seeded.install.env });
    const { head } = await headOf(seeded.install);
    tamper(seeded.install, 'DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)');
    const run = await verify(seeded.install, ['--expect-head', head]);
    expect(run.code).toBe(1);
  });

  it('when an attacker removes the prune row, then verify exits 1 because the start is unexplained', async () => {
    const seeded = seededByStore(40);
    await runHwc(['audit', 'prune', '--config', seeded.install.configFile], { env: seeded.install.env });
    tamper(seeded.install, "DELETE FROM audit WHERE type = 'prune'");
    const run = await verify(seeded.install);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('no prune row accounts for the rows before it');
  });

  it('when the chain is broken, then hwc audit prune refuses and exits 1', async () => {
    const seeded = seededByStore(40);
    tamper(seeded.install, `UPDATE audit SET data = '{"outcome":"ok","signals":7}' WHERE id = 5`);
    const prune = await runHwc(['audit', 'prune', '--config', seeded.install.configFile], {
      env: seeded.install.env,
    });
    expect(prune.code).toBe(1);
    expect(prune.stdout).toContain('broken at row 5; nothing was pruned');
    const db = new Database(join(seeded.install.storage, DATABASE_FILE), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM audit').get()).toEqual({ n: 40 });
    db.close();
  });
});
