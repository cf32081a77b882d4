/**
 * How much work a check asks of the servers, counted on the real Dovecot (its raw log of every
 * command) and the real Postfix (connections through a counting relay): one SMTP session per
 * check, a purge in at most 15 IMAP commands, the first check over many new messages in batched
 * FETCHes and STOREs. Counts, never timings: speed is reported by `npm run bench`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run-check.js';
import { SmtpMailer } from '../../src/adapters/smtp-mailer.js';
import { FixedClock } from '../support/fakes.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { startRawlog } from '../support/imap-rawlog.js';
import { runHwc, type HwcRun } from '../support/hwc.js';
import { appendMessage, deliver, listMessages, mailstackEnv, waitForMessages } from '../support/mailstack.js';
import { createSchool, inProcessCheck, signalMail, type School } from '../support/school.js';

const proxies: CountingProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

/** The school's SMTP through a counting relay in front of the real submission port. */
async function throughProxy(s: School): Promise<CountingProxy> {
  const env = mailstackEnv();
  const proxy = await startCountingProxy(env.host, env.submissionPort);
  proxies.push(proxy);
  const config = readFileSync(s.install.configFile, 'utf8');
  writeFileSync(s.install.configFile, config.replace(`port: ${env.submissionPort}`, `port: ${proxy.port}`));
  return proxy;
}

const check = (s: School): Promise<HwcRun> =>
  runHwc(['check', '--config', s.install.configFile], { env: s.install.env });

async function withSignal(s: School, id: string): Promise<void> {
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
}

/** The purge's commands: from its first SEARCH up to the LOGOUT that ends the check. */
function purgeCommands(commands: string[]): string[] {
  const start = commands.findIndex((command) => /^UID SEARCH /.test(command));
  const end = commands.lastIndexOf('LOGOUT');
  return start < 0 ? [] : commands.slice(start, end < 0 ? undefined : end);
}

describe('round trips of one check on the real Dovecot and Postfix', () => {
  it('when a check notifies both contacts, acknowledges and purges a signal, then it uses one SMTP session and the purge at most 15 IMAP commands, each folder selected once', async () => {
    const s = await createSchool({ notify: 'both' });
    const proxy = await throughProxy(s);
    // The first check of the day signs in to SMTP once, in a session of its own.
    const first = await check(s);
    expect(first.code, first.stderr).toBe(0);
    await withSignal(s, 'round-trips-1@veiligthuis.test');
    const before = proxy.connections();
    const rawlog = startRawlog(s.hwc);
    try {
      const run = await check(s);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // Three mails (two notifications, the receipt), one SMTP session.
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      await waitForMessages(s.vt, 'INBOX', 1, 10_000);
      expect(proxy.connections() - before).toBe(1);

      const purge = purgeCommands(rawlog.commands());
      expect(purge.length).toBeGreaterThan(0);
      expect(purge.length).toBeLessThanOrEqual(15);
      const selects = purge.filter((command) => /^SELECT /.test(command));
      expect(new Set(selects).size).toBe(selects.length);
      expect(purge.filter((command) => /^UID EXPUNGE /.test(command))).toHaveLength(1);
      for (const folder of ['INBOX', 'Sent', 'Trash', 'Junk', 'Archive']) {
        expect(await listMessages(s.hwc, folder)).toHaveLength(0);
      }
    } finally {
      rawlog.stop();
    }
  });

  it('when copies of the signal lie in Trash and Junk, then the one combined search per folder finds and removes them too', async () => {
    const s = await createSchool({ notify: 'both' });
    const id = 'round-trips-2@veiligthuis.test';
    await withSignal(s, id);
    const raw = Buffer.from(signalMail(s.vt.address, s.hwc.address, { id }));
    await appendMessage(s.hwc, 'Trash', raw);
    await appendMessage(s.hwc, 'Junk', raw);
    // Another message in Trash whose Message-ID contains the signal's: SEARCH HEADER matches
    // substrings (RFC 3501 6.4.4), the purge must not delete it.
    await appendMessage(
      s.hwc,
      'Trash',
      Buffer.from(`From: a@example.test\r\nMessage-ID: <x${id}>\r\nSubject: other\r\n\r\nother\r\n`),
    );
    const run = await check(s);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
    expect(await listMessages(s.hwc, 'Junk')).toHaveLength(0);
    const trash = await listMessages(s.hwc, 'Trash');
    expect(trash.map((message) => message.headers)).toEqual([expect.stringContaining(`<x${id}>`)]);
  });

  it('when the SMTP server refuses the primary contact (550 at RCPT), then the backup and the receipt still go out over the same session', async () => {
    const s = await createSchool();
    // The primary contact's address is no mailbox: Postfix refuses it (reject_unlisted_recipient).
    const config = readFileSync(s.install.configFile, 'utf8');
    writeFileSync(s.install.configFile, config.replace(s.zorg.address, `nobody-${Date.now()}@school.test`));
    const proxy = await throughProxy(s);
    expect((await check(s)).code).toBe(0);
    await withSignal(s, 'round-trips-3@veiligthuis.test');
    const before = proxy.connections();
    const run = await check(s);
    await waitForMessages(s.backup, 'INBOX', 1, 10_000);
    await waitForMessages(s.vt, 'INBOX', 1, 10_000);
    expect(run.stdout + run.stderr).toContain('"outcome":"refused"');
    expect(proxy.connections() - before).toBe(1);
  });

  it('when the SMTP connection drops between two mails, then the next mail opens a new session and every mail arrives', async () => {
    const s = await createSchool({ notify: 'both' });
    const env = mailstackEnv();
    const proxy = await startCountingProxy(env.host, env.submissionPort);
    proxies.push(proxy);
    const inProcess = inProcessCheck(s, new FixedClock(new Date('2026-11-25T06:00:00Z')), { notify: 'both' });
    const mailer = new SmtpMailer({
      host: env.host,
      port: proxy.port,
      secure: false,
      rejectUnauthorized: true,
      ca: readFileSync(env.caFile, 'utf8'),
      user: s.hwc.address,
      pass: s.hwc.password,
      from: { name: 'Handle with Care', address: s.hwc.address },
    });
    const deps = {
      ...inProcess.deps,
      mailer,
      onStep: (step: string) => {
        if (step === 'sent-notify-primary') proxy.dropAll();
      },
    };
    try {
      // The first check of the day signs in to SMTP once, in a session of its own.
      await runCheck(deps, { dryRun: false });
      await withSignal(s, 'round-trips-4@veiligthuis.test');
      const before = proxy.connections();
      const report = await runCheck(deps, { dryRun: false });
      expect(report.counts.notificationsSent).toBe(2);
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      await waitForMessages(s.vt, 'INBOX', 1, 10_000);
      expect(proxy.connections() - before).toBe(2);
    } finally {
      mailer.close();
      inProcess.close();
    }
  });

  it('when a first check finds 40 new messages, then it fetches their sources and sets their keywords in batches, not per message', async () => {
    const s = await createSchool();
    const count = 40;
    for (let i = 0; i < count; i += 1) {
      await appendMessage(
        s.hwc,
        'INBOX',
        Buffer.from(
          `From: nieuwsbrief@example.test\r\nTo: ${s.hwc.address}\r\nMessage-ID: <batch-${i}-${Date.now()}@example.test>\r\n` +
            `Subject: Nieuwsbrief ${i}\r\n\r\nDe nieuwsbrief van deze week.\r\n`,
        ),
      );
    }
    const rawlog = startRawlog(s.hwc);
    try {
      const run = await check(s);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const commands = rawlog.commands();
      const sourceFetches = commands.filter((command) => /FETCH .*BODY\.PEEK\[\]/.test(command));
      const stores = commands.filter((command) => /STORE /.test(command));
      expect(sourceFetches.length).toBeGreaterThan(0);
      expect(sourceFetches.length).toBeLessThanOrEqual(2);
      expect(stores.length).toBeLessThanOrEqual(2);
      expect(commands.length).toBeLessThan(count);
      // Every one of them was read and set aside for a person.
      const inbox = await listMessages(s.hwc, 'INBOX');
      expect(inbox).toHaveLength(count);
      expect(inbox.every((message) => message.flags.includes('$HwcSetAside'))).toBe(true);
    } finally {
      rawlog.stop();
    }
  });
});
