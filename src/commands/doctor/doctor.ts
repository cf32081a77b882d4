import { loadConfig } from '../../config/load-config.js';
import { EXIT, type Io } from '../io.js';
import { loadConfigDepsOf } from '../config.js';
import type { Finding } from './finding.js';
import { localChecks } from './local-checks.js';
import { loginChecks } from './login-checks.js';
import { networkChecks } from './network-checks.js';
import { webCheck } from './web-check.js';

export interface DoctorOptions {
  sendTest: boolean;
  now: () => Date;
}

/**
 * `hwc doctor`: checks everything a check depends on, one line each, so that an admin can set up a
 * school without waiting for a signal. It changes nothing, except that `--send-test` sends one
 * content-free test mail to both contacts.
 */
export async function commandDoctor(configPath: string, options: DoctorOptions, io: Io): Promise<number> {
  const print = (finding: Finding): void => {
    io.stdout.write(`${finding.status.padEnd(4)}  ${finding.what}: ${finding.line}\n`);
  };

  const loaded = await loadConfig(configPath, loadConfigDepsOf(io));
  if ('errors' in loaded) {
    for (const error of loaded.errors) print({ status: 'FAIL', what: 'config', line: error });
    return EXIT.config;
  }
  const config = loaded.config;
  const findings: Finding[] = [];
  const report = (finding: Finding): void => {
    findings.push(finding);
    print(finding);
  };
  report({ status: 'OK', what: 'config', line: 'valid' });
  for (const warning of loaded.warnings) report({ status: 'WARN', what: 'config', line: warning });

  localChecks(config, options.now, report);
  await networkChecks(config, options.now, report);
  await webCheck(config, report);
  await loginChecks(config, options.sendTest, report);
  return findings.some((finding) => finding.status === 'FAIL') ? EXIT.runError : EXIT.ok;
}
