import type { AuditRow } from '../ports.js';
import { count } from '../dutch.js';
import { num } from './summary.js';
import { dateTimeLabel, escapeHtml } from './labels.js';

/**
 * The report's section on proof of life (audit type `proof-of-life`, README "Proof of life"): the
 * weekly mail to the contacts with its counts, and the self-test messages to the HwC mailbox with
 * what became of each. Dates, counts and outcomes only, like the rows themselves.
 */

type TestOutcome = 'on-its-way' | 'unsent' | 'arrived' | 'arrived-late' | 'missing' | 'missing-unsent';

interface SelfTest {
  /** When it was sent; absent when its sending lies before the report's period. */
  sentAt?: Date;
  /** When the last thing about it was recorded. */
  at: Date;
  outcome: TestOutcome;
}

const FOLLOW_UPS: Readonly<Record<string, TestOutcome>> = {
  arrived: 'arrived',
  'arrived-late': 'arrived-late',
  missing: 'missing',
  'missing-unsent': 'missing-unsent',
};

/** One entry per test: its `sent` (or `failed`) row, then what the later checks found. */
function selfTests(rows: readonly AuditRow[]): SelfTest[] {
  const tests: SelfTest[] = [];
  for (const row of rows) {
    if (row.type !== 'proof-of-life' || row.data.kind !== 'self-test') continue;
    const at = new Date(row.at);
    const outcome = row.data.outcome;
    if (outcome === 'sent' || outcome === 'failed') {
      tests.push({ sentAt: at, at, outcome: outcome === 'sent' ? 'on-its-way' : 'unsent' });
      continue;
    }
    const next = typeof outcome === 'string' ? FOLLOW_UPS[outcome] : undefined;
    if (!next) continue;
    const last = tests.at(-1);
    if (
      last &&
      (last.outcome === 'on-its-way' || last.outcome === 'missing' || last.outcome === 'missing-unsent')
    ) {
      last.at = at;
      last.outcome = next;
    } else {
      tests.push({ at, outcome: next });
    }
  }
  return tests;
}

const TEST_OUTCOME: Readonly<Record<TestOutcome, string>> = {
  'on-its-way': '<td>nog niet teruggezocht bij het maken van dit rapport</td>',
  unsent: '<td class="bad">kon niet worden verstuurd</td>',
  arrived: '<td class="ok">aangekomen en verwijderd</td>',
  'arrived-late': '<td class="bad">te laat aangekomen, na het alarm; daarna verwijderd</td>',
  missing: '<td class="bad">niet aangekomen; de zorgco&ouml;rdinator en de achterwacht kregen een alarm</td>',
  'missing-unsent': '<td class="bad">niet aangekomen, en het alarm kon niet worden verstuurd</td>',
};

function weeklyTable(rows: readonly AuditRow[], timezone: string): string {
  if (rows.length === 0) return '<p>In deze periode is geen weekbericht vastgelegd.</p>';
  const line = (row: AuditRow): string => {
    const checks = num(row.data.checks);
    const failed = num(row.data.failed);
    return [
      '<tr>',
      `<td class="nowrap">${escapeHtml(dateTimeLabel(new Date(row.at), timezone))}</td>`,
      `<td class="num">${checks ?? '&ndash;'}</td>`,
      `<td class="num${failed ? ' bad' : ''}">${failed ?? '&ndash;'}</td>`,
      row.data.outcome === 'sent' ? '<td class="ok">ja</td>' : '<td class="bad">NEE</td>',
      '</tr>',
    ].join('');
  };
  return `<table class="compact">
<thead><tr><th>Datum</th><th class="num">Controles in de 7 dagen ervoor</th><th class="num">Waarvan mislukt</th><th>Verstuurd</th></tr></thead>
<tbody>
${rows.map(line).join('\n')}
</tbody>
</table>`;
}

function selfTestTable(tests: readonly SelfTest[], timezone: string): string {
  if (tests.length === 0) return '<p>In deze periode is geen zelftest vastgelegd.</p>';
  const arrived = tests.filter((t) => t.outcome === 'arrived').length;
  const others = tests.filter((t) => t.outcome !== 'arrived');
  const table =
    others.length === 0
      ? ''
      : `<table class="compact">
<thead><tr><th>Testbericht van</th><th>Wat ermee gebeurde</th></tr></thead>
<tbody>
${others
  .map((t) => {
    const sent = t.sentAt
      ? escapeHtml(dateTimeLabel(t.sentAt, timezone))
      : `v&oacute;&oacute;r deze periode (vastgelegd ${escapeHtml(dateTimeLabel(t.at, timezone))})`;
    return `<tr><td class="nowrap">${sent}</td>${TEST_OUTCOME[t.outcome]}</tr>`;
  })
  .join('\n')}
</tbody>
</table>`;
  const all = arrived === tests.length;
  return `<p>${count(arrived, 'testbericht kwam', 'testberichten kwamen')} aan en ${arrived === 1 ? 'is' : 'zijn'} weer verwijderd${
    all
      ? '.'
      : `; ${count(others.length, 'ander testbericht staat', 'andere testberichten staan')} hieronder.`
  }</p>
${table}`;
}

export function proofOfLifeSection(rows: readonly AuditRow[], timezone: string): string {
  const weekly = rows.filter((row) => row.type === 'proof-of-life' && row.data.kind === 'weekly');
  const tests = selfTests(rows);
  const body =
    weekly.length === 0 && tests.length === 0
      ? `<p>In deze periode is geen weekbericht en geen zelftest vastgelegd: de school heeft deze
controles niet ingesteld, of ze vielen buiten deze periode.</p>`
      : `<h3>${count(weekly.length, 'weekbericht', 'weekberichten')}</h3>
${weeklyTable(weekly, timezone)}
<h3>${count(tests.length, 'zelftest', 'zelftests')}</h3>
${selfTestTable(tests, timezone)}`;
  return `<h2>Werkt het nog? Het weekbericht en de zelftest</h2>
<p>Signalen zijn zeldzaam. Daarom kan de school twee extra controles instellen. Met het weekbericht krijgen de
zorgco&ouml;rdinator en de achterwacht elke week een e-mail zonder inhoud met het aantal controles van die week. Bij
de zelftest stuurt het programma op vaste dagen een testbericht naar de HwC-mailbox zelf, dat het bij een volgende controle
terugzoekt en verwijdert: zo blijkt dat mail de mailbox nog bereikt. Komt het niet aan, dan krijgen beiden
een alarm. Hier staan alleen data, aantallen en uitkomsten.</p>
${body}`;
}
