import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import type { CheckDeps } from '../../src/check/context.js';
import { mailParser } from '../../src/adapters/mail-parser.js';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { storageFailureMessage } from '../../src/adapters/storage-dir.js';
import { captureLogger } from '../support/capture-logger.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { checkSettings, signalMail } from '../support/check-fixtures.js';
import { firstSchemaDatabase, storageSnapshot } from '../support/storage-files.js';

/** Every file of the storage directory and a hash of its bytes: what a dry run must not change. */

function storage(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hwc-dry-')), 'state');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

async function dryRun(dir: string) {
  const mailbox = new FakeMailbox();
  mailbox.add(
    'INBOX',
    signalMail({
      body: ['Quirijn Zwartveld-Oosterbeek, 17-9-2014, Handle with Care'],
      mdnTo: 'signaal@veiligthuis.test',
    }),
  );
  const mailer = new FakeMailer();
  const store = SqliteStore.open(dir, { readOnly: true });
  const { logger } = captureLogger();
  const deps: CheckDeps = {
    settings: checkSettings(),
    opener: mailbox,
    mailer,
    store,
    clock: new FixedClock(new Date('2026-11-25T06:00:00Z')),
    logger,
    parser: mailParser,
  };
  try {
    const report = await runCheck(deps, { dryRun: true });
    return { report, sent: mailer.sent.length };
  } finally {
    store.close();
  }
}

describe('a dry run on a storage where no check has run yet', () => {
  const cases: [string, (dir: string) => void][] = [
    [
      'the database file is empty (a lock or an earlier command made it)',
      (dir) => {
        writeFileSync(join(dir, DATABASE_FILE), '', { mode: 0o600 });
      },
    ],
    ['the database has an older schema, before the migrations of this version', firstSchemaDatabase],
    [
      'the database is of this version but holds no secret yet',
      (dir) => {
        SqliteStore.open(dir).close();
      },
    ],
  ];

  for (const [what, make] of cases) {
    it(`when ${what}, then the dry run plans the signal and writes nothing`, async () => {
      const dir = storage();
      make(dir);
      const before = storageSnapshot(dir);
      const { report, sent } = await dryRun(dir);
      expect(report.counts).toMatchObject({ signals: 1, children: 1 });
      expect(sent).toBe(0);
      expect(storageSnapshot(dir)).toEqual(before);
    });
  }

  it('when the storage directory does not exist, then the dry run plans the signal and creates nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hwc-dry-')), 'missing');
    const { report } = await dryRun(dir);
    expect(report.counts.signals).toBe(1);
    expect(existsSync(dir)).toBe(false);
  });

  it('when the database file is no database at all, then opening it fails with an error that names the storage and the fix', () => {
    const dir = storage();
    writeFileSync(
      join(dir, DATABASE_FILE),
      'not a database, only text that is long enough to be read\n'.repeat(20),
    );
    let failure: unknown;
    try {
      SqliteStore.open(dir, { readOnly: true }).close();
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeDefined();
    const message = storageFailureMessage(dir, failure);
    expect(message).toContain(dir);
    expect(message).toContain('SQLITE_NOTADB');
    expect(message).toContain('is not an hwc state database');
  });
});
