import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { offlineInstall } from '../support/audit-install.js';
import { SEED_HOLIDAY_RANGES, seedSchoolYear } from '../support/audit-seed.js';
import { proofOfLifeEntry } from '../../src/core/proof-of-life.js';
import { contentExtent, inkedRowShare, readPng } from '../support/png.js';
import { runHwc } from '../support/hwc.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
// In CI a missing browser is a broken setup (.ci/run installs it), so the test runs and fails there.
const skip = !present && !inCi;
if (skip) {
  console.warn(`report-chromium: skipped because ${CHROMIUM} is missing; apt-get install chromium to run it`);
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the HTML audit report in a real browser', () => {
  it.skipIf(skip)(
    'when a year of activity is rendered by hwc audit --format html, then Chromium shows and prints it on A4 without loading anything',
    async () => {
      if (!present) throw new Error(`${CHROMIUM} is missing: .ci/run must install the chromium package`);
      // The seeded school's holidays: closed days are no mornings without a check.
      const install = offlineInstall({
        schedule: {
          checks: ['07:00', '07:45', '08:05'],
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          holidays: { closed: SEED_HOLIDAY_RANGES },
        },
      });
      const store = SqliteStore.open(install.storage);
      const seeded = store.transaction(() => seedSchoolYear((entry) => store.append(entry)));
      // The last week of the year's proof of life: a weekly mail, a self-test found, one lost.
      for (const [at, kind, outcome, counts] of [
        ['2026-07-13T05:02:00Z', 'self-test', 'sent'],
        ['2026-07-13T05:47:00Z', 'self-test', 'arrived'],
        ['2026-07-16T05:02:00Z', 'self-test', 'sent'],
        ['2026-07-16T05:47:00Z', 'self-test', 'missing'],
        ['2026-07-17T05:01:00Z', 'weekly', 'sent', { checks: 15, failed: 0 }],
      ] as const) {
        store.append(proofOfLifeEntry(new Date(at), kind, outcome, counts));
      }
      store.close();

      const out = join(install.dir, 'audit-report.html');
      const run = await runHwc(
        [
          'audit',
          '--config',
          install.configFile,
          '--format',
          'html',
          '--from',
          '2025-08-01',
          '--to',
          '2026-07-31',
          '--out',
          out,
        ],
        { env: install.env },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('');
      expect(statSync(out).mode & 0o777).toBe(0o644);

      const work = mkdtempSync(join(tmpdir(), 'hwc-chromium-'));
      const url = pathToFileURL(out).href;
      const context = await chromium.launchPersistentContext(join(work, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: ARGS,
        viewport: { width: 900, height: 1200 },
      });
      const requests: string[] = [];
      try {
        // Anything other than the report itself is refused, and recorded for the assertion below.
        await context.route('**/*', (route) =>
          route.request().url() === url ? route.continue() : route.abort('blockedbyclient'),
        );
        const page = await context.newPage();
        page.on('request', (request) => requests.push(request.url()));
        await page.goto(url, { waitUntil: 'load' });

        const text = await page.innerText('body');
        for (const heading of [
          'Handle with Care: verantwoording',
          'Wat is Handle with Care?',
          'Wat doet dit programma, en wat bewaart het?',
          'Per maand',
          'Is het logboek ongeschonden?',
          'Wat de mailprovider nog kan bewaren',
          'Elk signaal: op tijd bij een persoon, en verwijderd?',
          'Mislukte controles en ochtenden zonder controle',
          'Berichten voor een persoon',
          'Werkt het nog? Het weekbericht en de zelftest',
          'Instellingen bij het maken van dit rapport',
          'Wie is verantwoordelijk, en wie kunt u iets vragen?',
        ]) {
          expect(text).toContain(heading);
        }
        for (const month of [
          'augustus 2025',
          'september 2025',
          'januari 2026',
          'februari 2026',
          'juli 2026',
        ]) {
          expect(text).toContain(month);
        }
        expect(text).toContain('Het logboek is intact.');
        expect(text).toContain('intact');
        expect(text).toContain('Set-Mailbox -Identity <hwc-mailbox> -RetainDeletedItemsFor 1');
        const monthRows = await page.locator('table.months tbody tr').count();
        expect(monthRows).toBe(12);
        const signalRows = await page.locator('.signals table tbody tr').count();
        expect(signalRows).toBe(seeded.signals);
        expect(text).toContain('tot verwijderen*');
        // The seeded period has a dead-man day, failed checks, a late and on-time confirmations, and a set-aside message.
        expect(text).toContain('1 ochtend zonder geslaagde controle vóór 08:15');
        expect(text).toContain('11 maart 2026: 3 mislukte controles');
        expect(text).toContain('bevestigd, maar na de deadline');
        expect(text).toContain('op tijd bevestigd');
        expect(text).toContain('1 bericht was geen signaal');
        expect(text).toContain('Het logboek begint op');
        expect(text).toContain('1 weekbericht');
        expect(text).toContain(
          '1 testbericht kwam aan en is weer verwijderd; 1 ander testbericht staat hieronder.',
        );
        expect(text).toContain('niet aangekomen; de zorgcoördinator en de achterwacht kregen een alarm');

        const png = join(work, 'report.png');
        const pdf = join(work, 'report.pdf');
        await page.screenshot({ path: png, fullPage: true });
        await page.emulateMedia({ media: 'print' });
        await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
        expect(statSync(png).size).toBeGreaterThan(50_000);
        expect(statSync(pdf).size).toBeGreaterThan(20_000);
        const pdfText = readFileSync(pdf, 'latin1');
        expect(pdfText.startsWith('%PDF-')).toBe(true);
        // A4 is 595 x 842 points; a year of signals takes more than one page.
        const boxes = [...pdfText.matchAll(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)];
        expect(boxes.length).toBeGreaterThan(1);
        for (const [, width, height] of boxes) {
          expect(Math.round(Number(width))).toBe(595);
          expect(Math.round(Number(height))).toBe(842);
        }
        // Every page of the PDF, as PNG: none may be near-empty (a stray heading or one table row).
        execFileSync('pdftoppm', ['-r', '40', '-png', pdf, join(work, 'page')]);
        const pages = readdirSync(work)
          .filter((name) => /^page-\d+\.png$/.test(name))
          .sort();
        expect(pages.length).toBe(boxes.length);
        const fill = pages.map((name) => {
          const image = readPng(join(work, name));
          return { name, extent: contentExtent(image, 18 / 297), inked: inkedRowShare(image) };
        });
        for (const page of fill)
          expect(page.extent, `${page.name} is under a quarter full`).toBeGreaterThan(0.25);
        // The footer and the page number are printed on every page, in the bottom margin.
        const pdfPages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).split('\f');
        for (const [i, pageText] of pdfPages.filter((t) => t.trim()).entries()) {
          expect(pageText).toContain(`pagina ${i + 1} van ${pages.length}`);
          expect(pageText).toContain('hwc-watcher,');
        }
        console.info(
          `report-chromium: screenshot ${png}, PDF ${pdf}, pages ${fill.map((p) => `${p.name} ${p.extent.toFixed(2)}`).join(', ')}`,
        );
      } finally {
        await context.close();
      }
      expect(requests).toEqual([url]);
    },
    120_000,
  );
});
