import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/adapters/sqlite-store.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { runHwc } from '../support/hwc.js';
import { deliver, listMessages, mailstackEnv, waitForMessages } from '../support/mailstack.js';
import { startSlowSmtpRelay } from '../support/slow-smtp-relay.js';
import { CANARY, createSchool, signalMail, type School } from '../support/school.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const LATE = { checks: ['00:00', '23:58'], days: EVERY_DAY, deadline: '23:59' };

/** The config with SMTP pointed at the relay. */
function throughRelay(s: School, port: number): string {
  const env = mailstackEnv();
  const config = readFileSync(s.install.configFile, 'utf8').replace(
    `port: ${env.submissionPort}`,
    `port: ${port}`,
  );
  const file = join(s.install.dir, 'slow-smtp.yaml');
  writeFileSync(file, config);
  return file;
}

function notifiedPrimaryAt(s: School): unknown {
  const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT notified_primary_at FROM signals').get() as { notified_primary_at: unknown })
      .notified_primary_at;
  } finally {
    db.close();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

describe('an SMTP send in flight when the check runs past checkTimeout', () => {
  it('when Postfix queued the notification but its reply comes after checkTimeout, then the check waits for it and records it, fails with CHECK_TIMEOUT, and the next check does not notify that contact again', async () => {
    const s = await createSchool({ notify: 'both', schedule: LATE, checkTimeout: '15s' });
    const tls = join(mailstackEnv().dir, 'tls');
    const relay = await startSlowSmtpRelay({
      host: mailstackEnv().host,
      port: mailstackEnv().submissionPort,
      ca: readFileSync(join(tls, 'ca.crt')),
      key: readFileSync(join(tls, 'server.key')),
      cert: readFileSync(join(tls, 'server.crt')),
      dataReplyDelayMs: 25_000,
    });
    try {
      await deliver(signalMail(s.vt.address, s.hwc.address, { id: 'slow-1@veiligthuis.test' }), {
        from: s.vt.address,
        to: [s.hwc.address],
      });
      await waitForMessages(s.hwc, 'INBOX', 1, 10_000);

      const slow = await runHwc(['check', '--config', throughRelay(s, relay.port)], {
        env: s.install.env,
        timeoutMs: 90_000,
      });
      expect(slow.code, slow.stdout + slow.stderr).toBe(1);
      expect(relay.delayed()).toBe(1);
      expect(slow.stdout).toContain('"code":"CHECK_TIMEOUT"');
      expect(slow.stdout).toContain('waiting for the answer, so that it is recorded');
      // The accepted notification is logged before the check says it failed, not after.
      const accepted = slow.stdout.indexOf('notification accepted by SMTP');
      expect(accepted).toBeGreaterThan(-1);
      expect(accepted).toBeLessThan(slow.stdout.indexOf('the check ran past checkTimeout'));
      expect(notifiedPrimaryAt(s)).not.toBeNull();
      await waitForMessages(s.zorg, 'INBOX', 1, 10_000);
      expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);

      const next = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(next.code, next.stdout + next.stderr).toBe(0);
      await waitForMessages(s.backup, 'INBOX', 1, 10_000);
      await waitForMessages(s.vt, 'INBOX', 1, 10_000);
      await settle();
      expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(1);
      expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
      const { hits } = scanForCanaries(
        canaryForms([CANARY.name], [CANARY.isoDate]),
        [s.install.storage, s.install.tmp],
        { slow: slow.stdout + slow.stderr, next: next.stdout + next.stderr },
      );
      expect(hits).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 120_000);
});
