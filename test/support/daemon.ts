import { spawnHwc, type HwcOptions, type HwcRun } from './hwc.js';

export interface RunningHwc {
  /** The process id, as another process's message names it. */
  pid: number | undefined;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code and all output once the process has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<HwcRun>;
}

/** Starts the built `hwc` as a long-running child process (`hwc run`), the way systemd would. */
export function startHwc(args: string[], options: HwcOptions = {}): RunningHwc {
  const { child, output, exited } = spawnHwc(args, options);
  let done = false;
  void exited.then(
    () => (done = true),
    () => (done = true),
  );

  return {
    pid: child.pid,
    output,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (let now = output(); !pattern.test(now.stdout); now = output()) {
        if (done) throw new Error(`hwc exited before printing ${pattern}:\n${now.stdout}${now.stderr}`);
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} after ${timeoutMs} ms:\n${now.stdout}${now.stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
