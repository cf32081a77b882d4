import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import type { AuditRow } from '../../src/core/ports.js';
import {
  composeSelfTest,
  composeSelfTestMissing,
  composeWeeklyReport,
  isSelfTestDue,
  isWeeklyReportDue,
  selfTestMessageId,
  weekCounts,
  weekOf,
  weeklySentence,
} from '../../src/core/proof-of-life.js';
import { looksOwn } from '../../src/core/identity.js';
import { proofOfLifeAfterCheck } from '../../src/check/proof-of-life.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { FakeMailbox, FakeMailer, FixedClock } from '../support/fakes.js';
import { captureLogger } from '../support/capture-logger.js';

const TZ = 'Europe/Amsterdam';
const identity = { school: 'Basisschool De Proeftuin', fromAddress: 'hwc@school.test', timezone: TZ };
const contacts = [
  { name: 'Zorgcoördinator', email: 'zorg@school.test' },
  { name: 'Achterwacht', email: 'backup@school.test' },
];

function checkRow(at: string, outcome: 'ok' | 'failed', id: number): AuditRow {
  return { id, at, type: 'check', data: { outcome }, prevHash: '', hash: '' };
}

describe('the weekly proof-of-life mail', () => {
  const now = new Date('2026-12-04T14:00:00Z'); // Friday

  it('when every check of the last seven days worked, then it says "deze week 15 keer gecontroleerd, alles werkte"', () => {
    const rows = Array.from({ length: 15 }, (_, i) =>
      checkRow(new Date(now.getTime() - (i + 1) * 3_600_000).toISOString(), 'ok', i + 1),
    );
    rows.push(checkRow('2026-11-20T06:00:00Z', 'failed', 99));
    const counts = weekCounts(rows, now);
    expect(counts).toEqual({ checks: 15, failed: 0, lastOk: true });
    expect(weeklySentence(counts)).toBe('deze week 15 keer gecontroleerd, alles werkte');
  });

  it('when the last check failed, then it says so, and a failure earlier in the week is counted', () => {
    expect(weeklySentence({ checks: 15, failed: 1, lastOk: false })).toBe(
      'deze week 15 keer gecontroleerd; 1 keer lukte de controle niet, en de laatste controle lukte niet',
    );
    expect(weeklySentence({ checks: 15, failed: 2, lastOk: true })).toBe(
      'deze week 15 keer gecontroleerd; 2 keer lukte de controle niet',
    );
    expect(weeklySentence({ checks: 0, failed: 0 })).toBe(
      'deze week is de mailbox geen enkele keer gecontroleerd',
    );
  });

  it('when it is composed, then it goes to both contacts, names the school and nothing of any signal', () => {
    const mail = composeWeeklyReport({
      identity,
      contacts,
      counts: { checks: 3, failed: 0, lastOk: true },
      at: now,
      messageId: 'hwc.weekly.x@school.test',
    });
    expect(mail.to).toEqual(['zorg@school.test', 'backup@school.test']);
    expect(mail.text).toContain('Basisschool De Proeftuin: deze week 3 keer gecontroleerd, alles werkte.');
    expect(mail.text).toContain('U hoeft niets te doen.');
    expect(mail.headers?.['Auto-Submitted']).toBe('auto-generated');
  });

  it('when it is Friday and this week had none yet, then it is due, and not again in the same week or on another day', () => {
    expect(weekOf(now, TZ)).toBe('2026-11-30');
    expect(isWeeklyReportDue(now, TZ, { weeklyReport: 'fri' }, undefined)).toBe(true);
    expect(isWeeklyReportDue(now, TZ, { weeklyReport: 'fri' }, '2026-11-30')).toBe(false);
    expect(isWeeklyReportDue(now, TZ, { weeklyReport: 'mon' }, undefined)).toBe(false);
    expect(isWeeklyReportDue(now, TZ, {}, undefined)).toBe(false);
    // Sunday 23:30 in Amsterdam is still the same week; 00:30 on Monday is the next.
    expect(weekOf(new Date('2026-12-06T22:30:00Z'), TZ)).toBe('2026-11-30');
    expect(weekOf(new Date('2026-12-06T23:30:00Z'), TZ)).toBe('2026-12-07');
  });
});

describe('the self-test', () => {
  const secret = Buffer.alloc(32, 7);

  it('when its Message-ID is made, then it has the shape of our own mail, follows from the day, and differs per day and secret', () => {
    const id = selfTestMessageId(secret, '2026-12-01', 'school.test');
    expect(id).toMatch(/^hwc\.[0-9a-f]{32}@school\.test$/);
    expect(looksOwn(id, 'school.test')).toBe(true);
    expect(selfTestMessageId(secret, '2026-12-01', 'school.test')).toBe(id);
    expect(selfTestMessageId(secret, '2026-12-02', 'school.test')).not.toBe(id);
    expect(selfTestMessageId(Buffer.alloc(32, 8), '2026-12-01', 'school.test')).not.toBe(id);
  });

  it('when it is composed, then it goes from the HwC address to itself, and the alarm for a missing one to both contacts', () => {
    const at = new Date('2026-12-01T06:00:00Z');
    const test = composeSelfTest({ identity, at, messageId: 'hwc.x@school.test' });
    expect(test.to).toEqual(['hwc@school.test']);
    expect(test.text).toContain('De volgende controle verwijdert het vanzelf.');
    const missing = composeSelfTestMissing({
      identity,
      contacts,
      sentAt: at,
      at,
      messageId: 'hwc.y@school.test',
    });
    expect(missing.to).toEqual(['zorg@school.test', 'backup@school.test']);
    expect(missing.subject).toBe('DRINGEND: een testbericht kwam niet aan in de HwC-mailbox');
    expect(missing.text).toContain('dinsdag 1 december');
  });

  it('when today is a self-test day and none was sent today, then it is due', () => {
    const tuesday = new Date('2026-12-01T06:00:00Z');
    expect(isSelfTestDue(tuesday, TZ, { selfTest: ['tue'] }, undefined)).toBe(true);
    expect(isSelfTestDue(tuesday, TZ, { selfTest: ['tue'] }, '2026-12-01')).toBe(false);
    expect(isSelfTestDue(tuesday, TZ, { selfTest: ['mon', 'wed'] }, undefined)).toBe(false);
    expect(isSelfTestDue(tuesday, TZ, {}, undefined)).toBe(false);
  });
});

describe('proofOfLife in the config', () => {
  const base = {
    school: 'S',
    timezone: TZ,
    imap: { host: 'imap.example.nl', port: 993, secure: true, auth: { user: 'u', pass: { env: 'P' } } },
    smtp: { host: 'smtp.example.nl', port: 465, secure: true, auth: { user: 'u', pass: { env: 'P' } } },
    from: 'hwc@school.example.nl',
    senders: ['@veiligthuis.example.nl'],
    contacts: {
      primary: { name: 'Z', email: 'zorg@school.example.nl' },
      backup: { name: 'A', email: 'backup@school.example.nl' },
    },
    schedule: { checks: ['07:00'], days: ['mon'] },
    escalateAfter: '20m',
    storage: '/var/lib/hwc-watcher',
  };
  const env = { P: 'secret' };

  it('when proofOfLife is absent, then both parts are off', () => {
    const result = parseConfig(base, env);
    expect('config' in result && result.config.proofOfLife).toBeUndefined();
  });

  it('when it names a weekday and days, then they are read, one day or a list', () => {
    const one = parseConfig({ ...base, proofOfLife: { weeklyReport: 'Fri', selfTest: 'mon' } }, env);
    expect('config' in one && one.config.proofOfLife).toEqual({ weeklyReport: 'fri', selfTest: ['mon'] });
    const list = parseConfig({ ...base, proofOfLife: { selfTest: ['mon', 'thu'] } }, env);
    expect('config' in list && list.config.proofOfLife).toEqual({ selfTest: ['mon', 'thu'] });
  });

  it('when a day or a key is wrong, then the error names the key', () => {
    const bad = parseConfig({ ...base, proofOfLife: { weeklyReport: 'vrijdag' } }, env);
    expect('errors' in bad && bad.errors.join('\n')).toMatch(/proofOfLife\.weeklyReport/);
    const unknown = parseConfig({ ...base, proofOfLife: { weekly: 'fri' } }, env);
    expect('errors' in unknown && unknown.errors.join('\n')).toMatch(/proofOfLife/);
  });
});

describe('proof of life after a check, on fakes', () => {
  const settings = {
    identity,
    contacts,
    weeklyReport: 'tue' as const,
    selfTest: ['tue' as const, 'wed' as const],
  };

  function setup(at = '2026-12-01T06:00:00Z') {
    const store = SqliteStore.inMemory();
    const mailer = new FakeMailer();
    const mailbox = new FakeMailbox();
    const clock = new FixedClock(new Date(at));
    const { logger, logs } = captureLogger();
    const ports = { mailer, opener: mailbox, clock, store, logger };
    const kinds = () =>
      store
        .rows()
        .filter((row) => row.type === 'proof-of-life')
        .map((row) => `${row.data.kind} ${row.data.outcome}`);
    return { store, mailer, mailbox, clock, ports, kinds, logs };
  }

  /** Delivers what the mailer sent to the HwC address into the fake INBOX, as the server would. */
  function deliverSelfTest(mailer: FakeMailer, mailbox: FakeMailbox): void {
    const test = mailer.sent.find((mail) => mail.to.includes('hwc@school.test'));
    mailbox.add('INBOX', `Message-ID: <${test?.messageId}>\r\nFrom: hwc@school.test\r\n\r\ntest\r\n`);
    mailbox.add('Sent', `Message-ID: <${test?.messageId}>\r\nFrom: hwc@school.test\r\n\r\ntest\r\n`);
  }

  it('when SMTP is down at the weekly mail, then it is recorded as failed and sent at the next check that day', async () => {
    const { mailer, ports, kinds } = setup();
    mailer.down = true;
    await proofOfLifeAfterCheck(ports, { ...settings, selfTest: [] }, false);
    mailer.down = false;
    await proofOfLifeAfterCheck(ports, { ...settings, selfTest: [] }, true);
    await proofOfLifeAfterCheck(ports, { ...settings, selfTest: [] }, true);
    expect(kinds()).toEqual(['weekly failed', 'weekly sent']);
    expect(mailer.sent.filter((mail) => mail.subject.startsWith('Weekbericht'))).toHaveLength(1);
  });

  it('when the check failed, then no self-test is sent or looked for', async () => {
    const { mailer, mailbox, ports, kinds } = setup();
    await proofOfLifeAfterCheck(ports, { ...settings, weeklyReport: undefined }, false);
    expect(mailer.sent).toEqual([]);
    expect(mailbox.opened).toBe(0);
    expect(kinds()).toEqual([]);
  });

  it('when the self-test arrived, then the next check removes it from INBOX and Sent, and the next day a new one goes out', async () => {
    const { mailer, mailbox, clock, ports, kinds } = setup();
    const config = { ...settings, weeklyReport: undefined };
    await proofOfLifeAfterCheck(ports, config, true);
    deliverSelfTest(mailer, mailbox);
    clock.advance(45 * 60_000);
    await proofOfLifeAfterCheck(ports, config, true);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(mailbox.folder('Sent')).toHaveLength(0);
    clock.advance(24 * 3_600_000);
    await proofOfLifeAfterCheck(ports, config, true);
    expect(kinds()).toEqual(['self-test sent', 'self-test arrived', 'self-test sent']);
    expect(mailer.sent).toHaveLength(2);
  });

  it('when IMAP cannot be opened to look, then there is no alarm and the next check looks again', async () => {
    const { mailer, mailbox, clock, ports, kinds } = setup();
    const config = { ...settings, weeklyReport: undefined };
    await proofOfLifeAfterCheck(ports, config, true);
    clock.advance(60 * 60_000);
    mailbox.unreachable = true;
    await proofOfLifeAfterCheck(ports, config, true);
    expect(kinds()).toEqual(['self-test sent']);
    mailbox.unreachable = false;
    deliverSelfTest(mailer, mailbox);
    await proofOfLifeAfterCheck(ports, config, true);
    expect(kinds()).toEqual(['self-test sent', 'self-test arrived']);
  });

  it('when the self-test is not there yet within 10 minutes, then nobody is alarmed; after that, once; a late arrival is still removed', async () => {
    const { mailer, mailbox, clock, ports, kinds, logs } = setup();
    const config = { ...settings, weeklyReport: undefined };
    await proofOfLifeAfterCheck(ports, config, true);
    clock.advance(5 * 60_000);
    await proofOfLifeAfterCheck(ports, config, true);
    expect(kinds()).toEqual(['self-test sent']);
    clock.advance(10 * 60_000);
    await proofOfLifeAfterCheck(ports, config, true);
    await proofOfLifeAfterCheck(ports, config, true);
    const alarms = mailer.sent.filter((mail) => mail.subject.startsWith('DRINGEND'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.to).toEqual(['zorg@school.test', 'backup@school.test']);
    deliverSelfTest(mailer, mailbox);
    await proofOfLifeAfterCheck(ports, config, true);
    expect(mailbox.folder('INBOX')).toHaveLength(0);
    expect(kinds()).toEqual(['self-test sent', 'self-test missing', 'self-test arrived-late']);
    expect(logs()).not.toContain('zorg@school.test');
  });

  it('when the state cannot be written, then the step logs it and resolves, so that the check and the daemon go on', async () => {
    const { store, ports, logs } = setup();
    store.setMeta = () => {
      throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    };
    await expect(proofOfLifeAfterCheck(ports, settings, true)).resolves.toBeUndefined();
    expect(logs()).toContain('"event":"proof-of-life"');
  });
});
