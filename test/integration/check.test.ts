import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ownMessageIds, signalKeyOf } from '../../src/core/identity.js';
import { contentDigest } from '../../src/check/body-digest.js';
import {
  appendMessage,
  createUserIn,
  deliver,
  listMessages,
  mailboxSnapshot,
  mailstackEnv,
  waitForMessages,
} from '../support/mailstack.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc, type TestInstall } from '../support/hwc.js';
import { CANARY, CANARY_SIBLING, createSchool, headerOf, signalMail, textOf } from '../support/school.js';

// These scenarios are about one check handling a signal completely: both contacts at once.
const school = (overrides: Record<string, unknown> = {}) => createSchool({ notify: 'both', ...overrides });
const header = headerOf;

function scanInstall(install: TestInstall, outputs: string[]) {
  const forms = canaryForms([CANARY.name, CANARY_SIBLING.name], [CANARY.isoDate, CANARY_SIBLING.isoDate]);
  return scanForCanaries(
    forms,
    [install.storage, install.tmp],
    Object.fromEntries(outputs.map((o, i) => [`output-${i}`, o])),
  );
}

describe('hwc check against the real Dovecot and Postfix', () => {
  it('when a trusted signal with a read-receipt request arrives, then it is notified, acknowledged, MDN-ed, purged everywhere and nothing is kept', async () => {
    const s = await school();
    // Create the state (and its secret) first, so that the test can put copies of our own mails
    // in \Sent the way Microsoft 365 and Gmail do.
    const first = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const signalId = 'hwc-it-signal-1@veiligthuis.test';
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: signalId, mdn: true, siblings: true }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const raw = Buffer.from(
      signalMail(s.vt.address, s.hwc.address, { id: signalId, mdn: true, siblings: true }),
    );
    await appendMessage(s.hwc, 'Trash', raw);
    await appendMessage(s.hwc, 'Junk', raw);
    const db = new Database(join(s.install.storage, 'hwc-watcher.sqlite'), { readonly: true });
    const secret = Buffer.from(
      (db.prepare("SELECT value FROM meta WHERE name = 'hmac_secret'").get() as { value: string }).value,
      'base64',
    );
    db.close();
    const domain = s.hwc.address.split('@')[1] ?? '';
    const [notifyId] = ownMessageIds(secret, signalKeyOf(secret, signalId, contentDigest(raw)), domain);
    await appendMessage(
      s.hwc,
      'Sent',
      Buffer.from(
        `From: ${s.hwc.address}\r\nTo: ${s.zorg.address}\r\nMessage-ID: <${notifyId}>\r\nSubject: copy\r\n\r\n${CANARY.name}\r\n`,
      ),
    );

    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // The zorgcoördinator and the achterwacht each got the notification with both children.
    for (const contact of [s.zorg, s.backup]) {
      await waitForMessages(contact, 'INBOX', 1, 10_000);
      const [notification] = await listMessages(contact, 'INBOX');
      const text = await textOf(notification);
      // The backup's subject has a marker of its own, also with notify: both.
      const marker = contact === s.backup ? 'Achterwacht: ' : '';
      expect(header(notification!.source, 'Subject')).toMatch(
        new RegExp(`^${marker}Handle with Care-signaal \\[HWC-[A-Z0-9]{6}\\]$`),
      );
      expect(text).toContain(`Leerling: ${CANARY.name}`);
      expect(text).toContain(`Leerling: ${CANARY_SIBLING.name}`);
      expect(text).toContain('Geboortedatum: 29 april 2015');
      expect(text).toContain('Geboortedatum: 3 november 2012');
      expect(text).toContain('Codewoord: Handle with Care');
    }

    // Veilig Thuis got a receipt that threads and names no one, and an RFC 8098 MDN.
    await waitForMessages(s.vt, 'INBOX', 2, 10_000);
    const vtMail = await listMessages(s.vt, 'INBOX');
    const ack = vtMail.find((m) => header(m.source, 'Content-Type')?.startsWith('text/plain'));
    const mdn = vtMail.find((m) => header(m.source, 'Content-Type')?.startsWith('multipart/report'));
    expect(ack && header(ack.source, 'In-Reply-To')).toBe(`<${signalId}>`);
    expect(ack && header(ack.source, 'References')).toContain(`<${signalId}>`);
    expect(ack && header(ack.source, 'Auto-Submitted')).toBe('auto-replied');
    expect(await textOf(ack)).not.toContain('Brinkhorst');
    expect(mdn && header(mdn.source, 'Content-Type')).toContain('report-type=disposition-notification');
    const mdnText = mdn?.source.toString('utf8') ?? '';
    expect(mdnText).toContain('Content-Type: message/disposition-notification');
    expect(mdnText).toContain(`Original-Message-ID: <${signalId}>`);
    expect(mdnText).toMatch(/Disposition: automatic-action\/MDN-sent-automatically; processed/);
    expect(mdnText).not.toContain('Brinkhorst');

    // Every folder of the HwC account is empty of the signal and of our copies.
    for (const folder of ['INBOX', 'Sent', 'Trash', 'Junk']) {
      expect(await listMessages(s.hwc, folder), folder).toHaveLength(0);
    }

    const audit = await runHwc(['audit', '--config', s.install.configFile, '--format', 'json'], {
      env: s.install.env,
    });
    const log = JSON.parse(audit.stdout) as {
      chain: { intact: boolean };
      rows: { type: string; data: Record<string, unknown> }[];
    };
    expect(log.chain.intact).toBe(true);
    expect(log.rows.at(-1)?.data).toMatchObject({
      signals: 1,
      children: 2,
      notificationsSent: 2,
      acknowledgementsSent: 1,
      mdnsSent: 1,
      purged: 1,
      purgeVerified: true,
    });

    // The scan covers hwc's caches too: the kept parse of the config is among the files searched.
    expect(readdirSync(join(s.install.cache, 'hwc-watcher', 'config'))).toHaveLength(1);
    const { hits, filesScanned } = scanInstall(s.install, [
      first.stdout,
      first.stderr,
      run.stdout,
      run.stderr,
      audit.stdout,
    ]);
    expect(filesScanned).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  it('when a newsletter arrives, then it stays, marked, and the primary contact gets one content-free alert', async () => {
    const s = await school();
    await deliver(
      [
        `From: Nieuwsbrief <nieuws@example.test>`,
        `To: ${s.hwc.address}`,
        'Subject: Nieuwsbrief november: Handle with Care in de regio',
        'Message-ID: <news-1@example.test>',
        'List-Unsubscribe: <mailto:uit@example.test>',
        '',
        'Deze maand: tien jaar Handle with Care in onze regio. Lees het verhaal van een leerkracht.',
        '',
      ].join('\r\n'),
      { from: 'nieuws@example.test', to: [s.hwc.address] },
    );
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    for (let i = 0; i < 2; i += 1) {
      const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    const inbox = await listMessages(s.hwc, 'INBOX');
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.flags).toContain('$HwcSetAside');
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    const alerts = await listMessages(s.zorg, 'INBOX');
    expect(alerts).toHaveLength(1);
    expect(await textOf(alerts[0])).toContain('1 bericht dat hwc-watcher niet zelf afhandelt');
    expect(await textOf(alerts[0])).not.toContain('Nieuwsbrief november');
    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
  });

  it('when a signal comes from a spoofed sender, then it is never forwarded, only a content-free alert goes out', async () => {
    const s = await school();
    const spoofer = await createUserIn('example.test', 'spoof');
    const raw = signalMail(spoofer.address, s.hwc.address, { id: 'spoof-1@example.test' }).replace(
      `From: Veilig Thuis Regio Proef <${spoofer.address}>`,
      `From: "signaal@veiligthuis.test" <${spoofer.address}>`,
    );
    await deliver(raw, { from: spoofer.address, to: [s.hwc.address] });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    const [alert] = await listMessages(s.zorg, 'INBOX');
    expect(await textOf(alert)).not.toContain('Brinkhorst');
    expect(await textOf(alert)).toContain('vertrouwde afzenders');
    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
    expect(await listMessages(spoofer, 'INBOX')).toHaveLength(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
  });

  it('when SMTP is down, then nothing is purged, the check exits 1, and the next check finishes the work', async () => {
    const s = await school();
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'down-1@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const env = mailstackEnv();
    const config = readFileSync(s.install.configFile, 'utf8');
    const downConfig = join(s.install.dir, 'smtp-down.yaml');
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    writeFileSync(downConfig, config.replace(`port: ${env.submissionPort}`, 'port: 1'));
    const down = await runHwc(['check', '--config', downConfig], { env: s.install.env });
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('SMTP');
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);

    const again = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
  });

  it('when IMAP is down, then the check tries again with backoff, exits 1 with a clear log line', async () => {
    const s = await school();
    const config = readFileSync(s.install.configFile, 'utf8');
    const env = mailstackEnv();
    writeFileSync(s.install.configFile, config.replace(`port: ${env.imapPort}`, 'port: 1'));
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => String(line.msg).includes('IMAP server could not be reached'))).toBe(true);
    expect(lines.filter((line) => line.msg === 'IMAP connection failed; trying again')).toHaveLength(3);
  });

  // Changed by issue 12: a refused login used to be retried three times with backoff; now it is
  // tried once, because every retry counts towards an account lockout or a fail2ban ban.
  it('when IMAP refuses the login, then the check tries once, exits 1 and says which setting to check', async () => {
    const s = await school();
    const dovecotLog = join(mailstackEnv().dir, 'log', 'dovecot.log');
    // imap-login's line per refused connection: "(auth failed, N attempts in S secs): user=<…>".
    const attempts = () =>
      readFileSync(dovecotLog, 'utf8')
        .split('\n')
        .filter((line) => line.includes(`user=<${s.hwc.address}>`))
        .map((line) => Number(/auth failed, (\d+) attempts?/.exec(line)?.[1] ?? 0))
        .reduce((sum, n) => sum + n, 0);
    const before = attempts();
    const run = await runHwc(['check', '--config', s.install.configFile], {
      env: { ...s.install.env, HWC_IMAP_PASSWORD: 'not-the-password' },
    });
    expect(run.code).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.msg === 'IMAP connection failed; trying again')).toHaveLength(0);
    expect(lines.some((line) => String(line.msg).includes('refused the login; check imap.auth'))).toBe(true);
    expect(run.stdout).not.toContain('not-the-password');
    // Dovecot logs every login it refused (auth_verbose): exactly one, from this check.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts() - before).toBe(1);
  });

  it('when run with --dry-run, then the mailbox is byte-for-byte the same and nothing is sent or recorded', async () => {
    const s = await school();
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'dry-1@veiligthuis.test', mdn: true }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
    const before = await mailboxSnapshot(s.hwc);
    const run = await runHwc(['check', '--config', s.install.configFile, '--dry-run'], {
      env: s.install.env,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('DRY RUN');
    expect(run.stdout).toContain('signals: 1');
    expect(await mailboxSnapshot(s.hwc)).toEqual(before);
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(await listMessages(s.vt, 'INBOX')).toHaveLength(0);
    expect(existsSync(join(s.install.storage, 'hwc-watcher.sqlite'))).toBe(false);
    expect(scanInstall(s.install, [run.stdout, run.stderr]).hits).toEqual([]);
  });

  it('when the config is invalid, then the check exits 78 and names the key and the fix', async () => {
    const s = await school({
      imap: { host: 'x', port: 'imap', secure: false, auth: { user: 'a@b.test', pass: { env: 'X' } } },
    });
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('imap.port: expected a number between 1 and 65535, got "imap"');
  });
});
