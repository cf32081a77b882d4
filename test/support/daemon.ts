import { spawn } from 'node:child_process';
import { CLI, REPO, type HwcRun } from './hwc.js';

export interface RunningHwc {
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code and all output once the process has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<HwcRun>;
}

/** Starts the built `hwc` as a long-running child process (`hwc run`), the way systemd would. */
export function startHwc(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): RunningHwc {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<HwcRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  let done = false;
  void exited.then(() => (done = true));

  return {
    output: () => ({ stdout, stderr }),
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (done) throw new Error(`hwc exited before printing ${pattern}:\n${stdout}${stderr}`);
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} after ${timeoutMs} ms:\n${stdout}${stderr}`);
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
