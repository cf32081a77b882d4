/**
 * Fault injection for the integration tests, wired only when its variable is set (see wire() in
 * check.ts): HWC_TEST_KILL_AT=STEP SIGKILLs the process at a step boundary, as a power cut would;
 * HWC_TEST_FILL_DISK_AT=STEP fills the file system of the storage directory there, as a log
 * gone wild would. Both do nothing unless set.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The file that fills the disk; the test removes it to give the space back. */
export const FILL_FILE = 'test-fill';

export function testStepHook(
  env: Record<string, string | undefined>,
  storage: string,
): ((step: string) => void) | undefined {
  const killAt = env.HWC_TEST_KILL_AT;
  const fillAt = env.HWC_TEST_FILL_DISK_AT;
  if (!killAt && !fillAt) return undefined;
  return (step) => {
    if (step === killAt) process.kill(process.pid, 'SIGKILL');
    if (step === fillAt) fillDisk(join(storage, FILL_FILE));
  };
}

/**
 * How long a school of a config directory waits before it tries its link page again: 30 s, 1, 2
 * and then every 5 minutes. HWC_TEST_LINK_RETRY_MS=N (tests only) makes every wait N ms.
 */
export function linkRetryDelaysMs(env: Record<string, string | undefined>): readonly number[] {
  const test = Number(env.HWC_TEST_LINK_RETRY_MS);
  if (env.HWC_TEST_LINK_RETRY_MS && Number.isSafeInteger(test) && test > 0) return [test];
  return [30_000, 60_000, 120_000, 300_000];
}

/** Writes zeros until the file system says ENOSPC, in ever smaller pieces down to one byte. */
function fillDisk(file: string): void {
  const fd = openSync(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    for (let size = 1 << 20; size >= 1; size = Math.floor(size / 2)) {
      const zeros = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, zeros);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
