import { describe, expect, it } from 'vitest';
import {
  appendMessage,
  deliver,
  listMessages,
  submit,
  waitForMessages,
  withImap,
  type MailUser,
} from '../support/mailstack.js';
import { runHwc } from '../support/hwc.js';
import { createSchool, headerOf, signalMail, textOf, type School } from '../support/school.js';

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

async function killAndRecover(step: string, options: { junk?: boolean } = {}): Promise<Outcome> {
  const s = await createSchool({ notify: 'both' });
  const id = `kill-${step}@veiligthuis.test`;
  const raw = signalMail(s.vt.address, s.hwc.address, { id, mdn: true });
  await deliver(raw, { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 30_000);
  await appendMessage(s.hwc, 'Trash', raw);
  if (options.junk) await moveToJunk(s.hwc);

  const killed = await runHwc(['check', '--config', s.install.configFile], {
    env: { ...s.install.env, HWC_TEST_KILL_AT: step },
  });
  // Checks until the work is done, as the schedule would run them; at most three.
  for (let i = 0; i < 3; i += 1) {
    const again = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    if ((await listMessages(s.hwc, options.junk ? 'Junk' : 'INBOX')).length === 0) break;
  }
  await waitForMessages(s.zorg, 'INBOX', 1, 30_000);
  return tally(s, step, killed.signal === 'SIGKILL');
}

/** What everyone received and what is left, once the work is done. */
async function tally(s: School, step: string, killed: boolean): Promise<Outcome> {
  await waitForMessages(s.vt, 'INBOX', 2, 30_000);
  // Let late deliveries of a duplicate arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const vtMail = await listMessages(s.vt, 'INBOX');
  const contentType = (m: { source: Buffer }) => headerOf(m.source, 'Content-Type') ?? '';
  let left = 0;
  for (const folder of ['INBOX', 'Trash', 'Junk']) left += (await listMessages(s.hwc, folder)).length;
  const primary = (await listMessages(s.zorg, 'INBOX')).length;
  const backup = (await listMessages(s.backup, 'INBOX')).length;
  return {
    step,
    killed,
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

  it('when a signal filed under Junk is being handled and the check is SIGKILLed at any step boundary, then the next checks still notify, acknowledge and purge it from Junk: 0 lost, at most 1 duplicate', async () => {
    const outcomes: Outcome[] = [];
    for (const step of STEPS) outcomes.push(await killAndRecover(step, { junk: true }));
    console.table(outcomes);
    for (const outcome of outcomes) {
      expect(outcome.killed, outcome.step).toBe(true);
      expect(outcome.lost, outcome.step).toBe(false);
      expect(outcome.notificationsPrimary + outcome.notificationsBackup, outcome.step).toBeLessThanOrEqual(3);
      expect(outcome.notificationsBackup, outcome.step).toBeGreaterThanOrEqual(1);
      expect(outcome.acknowledgements, outcome.step).toBe(1);
      expect(outcome.mdns, outcome.step).toBe(1);
      expect(outcome.leftInHwc, outcome.step).toBe(0);
    }
  }, 600_000);

  it('when escalation is on and the check is SIGKILLed at any step, before or after the confirmation, then the signal is still handled once confirmed: 0 lost, 1 receipt, no escalation', async () => {
    const outcomes: Outcome[] = [];
    for (const step of STEPS.filter((name) => name !== 'after-notify-backup')) {
      outcomes.push(await killAndRecoverEscalating(step));
    }
    console.table(outcomes);
    for (const outcome of outcomes) {
      expect(outcome.killed, outcome.step).toBe(true);
      expect(outcome.lost, outcome.step).toBe(false);
      expect(outcome.notificationsPrimary, outcome.step).toBeGreaterThanOrEqual(1);
      expect(outcome.notificationsPrimary, outcome.step).toBeLessThanOrEqual(2);
      expect(outcome.notificationsBackup, outcome.step).toBe(0);
      expect(outcome.acknowledgements, outcome.step).toBe(1);
      expect(outcome.mdns, outcome.step).toBe(1);
      expect(outcome.leftInHwc, outcome.step).toBe(0);
    }
  }, 600_000);
});

/** Moves the signal from INBOX to Junk (RFC 6851 MOVE), as a spam filter files it on delivery. */
function moveToJunk(user: MailUser): Promise<void> {
  return withImap(user, async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      await client.messageMove('1:*', 'Junk');
    } finally {
      lock.release();
    }
  });
}

/** The primary contact replies to the first notification it received, as a person would. */
async function confirm(s: School, contact: MailUser): Promise<void> {
  await waitForMessages(contact, 'INBOX', 1, 30_000);
  const [notification] = await listMessages(contact, 'INBOX');
  const id = headerOf(notification!.source, 'Message-ID');
  const raw = [
    `From: ${contact.address}`,
    `To: ${s.hwc.address}`,
    `Subject: Re: ${headerOf(notification!.source, 'Subject')}`,
    `In-Reply-To: ${id}`,
    `Message-ID: <confirm-${Date.now()}@school.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Gezien.',
    '',
    // A quoting reply, as mail clients send it: it carries the confirmation code.
    ...(await textOf(notification)).split(/\r?\n/).map((line) => `> ${line}`),
    '',
  ].join('\r\n');
  await submit(contact, raw, { from: contact.address, to: [s.hwc.address] });
}

async function killAndRecoverEscalating(step: string): Promise<Outcome> {
  const s = await createSchool({ notify: 'escalate' });
  const raw = signalMail(s.vt.address, s.hwc.address, { id: `kill-esc-${step}@veiligthuis.test`, mdn: true });
  await deliver(raw, { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 30_000);
  await appendMessage(s.hwc, 'Trash', raw);
  const check = (killAt?: string) =>
    runHwc(['check', '--config', s.install.configFile], {
      env: { ...s.install.env, ...(killAt ? { HWC_TEST_KILL_AT: killAt } : {}) },
    });

  // The purge steps come only in the check after the confirmation: confirm, then kill there.
  let killed = await check(step);
  let confirmed = false;
  if (killed.signal !== 'SIGKILL') {
    await confirm(s, s.zorg);
    confirmed = true;
    await waitForMessages(s.hwc, 'INBOX', 2, 30_000);
    killed = await check(step);
  }
  for (let i = 0; i < 3 && (await listMessages(s.hwc, 'INBOX')).length > 0; i += 1) {
    const again = await check();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    if (!confirmed && (await listMessages(s.zorg, 'INBOX')).length > 0) {
      await confirm(s, s.zorg);
      confirmed = true;
      await waitForMessages(s.hwc, 'INBOX', 2, 30_000);
    }
  }
  return tally(s, step, killed.signal === 'SIGKILL');
}
