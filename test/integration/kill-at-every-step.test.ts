import { describe, expect, it } from 'vitest';
import { appendMessage, deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { runHwc } from '../support/hwc.js';
import { createSchool, headerOf, signalMail } from '../support/school.js';

// The step boundaries at which the check calls its onStep hook; HWC_TEST_KILL_AT makes the
// process SIGKILL itself there, as a power cut or the OOM killer would.
const STEPS = [
  'after-fetch',
  'after-notify-primary',
  'after-notify-backup',
  'after-acknowledge',
  'after-mdn',
  'mid-purge',
  'after-purge',
  'before-audit',
] as const;

interface Outcome {
  step: string;
  killed: boolean;
  notificationsPrimary: number;
  notificationsBackup: number;
  acknowledgements: number;
  mdns: number;
  leftInHwc: number;
  lost: boolean;
}

async function killAndRecover(step: string): Promise<Outcome> {
  const s = await createSchool({ notify: 'both' });
  const id = `kill-${step}@veiligthuis.test`;
  const raw = signalMail(s.vt.address, s.hwc.address, { id, mdn: true });
  await deliver(raw, { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 30_000);
  await appendMessage(s.hwc, 'Trash', raw);

  const killed = await runHwc(['check', '--config', s.install.configFile], {
    env: { ...s.install.env, HWC_TEST_KILL_AT: step },
  });
  // Checks until the work is done, as the schedule would run them; at most three.
  for (let i = 0; i < 3; i += 1) {
    const again = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    if ((await listMessages(s.hwc, 'INBOX')).length === 0) break;
  }
  await waitForMessages(s.zorg, 'INBOX', 1, 30_000);
  await waitForMessages(s.vt, 'INBOX', 2, 30_000);
  // Let late deliveries of a duplicate arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const vtMail = await listMessages(s.vt, 'INBOX');
  const contentType = (m: { source: Buffer }) => headerOf(m.source, 'Content-Type') ?? '';
  const left = (await listMessages(s.hwc, 'INBOX')).length + (await listMessages(s.hwc, 'Trash')).length;
  const primary = (await listMessages(s.zorg, 'INBOX')).length;
  const backup = (await listMessages(s.backup, 'INBOX')).length;
  return {
    step,
    killed: killed.signal === 'SIGKILL',
    notificationsPrimary: primary,
    notificationsBackup: backup,
    acknowledgements: vtMail.filter((m) => contentType(m).startsWith('text/plain')).length,
    mdns: vtMail.filter((m) => contentType(m).startsWith('multipart/report')).length,
    leftInHwc: left,
    lost: primary + backup === 0,
  };
}

describe('kill at every step', () => {
  it('when the check is SIGKILLed at any step boundary, then the next checks still notify, acknowledge and purge: 0 lost, at most 1 duplicate', async () => {
    const outcomes: Outcome[] = [];
    for (const step of STEPS) outcomes.push(await killAndRecover(step));
    console.table(outcomes);
    for (const outcome of outcomes) {
      expect(outcome.killed, outcome.step).toBe(true);
      expect(outcome.lost, outcome.step).toBe(false);
      expect(outcome.notificationsPrimary, outcome.step).toBeGreaterThanOrEqual(1);
      expect(outcome.notificationsBackup, outcome.step).toBeGreaterThanOrEqual(1);
      expect(outcome.notificationsPrimary + outcome.notificationsBackup, outcome.step).toBeLessThanOrEqual(3);
      expect(outcome.acknowledgements, outcome.step).toBe(1);
      expect(outcome.mdns, outcome.step).toBe(1);
      expect(outcome.leftInHwc, outcome.step).toBe(0);
    }
  }, 600_000);
});
