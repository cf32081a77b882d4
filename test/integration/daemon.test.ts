import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { deliver, listMessages, waitForMessages, mailstackEnv } from '../support/mailstack.js';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { offlineInstall } from '../support/audit-install.js';
import { runHwc } from '../support/hwc.js';
import { startHwc } from '../support/daemon.js';
import { createSchool, headerOf, signalMail } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe('hwc run, the daemon, on the real mail stack', () => {
  it('when it starts after a missed check with a signal waiting, then it catches up, escalates by its own timer, survives a restart, and stops cleanly on SIGTERM', async () => {
    // A check at 00:00 every day has always passed already: the start-up must catch up.
    const s = await createSchool({
      notify: 'escalate',
      escalateAfter: '4s',
      schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '23:59' },
    });
    await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'daemon-1@veiligthuis.test' }), {
      from: s.vt.address,
      to: [s.hwc.address],
    });
    await waitForMessages(s.hwc, 'INBOX', 1, 10_000);

    const first = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
    await waitForMessages(s.zorg, 'INBOX', 1, 20_000);
    expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
    // Restart in the middle of the workflow: the escalation is still owed after it.
    const firstRun = await first.stop();
    expect(firstRun.code).toBe(0);
    expect(firstRun.stdout).toContain('catch-up');

    const second = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
    await waitForMessages(s.backup, 'INBOX', 1, 30_000);
    const [escalated] = await listMessages(s.backup, 'INBOX');
    expect(headerOf(escalated!.source, 'Subject')).toMatch(/^Achterwacht: Handle with Care-signaal/);
    const secondRun = await second.stop();
    expect(secondRun.code).toBe(0);
    expect(secondRun.stdout).toContain('audit chain intact');
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
  }, 90_000);

  it('when no check can succeed by the deadline, then both contacts get one content-free alarm a day', async () => {
    const s = await createSchool({ schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '00:01' } });
    const env = mailstackEnv();
    writeFileSync(
      s.install.configFile,
      readFileSync(s.install.configFile, 'utf8').replace(`port: ${env.imapPort}`, 'port: 1'),
    );
    const first = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(first.code).toBe(1);
    await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
    await waitForMessages(s.backup, 'INBOX', 1, 10_000);
    const [alarm] = await listMessages(s.zorg, 'INBOX');
    expect(headerOf(alarm!.source, 'Subject')).toContain('niet gecontroleerd');
    const second = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(second.code).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
  }, 90_000);

  it('when IMAP and SMTP are both down at the deadline, then the check exits non-zero and says the alarm could not be sent', async () => {
    const s = await createSchool({ schedule: { checks: ['00:00'], days: EVERY_DAY, deadline: '00:01' } });
    const env = mailstackEnv();
    writeFileSync(
      s.install.configFile,
      readFileSync(s.install.configFile, 'utf8')
        .replace(`port: ${env.imapPort}`, 'port: 1')
        .replace(`port: ${env.submissionPort}`, 'port: 1'),
    );
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('dead-man alarm could not be sent');
  }, 90_000);

  it('when the IMAP server accepts the connection but never answers, then the watchdog ends the check within checkTimeout and it exits 1', async () => {
    // A server that takes the TCP connection and then says nothing, like a hung proxy.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const s = await createSchool({ checkTimeout: '3s' });
      const env = mailstackEnv();
      writeFileSync(
        s.install.configFile,
        readFileSync(s.install.configFile, 'utf8').replace(`port: ${env.imapPort}`, `port: ${port}`),
      );
      const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('the check ran past checkTimeout');
    } finally {
      silent.close();
    }
  }, 60_000);

  it('when the audit chain is broken, then the daemon refuses to start, unless told to go on', async () => {
    const install = offlineInstall({ schedule: { checks: ['07:00'], days: ['mon'] } });
    const store = SqliteStore.open(install.storage);
    store.append({ at: '2026-11-23T06:00:00.000Z', type: 'check', data: { outcome: 'ok', signals: 0 } });
    store.append({ at: '2026-11-24T06:00:00.000Z', type: 'check', data: { outcome: 'ok', signals: 1 } });
    store.close();
    const db = new Database(join(install.storage, DATABASE_FILE));
    db.exec('DROP TRIGGER audit_no_update');
    db.exec(`UPDATE audit SET data = '{"outcome":"ok","signals":0}' WHERE id = 2`);
    db.close();

    const refused = await runHwc(['run', '--config', install.configFile], { env: install.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('broken at row 2');

    const goOn = startHwc(['run', '--config', install.configFile, '--accept-broken-chain'], {
      env: install.env,
    });
    await goOn.waitForOutput(/daemon started/);
    expect((await goOn.stop()).code).toBe(0);
  }, 60_000);
});
