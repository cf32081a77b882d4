import type { CheckDeps } from '../check/context.js';
import { proofOfLifeAfterCheck } from '../check/proof-of-life.js';
import type { LoadedConfig } from './config.js';

/** The weekly mail and the self-test after a check (see check/proof-of-life.ts); nothing when off. */
export async function afterCheckProofOfLife(
  deps: CheckDeps,
  config: LoadedConfig,
  checkOk: boolean,
): Promise<void> {
  const settings = config.proofOfLife;
  if (!settings) return;
  await proofOfLifeAfterCheck(
    { mailer: deps.mailer, opener: deps.opener, clock: deps.clock, store: deps.store, logger: deps.logger },
    {
      ...settings,
      identity: { school: config.school, fromAddress: config.from.address, timezone: config.timezone },
      contacts: [config.contacts.primary, config.contacts.backup],
    },
    checkOk,
  );
}
