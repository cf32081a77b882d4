import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit-entry.js';
import type { AuditRow } from '../../src/core/ports.js';
import { count } from '../../src/core/dutch.js';
import {
  failedMornings,
  findingsOf,
  signalFinding,
  type ReportSettings,
} from '../../src/core/report/findings.js';
import { renderHtmlReport } from '../../src/core/report/html.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import {
  SEED_DEAD_MAN_DAY,
  SEED_FAILED_CHECK_DAY,
  SEED_LATE_DAY,
  SEED_TIMEZONE,
  seedClosed,
  seedSchoolYear,
} from '../support/audit-seed.js';

const SETTINGS: ReportSettings = {
  schedule: {
    checks: ['07:00', '07:45'],
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: SEED_TIMEZONE,
  },
  deadline: '08:15',
  escalateAfterMinutes: 20,
  purgeAfterMinutes: 480,
  notify: 'escalate',
};

let nextId = 1;
function row(at: string, type: AuditRow['type'], data: AuditRow['data']): AuditRow {
  const id = nextId++;
  return { id, at, type, data, prevHash: '', hash: String(id) };
}

// 2026-11-25 is a Wednesday; 07:00 in Amsterdam is 06:00Z, the deadline 08:15 is 07:15Z.
const purged = (at: string, data: AuditRow['data']) =>
  row(at, 'signal', { purgeVerified: true, escalated: false, purgeReason: 'confirmed', ...data });

describe('the report findings', () => {
  it('when counts are written in Dutch, then one takes the singular and zero or more the plural', () => {
    expect(count(1, 'signaal', 'signalen')).toBe('1 signaal');
    expect(count(0, 'signaal', 'signalen')).toBe('0 signalen');
    expect(count(2, 'bevestiging', 'bevestigingen')).toBe('2 bevestigingen');
    expect(count(1, 'maand', 'maanden')).toBe('1 maand');
  });

  it('when a contact confirmed before the deadline, then the signal was on time, and after it, late', () => {
    const onTime = signalFinding(
      purged('2026-11-25T06:11:00Z', { minutesToPurge: 11, minutesToConfirm: 10, confirmedBy: 'primary' }),
      SETTINGS,
    );
    expect(onTime.status).toBe('on-time');
    expect(onTime.deadline.toISOString()).toBe('2026-11-25T07:15:00.000Z');
    const late = signalFinding(
      purged('2026-11-25T07:31:00Z', { minutesToPurge: 91, minutesToConfirm: 90, confirmedBy: 'backup' }),
      SETTINGS,
    );
    expect(late.status).toBe('late');
    expect(late.confirmedBy).toBe('backup');
  });

  it('when a signal arrived in the evening, then its deadline is the next school day and an early confirmation is on time', () => {
    // Friday 2026-11-27 19:00 local; the next school day is Monday.
    const finding = signalFinding(
      purged('2026-11-30T06:30:00Z', {
        minutesToPurge: 3570,
        minutesToConfirm: 3560,
        confirmedBy: 'primary',
      }),
      SETTINGS,
    );
    expect(finding.deadline.toISOString()).toBe('2026-11-30T07:15:00.000Z');
    expect(finding.status).toBe('on-time');
  });

  it('when a signal was purged unconfirmed and a confirmation came afterwards, then it is not on time and the late one is counted', () => {
    const rows = [
      purged('2026-11-25T14:00:00Z', { minutesToPurge: 480, confirmedBy: 'none', purgeReason: 'hard-limit' }),
      row('2026-11-25T15:00:00Z', 'signal', {
        event: 'confirmed',
        confirmedBy: 'primary',
        minutesToConfirm: 540,
        afterPurge: true,
      }),
    ];
    const findings = findingsOf(rows, SETTINGS);
    expect(findings.signals.map((f) => f.status)).toEqual(['unconfirmed']);
    expect(findings.lateConfirmations).toBe(1);
  });

  it('when every check of a school morning failed, then it is a failed morning, with its alarm; a morning with a later success is not', () => {
    const rows = [
      row('2026-11-25T06:00:00Z', 'check', { outcome: 'failed', error: 'IMAP_AUTH_REFUSED' }),
      row('2026-11-25T06:45:00Z', 'check', { outcome: 'failed', error: 'CHECK_TIMEOUT' }),
      row('2026-11-25T07:15:00Z', 'alarm', { kind: 'dead-man', outcome: 'sent' }),
      row('2026-11-26T06:00:00Z', 'check', { outcome: 'failed', error: 'ETIMEDOUT' }),
      row('2026-11-26T06:45:00Z', 'check', { outcome: 'ok' }),
      // Saturday: no lessons, so no deadline.
      row('2026-11-28T06:00:00Z', 'check', { outcome: 'failed' }),
      // A success after the deadline does not rescue the morning.
      row('2026-11-27T06:00:00Z', 'check', { outcome: 'failed' }),
      row('2026-11-27T08:00:00Z', 'check', { outcome: 'ok' }),
    ];
    expect(failedMornings(rows, SETTINGS)).toEqual([
      { date: '2026-11-25', failedChecks: 2, alarm: 'sent' },
      { date: '2026-11-27', failedChecks: 1 },
    ]);
    expect(findingsOf(rows, SETTINGS).failedChecks.map((f) => f.code)).toEqual([
      'IMAP_AUTH_REFUSED',
      'CHECK_TIMEOUT',
      'ETIMEDOUT',
      undefined,
      undefined,
    ]);
  });

  it('when hwc did not run at all on a school day, then that day is a missed morning without a check; weekends, days before the log began and a morning whose deadline has not passed are not', () => {
    const rows = [
      row('2026-11-23T06:00:00Z', 'check', { outcome: 'ok' }),
      // Tuesday 24 and Wednesday 25: nothing at all. Thursday 26: a failed check only.
      row('2026-11-26T06:00:00Z', 'check', { outcome: 'failed', error: 'ETIMEDOUT' }),
      row('2026-11-27T06:00:00Z', 'check', { outcome: 'ok' }),
    ];
    const span = { logBegins: new Date('2026-11-23T06:00:00Z'), now: new Date('2026-12-01T06:30:00Z') };
    expect(failedMornings(rows, SETTINGS, span)).toEqual([
      { date: '2026-11-24', failedChecks: 0, noCheck: true },
      { date: '2026-11-25', failedChecks: 0, noCheck: true },
      { date: '2026-11-26', failedChecks: 1 },
      // Monday 30: nothing; Tuesday 1 December is before its deadline at `now`, so not yet missed.
      { date: '2026-11-30', failedChecks: 0, noCheck: true },
    ]);
    // The period chooses the days (and the caller the rows of it, here none); without a span only
    // days with rows can appear, as before.
    expect(failedMornings([], SETTINGS, { ...span, from: '2026-11-25', to: '2026-11-25' })).toEqual([
      { date: '2026-11-25', failedChecks: 0, noCheck: true },
    ]);
    expect(failedMornings(rows, SETTINGS)).toEqual([{ date: '2026-11-26', failedChecks: 1 }]);
    const closed = {
      ...SETTINGS,
      schedule: { ...SETTINGS.schedule, closed: (d: string) => d === '2026-11-24' },
    };
    expect(failedMornings(rows, closed, span).map((m) => m.date)).not.toContain('2026-11-24');
    expect(failedMornings(rows, SETTINGS, { now: span.now })).toEqual([
      { date: '2026-11-26', failedChecks: 1 },
    ]);
  });

  it('when a school day had no check, then the HTML report lists it as "geen controle" among the mornings without a successful check', () => {
    const rows = [
      row('2026-11-23T06:00:00Z', 'check', { outcome: 'ok' }),
      row('2026-11-25T06:00:00Z', 'check', { outcome: 'ok' }),
    ];
    const html = renderHtmlReport({
      rows,
      verdict: verifyChain(rows),
      school: 'Basisschool De Proeftuin',
      period: { from: '2026-11-23', to: '2026-11-25' },
      timezone: SEED_TIMEZONE,
      generatedAt: new Date('2026-12-01T10:00:00Z'),
      settings: SETTINGS,
      version: '9.8.7',
      logBegins: new Date('2026-11-23T06:00:00Z'),
    });
    expect(html).toContain('1 ochtend zonder geslaagde controle v&oacute;&oacute;r 08:15');
    expect(html).toContain('24 november 2026: geen controle vastgelegd');
  });

  it('when check rows record set-aside reasons, then the report sums them per reason', () => {
    const rows = [
      row('2026-11-25T06:00:00Z', 'check', {
        outcome: 'ok',
        setAside: 3,
        alertsSent: 1,
        setAsideReasons: 'not-a-signal:2,untrusted-sender:1',
      }),
      row('2026-11-26T06:00:00Z', 'check', {
        outcome: 'ok',
        setAside: 1,
        alertsSent: 1,
        setAsideReasons: 'not-a-signal:1',
      }),
    ];
    expect(findingsOf(rows, SETTINGS).setAside).toEqual({
      setAside: 4,
      alertsSent: 2,
      needsReview: 0,
      reasons: { 'not-a-signal': 3, 'untrusted-sender': 1 },
    });
  });

  it('when the seeded year is rendered, then the report shows the failed mornings, the late signal, the settings and the contact in agreeing Dutch', () => {
    const store = SqliteStore.inMemory();
    seedSchoolYear((entry) => store.append(entry));
    const rows = store.rows();
    store.close();
    const findings = findingsOf(rows, SETTINGS);
    expect(findings.failedMornings).toEqual([{ date: SEED_DEAD_MAN_DAY, failedChecks: 3, alarm: 'sent' }]);
    expect(findings.failedChecks.some((f) => f.at.toISOString().startsWith(SEED_FAILED_CHECK_DAY))).toBe(
      true,
    );
    expect(
      findings.signals.filter((f) => f.status === 'late').map((f) => f.receivedAt.toISOString().slice(0, 10)),
    ).toEqual([SEED_LATE_DAY]);
    const html = renderHtmlReport({
      rows,
      verdict: verifyChain(rows),
      school: 'Basisschool De Proeftuin',
      period: {},
      timezone: SEED_TIMEZONE,
      generatedAt: new Date('2026-07-20T10:00:00Z'),
      // The seeded school's holidays: closed days are no missed mornings.
      settings: { ...SETTINGS, schedule: { ...SETTINGS.schedule, closed: seedClosed } },
      version: '9.8.7',
      logBegins: new Date(rows[0]?.at ?? 0),
      privacyContact: { name: 'Functionaris gegevensbescherming', email: 'fg@bestuur.test' },
    });
    expect(html).toContain('1 ochtend zonder geslaagde controle v&oacute;&oacute;r 08:15');
    expect(html).toContain(
      '11 maart 2026: 3 mislukte controles; de zorgco&ouml;rdinator en de achterwacht kregen het alarm',
    );
    expect(html).toContain('bevestigd, maar na de deadline');
    expect(html).toContain('Het logboek begint op ma 18-08-2025 07:00');
    expect(html).toContain('controles om 07:00, 07:45 op maandag, dinsdag, woensdag, donderdag, vrijdag');
    expect(html).toContain('niet binnen 20 minuten bevestigt');
    expect(html).toContain('hwc-watcher 9.8.7');
    expect(html).toContain('Functionaris gegevensbescherming (<span class="nowrap">fg@bestuur.test</span>)');
    expect(html).toContain('1 bericht was geen signaal');
    expect(html).toContain('een eerder geziene kop');
    expect(html).toContain('vingerafdruk');
    expect(html).toContain('counter(page)');
    expect(html).not.toMatch(/\b1 (signalen|bevestigingen|maanden|regels|controles|ochtenden|berichten)\b/);
  }, 60_000);
});
