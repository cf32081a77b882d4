/**
 * Trust of signals on the real stack: real DKIM signatures (OpenDKIM signs for veiligthuis.test on
 * the sender relay) and real Authentication-Results (OpenDKIM and OpenDMARC at the school's MX,
 * authserv-id mx.school.test), and the forms a milter does not write (Exchange Online's, Google's),
 * put into the real Dovecot by IMAP APPEND as those providers deliver them.
 */
import { describe, expect, it } from 'vitest';
import { sendSigned, sendUnsigned } from '../support/mail-auth.js';
import {
  appendMessage,
  createUserIn,
  deliver,
  listMessages,
  mailstackEnv,
  waitForMessages,
  type MailUser,
} from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc, type TestInstall } from '../support/hwc.js';
import { CANARY, createSchool, signalMail, textOf, type School } from '../support/school.js';

const school = (overrides: Record<string, unknown> = {}) => createSchool({ notify: 'both', ...overrides });
const atMx = () => school({ trustedAuthservId: mailstackEnv().authservId });

function noCanaries(install: TestInstall, outputs: string[]): void {
  const { hits, filesScanned } = scanForCanaries(
    canaryForms([CANARY.name], [CANARY.isoDate]),
    [install.storage, install.tmp],
    Object.fromEntries(outputs.map((o, i) => [`output-${i}`, o])),
  );
  expect(filesScanned).toBeGreaterThan(0);
  expect(hits).toEqual([]);
}

async function check(s: School): Promise<string[]> {
  const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return [run.stdout, run.stderr];
}

/** The signal was acted on: both contacts notified with the child, the signal purged. */
async function expectHandled(s: School, outputs: string[]): Promise<void> {
  for (const contact of [s.zorg, s.backup]) {
    await waitForMessages(contact, 'INBOX', 1, 10_000);
    const [notification] = await listMessages(contact, 'INBOX');
    expect(await textOf(notification)).toContain(`Leerling: ${CANARY.name}`);
  }
  expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
  noCanaries(s.install, outputs);
}

/** The signal was set aside: it stays, marked; the primary contact got a content-free alert only. */
async function expectSetAside(s: School, outputs: string[], others: MailUser[] = []): Promise<void> {
  const inbox = await listMessages(s.hwc, 'INBOX');
  expect(inbox).toHaveLength(1);
  expect(inbox[0]?.flags).toContain('$HwcSetAside');
  await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
  const alerts = await listMessages(s.zorg, 'INBOX');
  expect(alerts).toHaveLength(1);
  const text = await textOf(alerts[0]);
  expect(text).toContain('niet op de lijst van vertrouwde afzenders staat of niet bewezen echt is');
  expect(text).not.toContain('Brinkhorst');
  expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
  for (const other of others) expect(await listMessages(other, 'INBOX')).toHaveLength(0);
  noCanaries(s.install, outputs);
}

describe('trust of signals with real DKIM and DMARC (trustedAuthservId: mx.school.test)', () => {
  it('when Veilig Thuis signs the signal and the MX stamps dkim=pass and dmarc=pass, then it is handled', async () => {
    const s = await atMx();
    const raw = signalMail(s.vt.address, s.hwc.address, { id: 'trust-signed-1@veiligthuis.test' });
    await sendSigned(raw, { from: s.vt.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await expectHandled(s, await check(s));
  });

  it('when the same signal is injected unsigned on the inbound port (a forged From:), then it is set aside and a person told', async () => {
    const s = await atMx();
    const raw = signalMail(s.vt.address, s.hwc.address, { id: 'trust-unsigned-1@veiligthuis.test' });
    await sendUnsigned(raw, { from: s.vt.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await expectSetAside(s, await check(s), [s.vt]);
  });

  it('when the signal is signed by another domain (dkim=pass for attacker.test, dmarc=fail), then it is set aside', async () => {
    const s = await atMx();
    const raw = signalMail(s.vt.address, s.hwc.address, { id: 'trust-other-1@veiligthuis.test' });
    await sendSigned(raw, { from: s.vt.address, to: [s.hwc.address], signAs: 'attacker.test' });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await expectSetAside(s, await check(s), [s.vt]);
  });

  it('when the signal is signed with a key that is not published (dkim=fail), then it is set aside', async () => {
    const s = await atMx();
    const raw = signalMail(s.vt.address, s.hwc.address, { id: 'trust-badkey-1@veiligthuis.test' });
    await sendSigned(raw, { from: s.vt.address, to: [s.hwc.address], wrongKey: true });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await expectSetAside(s, await check(s), [s.vt]);
  });

  it("when the attacker appends Authentication-Results claiming the school's authserv-id, then it is set aside", async () => {
    const s = await atMx();
    const forged = [
      `Authentication-Results: ${mailstackEnv().authservId}; dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test`,
      'Authentication-Results: mx.relay.test; dkim=pass header.d=veiligthuis.test',
    ].join('\r\n');
    const raw = `${forged}\r\n${signalMail(s.vt.address, s.hwc.address, { id: 'trust-forged-ar-1@veiligthuis.test' })}`;
    await sendUnsigned(raw, { from: s.vt.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await expectSetAside(s, await check(s), [s.vt]);
  });
});

describe('trust of signals without a receiving server named', () => {
  it("when a forged From: of Veilig Thuis comes with the attacker's own envelope sender, then it is set aside", async () => {
    const s = await school();
    const spoofer = await createUserIn('example.test', 'spoof');
    const raw = signalMail(s.vt.address, s.hwc.address, { id: 'trust-envelope-1@veiligthuis.test' });
    await deliver(raw, { from: spoofer.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await expectSetAside(s, await check(s), [s.vt, spoofer]);
  });
});

// The forms the stack's milters do not write, put in the mailbox as the provider delivers them:
// its stamp topmost, the sender's own lines below. Sources: README "Trust".
const exchangeStamp = (verdict: 'pass' | 'fail') =>
  [
    'Received: from AM8PR08MB5827.eurprd08.prod.outlook.com (2603:10a6:20b:1d8::11) by DB9PR08MB6588.eurprd08.prod.outlook.com with HTTPS; Wed, 25 Nov 2026 05:40:02 +0000',
    `Authentication-Results: spf=${verdict} (sender IP is 198.51.100.7)`,
    ` smtp.mailfrom=veiligthuis.test; dkim=${verdict === 'pass' ? 'pass (signature was verified)' : 'none (message not signed)'}`,
    ` header.d=${verdict === 'pass' ? 'veiligthuis.test' : 'none'};dmarc=${verdict} action=none`,
    ` header.from=veiligthuis.test;compauth=${verdict} reason=${verdict === 'pass' ? '100' : '000'}`,
    'Received: from mail.veiligthuis.test (198.51.100.7) by DU2PEPF00028D0F.mail.protection.outlook.com (10.167.242.23) with Microsoft SMTP Server; Wed, 25 Nov 2026 05:40:01 +0000',
    'X-MS-Exchange-Organization-AuthAs: Anonymous',
  ].join('\r\n');

const googleStamp = (verdict: 'pass' | 'fail') =>
  [
    'Received: by 2002:a05:6102:22c6:0:0:0:0 with SMTP id a6csp126141vsh; Tue, 24 Nov 2026 21:40:02 -0800 (PST)',
    `ARC-Authentication-Results: i=1; mx.google.com; dkim=${verdict === 'pass' ? 'pass' : 'neutral'} header.i=@veiligthuis.test header.s=s1; dmarc=${verdict} (p=REJECT sp=REJECT dis=NONE) header.from=veiligthuis.test`,
    'Received: from mail.veiligthuis.test (mail.veiligthuis.test. [198.51.100.7]) by mx.google.com with ESMTPS id x1si; Tue, 24 Nov 2026 21:40:01 -0800 (PST)',
    `Authentication-Results: mx.google.com;`,
    `       dkim=${verdict === 'pass' ? 'pass' : 'neutral (no key)'} header.i=@veiligthuis.test header.s=s1 header.b=Ax3f;`,
    '       spf=pass (google.com: domain of signaal@veiligthuis.test designates 198.51.100.7 as permitted sender) smtp.mailfrom=signaal@veiligthuis.test;',
    `       dmarc=${verdict} (p=REJECT sp=REJECT dis=NONE) header.from=veiligthuis.test`,
  ].join('\r\n');

describe('trust of signals with hand-written provider stamps in the real Dovecot', () => {
  it.each([
    ['microsoft365', exchangeStamp],
    ['google', googleStamp],
  ] as const)('when %s stamps an aligned pass, then the signal is handled', async (preset, stamp) => {
    const s = await school({ receivingServer: preset });
    const raw = `${stamp('pass')}\r\n${signalMail(s.vt.address, s.hwc.address, { id: `trust-${preset}-pass@veiligthuis.test` })}`;
    await appendMessage(s.hwc, 'INBOX', Buffer.from(raw));
    await expectHandled(s, await check(s));
  });

  it.each([
    [
      'microsoft365',
      exchangeStamp,
      'spf=pass smtp.mailfrom=veiligthuis.test; dkim=pass header.d=veiligthuis.test;dmarc=pass action=none header.from=veiligthuis.test',
    ],
    [
      'google',
      googleStamp,
      'mx.google.com; dkim=pass header.i=@veiligthuis.test; dmarc=pass header.from=veiligthuis.test',
    ],
  ] as const)(
    'when %s stamps a fail and the sender wrote a passing header of its own below, then the signal is set aside',
    async (preset, stamp, forged) => {
      const s = await school({ receivingServer: preset });
      const raw = `${stamp('fail')}\r\nAuthentication-Results: ${forged}\r\n${signalMail(s.vt.address, s.hwc.address, { id: `trust-${preset}-forged@veiligthuis.test` })}`;
      await appendMessage(s.hwc, 'INBOX', Buffer.from(raw));
      await expectSetAside(s, await check(s), [s.vt]);
    },
  );
});
