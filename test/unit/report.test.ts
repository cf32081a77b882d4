import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit-entry.js';
import type { AuditRow } from '../../src/core/ports.js';
import { renderHtmlReport } from '../../src/core/report/html.js';
import { durationLabel } from '../../src/core/report/labels.js';
import { median, summariseMonths } from '../../src/core/report/summary.js';
import type { ReportSettings } from '../../src/core/report/findings.js';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import {
  SEED_TIMEZONE,
  SEED_UNCONFIRMED_MONTH,
  SEED_UNVERIFIED_PURGE_DAY,
  seedSchoolYear,
} from '../support/audit-seed.js';

function seededYear(): { rows: AuditRow[]; summary: ReturnType<typeof seedSchoolYear> } {
  const store = SqliteStore.inMemory();
  const summary = seedSchoolYear((entry) => store.append(entry));
  const rows = store.rows();
  store.close();
  return { rows, summary };
}

const GENERATED = new Date('2026-07-20T10:00:00.000Z');

const SETTINGS: ReportSettings = {
  schedule: {
    checks: ['07:00', '07:45', '08:05'],
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: SEED_TIMEZONE,
  },
  deadline: '08:15',
  escalateAfterMinutes: 20,
  purgeAfterMinutes: 480,
  notify: 'escalate',
};
const EXTRA = { settings: SETTINGS, version: '1.2.3' };

describe('audit report', () => {
  it('when a school year is summarised, then every month is there and the counts add up', () => {
    const { rows, summary } = seededYear();
    const months = summariseMonths(rows, SEED_TIMEZONE);
    expect(months.map((m) => m.month)).toEqual([
      '2025-08',
      '2025-09',
      '2025-10',
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
    ]);
    expect(months.reduce((n, m) => n + m.signals, 0)).toBe(summary.signals);
    expect(months.reduce((n, m) => n + m.confirmations, 0)).toBe(summary.confirmations);
    expect(months.reduce((n, m) => n + m.escalated, 0)).toBe(summary.escalated);
    expect(months.reduce((n, m) => n + m.checks, 0)).toBe(summary.checks);
    for (const m of months) expect(m.signals, m.month).toBe(summary.signalsByMonth[m.month] ?? 0);
    expect(months.find((m) => m.month === SEED_UNCONFIRMED_MONTH)?.reach.basis).toBe('purge');
    expect(months.find((m) => m.month === '2026-01')?.purgeNotVerified).toBe(1);
    // One failed check on SEED_FAILED_CHECK_DAY, and all three of SEED_DEAD_MAN_DAY.
    expect(months.find((m) => m.month === '2026-03')?.failedChecks).toBe(4);
  });

  it('when a signal row carries minutesToConfirm and a confirmation row does too, then it is counted once', () => {
    const rows: AuditRow[] = [
      row(1, '2026-11-02T06:20:00.000Z', { event: 'confirmed', confirmedBy: 'backup', minutesToConfirm: 20 }),
      row(2, '2026-11-02T06:21:00.000Z', {
        minutesToPurge: 21,
        minutesToConfirm: 20,
        escalated: true,
        purgeVerified: true,
      }),
      row(3, '2026-11-03T06:05:00.000Z', { event: 'confirmed', confirmedBy: 'primary', minutesToConfirm: 4 }),
      row(4, '2026-11-03T06:06:00.000Z', {
        minutesToPurge: 5,
        minutesToConfirm: 4,
        escalated: false,
        purgeVerified: true,
      }),
    ];
    const [november] = summariseMonths(rows, 'Europe/Amsterdam');
    expect(november).toMatchObject({
      signals: 2,
      confirmations: 2,
      confirmedByPrimary: 1,
      confirmedByBackup: 1,
      escalated: 1,
      reach: { basis: 'confirmation', median: 12, worst: 20, samples: 2 },
    });
  });

  it('when the log has no confirmation rows, then the purge rows give the time to confirm', () => {
    const rows = [
      row(1, '2026-11-02T06:21:00.000Z', { minutesToPurge: 21, minutesToConfirm: 19, purgeVerified: true }),
    ];
    expect(summariseMonths(rows, 'Europe/Amsterdam')[0]?.reach).toEqual({
      basis: 'confirmation',
      median: 19,
      worst: 19,
      samples: 1,
    });
  });

  it('when the report is rendered, then it is Dutch, self-contained and names the months and the chain', () => {
    const { rows } = seededYear();
    const html = renderHtmlReport({
      rows,
      verdict: verifyChain(rows),
      school: 'Basisschool De Proeftuin',
      period: { from: '2025-08-01', to: '2026-07-31' },
      timezone: SEED_TIMEZONE,
      generatedAt: GENERATED,
      ...EXTRA,
    });
    expect(html).toContain('<html lang="nl">');
    expect(html).toContain('Wat is Handle with Care?');
    expect(html).toContain('Per maand');
    expect(html).toContain('september 2025');
    expect(html).toContain('juli 2026');
    expect(html).toContain('Het logboek is intact.');
    expect(html).toContain('Set-Mailbox -Identity &lt;hwc-mailbox&gt; -RetainDeletedItemsFor 1');
    expect(html).toContain('tot verwijderen*');
    expect(html).toContain('@page { size: A4;');
    expect(html).toContain('1 augustus 2025 t/m 31 juli 2026');
    expect(html).toContain('ma 20-07-2026 12:00');
    const unverified = new RegExp(
      `${SEED_UNVERIFIED_PURGE_DAY.split('-').reverse().join('-')} \\d\\d:\\d\\d</td>[^\\n]*<td class="bad">NEE</td></tr>`,
    );
    expect(html).toMatch(unverified);
    // Self-contained: no script, no external reference of any kind.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|https?:\/\/|src=|href=/i);
  });

  it('when a value holds markup, then it is escaped', () => {
    const html = renderHtmlReport({
      rows: [],
      verdict: verifyChain([]),
      school: '<script>alert("x")</script> & Co',
      period: {},
      timezone: 'Europe/Amsterdam',
      generatedAt: GENERATED,
      ...EXTRA,
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
  });

  it('when the chain is broken, then the report says so and where', () => {
    const html = renderHtmlReport({
      rows: [],
      verdict: { intact: false, firstBrokenId: 7, reason: 'content' },
      school: 'School',
      period: {},
      timezone: 'Europe/Amsterdam',
      generatedAt: GENERATED,
      ...EXTRA,
    });
    expect(html).toContain('Het logboek is NIET intact.');
    expect(html).toContain('Vanaf regel 7');
  });

  it('when durations are shown, then they read as Dutch minutes, hours and days', () => {
    expect([0, 7, 60, 95, 1440, 4000].map(durationLabel)).toEqual([
      'minder dan 1 min',
      '7 min',
      '1 uur',
      '1 uur 35 min',
      '1 dag',
      '2 dagen 19 uur',
    ]);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([1, 2, 3, 10])).toBe(3);
    expect(median([])).toBeUndefined();
  });
});

function row(id: number, at: string, data: AuditRow['data']): AuditRow {
  return { id, at, type: 'signal', data, prevHash: '', hash: '' };
}
