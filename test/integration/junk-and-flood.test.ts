import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  caCertificates,
  deliver,
  listMessages,
  mailboxSnapshot,
  mailstackEnv,
  waitForMessages,
  withImap,
  type MailUser,
} from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc, type HwcRun, type TestInstall } from '../support/hwc.js';
import { CANARY, createSchool, headerOf, signalMail, textOf } from '../support/school.js';

const SET_ASIDE = '$HwcSetAside';

function scanInstall(install: TestInstall, runs: HwcRun[]) {
  const outputs = runs.flatMap((run) => [run.stdout, run.stderr]);
  return scanForCanaries(
    canaryForms([CANARY.name], [CANARY.isoDate]),
    [install.storage, install.tmp],
    Object.fromEntries(outputs.map((o, i) => [`output-${i}`, o])),
  );
}

const check = (install: TestInstall) =>
  runHwc(['check', '--config', install.configFile], { env: install.env });

/** Moves every INBOX message to Junk (RFC 6851 MOVE), as a spam filter files it on delivery. */
function moveAllToJunk(user: MailUser): Promise<void> {
  return withImap(user, async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      await client.messageMove('1:*', 'Junk', { uid: false });
    } finally {
      lock.release();
    }
  });
}

function promo(to: string, n: number): string {
  return [
    `From: Aanbieding <promo${n % 97}@example.test>`,
    `To: ${to}`,
    `Subject: Alleen vandaag: ${n}% korting`,
    `Message-ID: <promo-${n}@example.test>`,
    'Date: Wed, 25 Nov 2026 04:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Aanbieding ${n}. Bestel nu en ontvang gratis verzending.`,
    '',
  ].join('\r\n');
}

/**
 * APPENDs junk mails to `folder` with MULTIAPPEND (RFC 3502) and non-synchronising literals
 * (RFC 7888): hundreds of messages per command, one transaction each, so that a flood of thousands
 * takes seconds. Spoken directly over STARTTLS, because imapflow sends one message per APPEND.
 */
async function appendFlood(user: MailUser, folder: string, count: number): Promise<void> {
  const env = mailstackEnv();
  const plain = netConnect(env.imapPort, env.host);
  let buffered = '';
  let socket: Socket = plain;
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        const match = pattern.exec(buffered);
        if (!match) return;
        socket.off('data', onData);
        buffered = buffered.slice(match.index + match[0].length);
        resolve(match[0]);
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  try {
    await waitFor(/^\* OK.*\r\n/m);
    plain.write('a STARTTLS\r\n');
    await waitFor(/^a OK.*\r\n/m);
    socket = tlsConnect({ socket: plain, ca: caCertificates(env), host: env.host });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    socket.write(`b LOGIN "${user.address}" "${user.password}"\r\n`);
    expect(await waitFor(/^b (OK|NO|BAD).*\r\n/m)).toMatch(/^b OK/);
    for (let start = 0, tag = 0; start < count; start += 500, tag += 1) {
      const parts = Array.from({ length: Math.min(500, count - start) }, (_, i) => {
        const raw = Buffer.from(promo(user.address, start + i));
        return Buffer.concat([Buffer.from(` {${raw.length}+}\r\n`), raw]);
      });
      socket.write(Buffer.concat([Buffer.from(`m${tag} APPEND ${folder}`), ...parts, Buffer.from('\r\n')]));
      const reply = await waitFor(new RegExp(`^m${tag} (OK|NO|BAD).*\\r\\n`, 'm'));
      expect(reply).toMatch(new RegExp(`^m${tag} OK`));
    }
    socket.write('z LOGOUT\r\n');
  } finally {
    socket.destroy();
  }
}

/** How many messages `folder` holds, and how many of them are set aside: flags only, no sources. */
function tally(user: MailUser, folder = 'INBOX'): Promise<{ messages: number; setAside: number }> {
  return withImap(user, async (client) => {
    const lock = await client.getMailboxLock(folder, { readOnly: true });
    try {
      const messages = client.mailbox ? client.mailbox.exists : 0;
      const setAside = (await client.search({ keyword: SET_ASIDE }, { uid: true })) || [];
      return { messages, setAside: setAside.length };
    } finally {
      lock.release();
    }
  });
}

async function waitForCount(user: MailUser, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await tally(user)).messages < count) {
    if (Date.now() > deadline) throw new Error(`INBOX did not reach ${count} messages`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the Junk folder on the real Dovecot', () => {
  it('when a trusted signal was filed under Junk, then it is notified, acknowledged and purged from Junk', async () => {
    const s = await createSchool({ notify: 'both' });
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'junk-signal-1@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await moveAllToJunk(s.hwc);
    expect(await listMessages(s.hwc, 'Junk')).toHaveLength(1);

    const run = await check(s.install);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    for (const contact of [s.zorg, s.backup]) {
      const [notification] = await waitForMessages(contact, 'INBOX', 1, 10_000);
      expect(await textOf(notification)).toContain(`Leerling: ${CANARY.name}`);
    }
    const [ack] = await waitForMessages(s.vt, 'INBOX', 1, 10_000);
    expect(headerOf(ack!.source, 'In-Reply-To')).toBe('<junk-signal-1@veiligthuis.test>');
    expect(await listMessages(s.hwc, 'Junk')).toHaveLength(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    expect(run.stdout).toContain('"purgeVerified":true');

    const { hits, filesScanned } = scanInstall(s.install, [run]);
    expect(filesScanned).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  it('when a newsletter was filed under Junk, then it stays untouched: still there, no flag, no alert', async () => {
    const s = await createSchool({ notify: 'both' });
    await deliver(
      [
        'From: Nieuwsbrief <nieuws@example.test>',
        `To: ${s.hwc.address}`,
        'Subject: Nieuwsbrief november: Handle with Care in de regio',
        'Message-ID: <junk-news-1@example.test>',
        '',
        `Deze maand: het verhaal van ${CANARY.name}.`,
        '',
      ].join('\r\n'),
      { from: 'nieuws@example.test', to: [s.hwc.address] },
    );
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    await moveAllToJunk(s.hwc);
    const before = await mailboxSnapshot(s.hwc);

    const runs = [await check(s.install), await check(s.install)];
    for (const run of runs) expect(run.code, run.stdout + run.stderr).toBe(0);

    expect(await mailboxSnapshot(s.hwc)).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
    const { hits } = scanInstall(s.install, runs);
    expect(hits).toEqual([]);
  });
});

// Measured on this machine with 3,001 messages: a check that reads every message (as every check
// did before triage; here maxMessagesPerCheck above the flood) ran 43 s and would have hit this
// checkTimeout before it finished; with the default bound the first check is done in about 10 s,
// and the signal goes out before any junk is downloaded.
const FLOOD = 3_000;
const CHECK_TIMEOUT = '25s';

describe('a flood of junk on the real Dovecot', () => {
  it('when 3,000 junk mails arrive before a signal, then the first check notifies the signal within checkTimeout and later checks make progress on the rest', async () => {
    const s = await createSchool({ notify: 'both', checkTimeout: CHECK_TIMEOUT });
    await appendFlood(s.hwc, 'INBOX', FLOOD);
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'flood-signal-1@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForCount(s.hwc, FLOOD + 1);

    const first = await check(s.install);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('maxMessagesPerCheck');
    const [notification] = await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    expect(await textOf(notification)).toContain(`Leerling: ${CANARY.name}`);
    await waitForMessages(s.backup, 'INBOX', 1, 10_000);
    const afterFirst = await tally(s.hwc);
    // The signal was purged; of the junk, the first batch was alerted about and marked.
    expect(afterFirst.messages).toBe(FLOOD);
    expect(afterFirst.setAside).toBeGreaterThan(0);
    expect(afterFirst.setAside).toBeLessThan(FLOOD);

    const second = await check(s.install);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const afterSecond = await tally(s.hwc);
    expect(afterSecond.setAside).toBeGreaterThan(afterFirst.setAside);
    expect(afterSecond.messages).toBe(FLOOD);
    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(1);

    const { hits } = scanInstall(s.install, [first, second]);
    expect(hits).toEqual([]);
  }, 120_000);
});
