import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { daemonState } from '../../src/commands/check.js';
import { captureLogger } from '../support/capture-logger.js';

/** A storage directory whose state database is damaged: SqliteStore.open throws SQLITE_NOTADB. */
function damagedStorage(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hwc-daemon-state-')), 'state');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, DATABASE_FILE), 'no database here, only text '.repeat(40), { mode: 0o600 });
  return dir;
}

const failures = (logs: string): Record<string, unknown>[] =>
  logs
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['step'] === 'state');

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the daemon's look-ups in the state between checks", () => {
  it('when opening the state fails, then each look-up answers with its fallback (the side that checks or alarms), throws nothing and logs that the state could not be read', async () => {
    const storage = damagedStorage();
    expect(() => SqliteStore.open(storage)).toThrow(expect.objectContaining({ code: 'SQLITE_NOTADB' }));
    const { logger, logs } = captureLogger();
    const state = daemonState({ storage }, logger, undefined);
    const look = vi.fn(() => false);
    const work = vi.fn(async () => true);

    // The fallbacks the daemon passes: an open workflow (so it checks), no alarm sent yet, none sent now.
    expect(state.read(look, true)).toBe(true);
    expect(state.read(look, undefined)).toBeUndefined();
    await expect(state.use(work, false)).resolves.toBe(false);
    expect(look).not.toHaveBeenCalled();
    expect(work).not.toHaveBeenCalled();

    const lines = failures(logs());
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatchObject({
        step: 'state',
        outcome: 'failed',
        err: { code: 'SQLITE_NOTADB' },
        msg: 'the state could not be read',
      });
    }
  });

  it('when a look-up fails on the state it opened, then that connection is closed and the fallback returned; a state held for the link page is never closed', async () => {
    const storage = join(mkdtempSync(join(tmpdir(), 'hwc-daemon-state-')), 'state');
    const closed = vi.spyOn(SqliteStore.prototype, 'close');
    const { logger } = captureLogger();
    const broken = (): never => {
      throw new Error('the look-up failed');
    };

    expect(daemonState({ storage }, logger, undefined).read(broken, 'fallback')).toBe('fallback');
    expect(closed).toHaveBeenCalledTimes(1);

    const held = SqliteStore.inMemory();
    const linkState = daemonState({ storage }, logger, held);
    expect(linkState.read(broken, 'fallback')).toBe('fallback');
    await expect(linkState.use(async () => broken(), 'fallback')).resolves.toBe('fallback');
    expect(closed).toHaveBeenCalledTimes(1);
    // Still open for the page: a look-up on it works.
    expect(linkState.read((s) => s.allSignals().length, -1)).toBe(0);
    held.close();
  });
});
