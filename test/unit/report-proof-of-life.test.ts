import { describe, expect, it } from 'vitest';
import type { AuditRow } from '../../src/core/ports.js';
import { proofOfLifeEntry } from '../../src/core/proof-of-life.js';
import { proofOfLifeSection } from '../../src/core/report/proof-of-life.js';
import { renderHtmlReport } from '../../src/core/report/html.js';
import { verifyChain } from '../../src/core/audit-entry.js';
import type { ReportSettings } from '../../src/core/report/findings.js';

const TZ = 'Europe/Amsterdam';

/** Audit rows as proofOfLifeAfterCheck writes them, numbered in order. */
function rows(...entries: [string, 'weekly' | 'self-test', string, Record<string, number>?][]): AuditRow[] {
  return entries.map(([at, kind, outcome, counts], i) => ({
    id: i + 1,
    ...proofOfLifeEntry(new Date(at), kind, outcome, counts),
    prevHash: '',
    hash: '',
  }));
}

// Two weeks of November 2026: weekly mails on Friday, self-tests on Monday and Thursday.
const TWO_WEEKS = rows(
  ['2026-11-02T06:02:00Z', 'self-test', 'sent'],
  ['2026-11-02T06:47:00Z', 'self-test', 'arrived'],
  ['2026-11-05T06:02:00Z', 'self-test', 'sent'],
  ['2026-11-05T06:47:00Z', 'self-test', 'missing'],
  ['2026-11-05T07:06:00Z', 'self-test', 'arrived-late'],
  ['2026-11-06T06:01:00Z', 'weekly', 'sent', { checks: 15, failed: 0 }],
  ['2026-11-09T06:02:00Z', 'self-test', 'failed'],
  ['2026-11-12T06:02:00Z', 'self-test', 'sent'],
  ['2026-11-12T06:47:00Z', 'self-test', 'missing-unsent'],
  ['2026-11-13T06:01:00Z', 'weekly', 'failed', { checks: 14, failed: 2 }],
  ['2026-11-16T06:02:00Z', 'self-test', 'sent'],
);

describe('proof of life in the HTML report', () => {
  it('when weekly mails and self-tests are in the log, then the section matches its reviewed snapshot', async () => {
    await expect(proofOfLifeSection(TWO_WEEKS, TZ)).toMatchFileSnapshot(
      '__snapshots__/report/proof-of-life.html',
    );
  });

  it('when weekly mails are in the log, then each is a row with its counts and whether it went out', () => {
    const html = proofOfLifeSection(TWO_WEEKS, TZ);
    expect(html).toContain('<h3>2 weekberichten</h3>');
    expect(html).toMatch(
      /06-11-2026 07:01<\/td><td class="num">15<\/td><td class="num">0<\/td><td class="ok">ja<\/td>/,
    );
    expect(html).toMatch(
      /13-11-2026 07:01<\/td><td class="num">14<\/td><td class="num bad">2<\/td><td class="bad">NEE<\/td>/,
    );
  });

  it('when a self-test is sent and found, then it is counted, and every other outcome is a row of its own in words', () => {
    const html = proofOfLifeSection(TWO_WEEKS, TZ);
    expect(html).toContain('<h3>5 zelftests</h3>');
    expect(html).toContain(
      '1 testbericht kwam aan en is weer verwijderd; 4 andere testberichten staan hieronder.',
    );
    expect(html).toContain('te laat aangekomen, na het alarm; daarna verwijderd');
    expect(html).toContain('kon niet worden verstuurd');
    expect(html).toContain('niet aangekomen, en het alarm kon niet worden verstuurd');
    expect(html).toContain('nog niet teruggezocht bij het maken van dit rapport');
    expect(html).not.toMatch(/02-11-2026/);
  });

  it('when a self-test was sent before the period, then its outcome is shown with the moment it was recorded', () => {
    const html = proofOfLifeSection(rows(['2026-11-02T06:47:00Z', 'self-test', 'missing']), TZ);
    expect(html).toContain('v&oacute;&oacute;r deze periode (vastgelegd ');
    expect(html).toContain(
      '0 testberichten kwamen aan en zijn weer verwijderd; 1 ander testbericht staat hieronder.',
    );
  });

  it('when the log has no proof-of-life rows, then the section says that none were recorded, and why that may be', () => {
    expect(proofOfLifeSection([], TZ)).toContain(
      'In deze periode is geen weekbericht en geen zelftest vastgelegd',
    );
  });

  it('when the whole report is rendered, then it has the section, and nothing in it names more than dates and counts', () => {
    const settings: ReportSettings = {
      schedule: { checks: ['07:00'], days: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: TZ },
      deadline: '08:15',
      escalateAfterMinutes: 20,
      purgeAfterMinutes: 480,
      notify: 'escalate',
    };
    const html = renderHtmlReport({
      rows: TWO_WEEKS,
      verdict: verifyChain([]),
      school: 'School',
      period: {},
      timezone: TZ,
      generatedAt: new Date('2026-11-20T10:00:00Z'),
      settings,
      version: '1.2.3',
    });
    expect(html).toContain('<h2>Werkt het nog? Het weekbericht en de zelftest</h2>');
    const section = proofOfLifeSection(TWO_WEEKS, TZ);
    expect(section).not.toMatch(/@|hwc\./);
  });
});
