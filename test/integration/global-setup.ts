/**
 * Global setup of the integration project: starts the private mail stack (`scripts/mailstack start`)
 * and puts its connection details into `process.env` (`HWC_TEST_MAIL_HOST`, `HWC_TEST_IMAP_PORT`,
 * `HWC_TEST_SUBMISSION_PORT`, `HWC_TEST_INBOUND_PORT`, `HWC_TEST_SENDER_PORT`, `HWC_TEST_AUTHSERV_ID`,
 * `HWC_TEST_CA_FILE`, `HWC_TEST_MAILSTACK_DIR`),
 * which the test workers inherit, and provides them as `inject('mailstack')` too.
 *
 * Teardown stops the stack only if this setup started it; a stack that was already running (say,
 * for the demo or a debugging session) is left alone. HWC_MAILSTACK_KEEP=1 keeps it running.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { mailstackEnv, type MailstackEnv } from '../support/mailstack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mailstack: MailstackEnv;
  }
}

const execFileAsync = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../scripts/mailstack');

async function mailstack(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(SCRIPT, [command], { timeout: 600_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Parses the `export NAME=value` lines of `scripts/mailstack env` (values quoted by printf %q). */
export function parseEnvLines(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2].replace(/\\(.)/g, '$1');
  }
  return vars;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wasRunning = (await mailstack('status')).code === 0;
  const started = await mailstack('start');
  if (started.code !== 0) {
    throw new Error(
      `scripts/mailstack start failed (exit ${started.code}):\n${started.stderr}${started.stdout}`,
    );
  }
  const vars = parseEnvLines(started.stdout);
  for (const [name, value] of Object.entries(vars)) process.env[name] = value;

  project.provide('mailstack', mailstackEnv());

  return async () => {
    if (wasRunning || process.env.HWC_MAILSTACK_KEEP === '1') return;
    const stopped = await mailstack('stop');
    if (stopped.code !== 0) throw new Error(`scripts/mailstack stop failed:\n${stopped.stderr}`);
  };
}
