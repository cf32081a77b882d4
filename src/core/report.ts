import type { ChainBreak, ChainVerdict } from './audit-entry.js';
import type { AuditRow } from './ports.js';
import { localDate } from './schedule.js';
import { DUTCH_MONTHS } from './dutch.js';

/**
 * The audit report for the MR and parents: one self-contained HTML file in Dutch (inline CSS, no
 * scripts, no fonts or images from elsewhere), printable on A4. It is made from the audit rows
 * only, so it can hold nothing but dates, times, counts and outcomes.
 */

export interface ReportPeriod {
  /** ISO date, inclusive; absent for "from the first row". */
  from?: string;
  /** ISO date, inclusive; absent for "up to the last row". */
  to?: string;
}

export interface ReportInput {
  /** The rows of the period, in id order. */
  rows: AuditRow[];
  /** The verdict over the whole log: a chain can only be checked whole. */
  verdict: ChainVerdict;
  school: string;
  period: ReportPeriod;
  timezone: string;
  generatedAt: Date;
}

type Basis = 'confirmation' | 'purge' | 'none';

export interface MonthSummary {
  /** YYYY-MM in the school's timezone. */
  month: string;
  checks: number;
  failedChecks: number;
  signals: number;
  purgeVerified: number;
  purgeNotVerified: number;
  confirmations: number;
  confirmedByPrimary: number;
  confirmedByBackup: number;
  escalated: number;
  /** How quickly a signal reached a person: by confirmation when recorded, else by purge. */
  reach: { basis: Basis; median?: number; worst?: number; samples: number };
}

/** A row written when a signal was finished and purged (one per signal). */
export function isHandledSignal(row: AuditRow): boolean {
  return row.type === 'signal' && (row.data.event === undefined || row.data.event === 'purged');
}

/** A row written when a contact confirmed a signal (one per confirmed signal). */
export function isConfirmation(row: AuditRow): boolean {
  return row.type === 'signal' && row.data.event === 'confirmed';
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[mid - 1] as number) + upper) / 2);
}

function monthOf(iso: string, timezone: string): string {
  return localDate(new Date(iso), timezone).slice(0, 7);
}

function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [year, month] = first.split('-').map(Number) as [number, number];
  const [lastYear, lastMonth] = last.split('-').map(Number) as [number, number];
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    out.push(`${year}-${String(month).padStart(2, '0')}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return out;
}

/**
 * Per month: checks, signals, purges, confirmations, escalations and how quickly signals reached
 * a person. Each confirmation is counted from its own row (event 'confirmed'), because a signal can
 * be confirmed after it was purged; only a log without such rows falls back to the minutesToConfirm
 * of the purge rows, so that no confirmation is counted twice. Escalations are counted from rows
 * with `escalated: true` other than confirmation rows.
 */
export function summariseMonths(
  rows: AuditRow[],
  timezone: string,
  period: ReportPeriod = {},
): MonthSummary[] {
  const firstRow = rows[0];
  const lastRow = rows[rows.length - 1];
  const first = period.from?.slice(0, 7) ?? (firstRow ? monthOf(firstRow.at, timezone) : undefined);
  const last = period.to?.slice(0, 7) ?? (lastRow ? monthOf(lastRow.at, timezone) : undefined);
  if (!first || !last) return [];
  const confirmedIn = rows.some(isConfirmation)
    ? isConfirmation
    : (row: AuditRow) => isHandledSignal(row) && num(row.data.minutesToConfirm) !== undefined;
  const byMonth = new Map<string, AuditRow[]>();
  for (const row of rows) {
    const month = monthOf(row.at, timezone);
    byMonth.set(month, [...(byMonth.get(month) ?? []), row]);
  }
  return monthsBetween(first, last).map((month) => {
    const list = byMonth.get(month) ?? [];
    const checks = list.filter((row) => row.type === 'check');
    const handled = list.filter(isHandledSignal);
    const confirmations = list.filter(confirmedIn);
    const confirmMinutes = confirmations
      .map((row) => num(row.data.minutesToConfirm))
      .filter((n): n is number => n !== undefined);
    const purgeMinutes = handled
      .map((row) => num(row.data.minutesToPurge))
      .filter((n): n is number => n !== undefined);
    const [basis, samples]: [Basis, number[]] =
      confirmMinutes.length > 0
        ? ['confirmation', confirmMinutes]
        : purgeMinutes.length > 0
          ? ['purge', purgeMinutes]
          : ['none', []];
    const med = median(samples);
    return {
      month,
      checks: checks.length,
      failedChecks: checks.filter((row) => row.data.outcome === 'failed').length,
      signals: handled.length,
      purgeVerified: handled.filter((row) => row.data.purgeVerified === true).length,
      purgeNotVerified: handled.filter((row) => row.data.purgeVerified !== true).length,
      confirmations: confirmations.length,
      confirmedByPrimary: confirmations.filter((row) => row.data.confirmedBy === 'primary').length,
      confirmedByBackup: confirmations.filter((row) => row.data.confirmedBy === 'backup').length,
      escalated: list.filter(
        (row) => row.type === 'signal' && !isConfirmation(row) && row.data.escalated === true,
      ).length,
      reach: {
        basis,
        samples: samples.length,
        ...(med === undefined ? {} : { median: med, worst: Math.max(...samples) }),
      },
    };
  });
}

// ---------------------------------------------------------------------------
// Formatting (Dutch)

const WEEKDAYS: Record<string, string> = {
  Mon: 'ma',
  Tue: 'di',
  Wed: 'wo',
  Thu: 'do',
  Fri: 'vr',
  Sat: 'za',
  Sun: 'zo',
};

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function monthLabel(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return `${DUTCH_MONTHS[m - 1] ?? '?'} ${year}`;
}

function dayLabel(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return `${day} ${DUTCH_MONTHS[month - 1] ?? '?'} ${year}`;
}

/** "di 25-11-2026 07:02" in the school's timezone. */
export function dateTimeLabel(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string): string => parts.find((part) => part.type === type)?.value ?? '';
  const weekday = WEEKDAYS[get('weekday')] ?? get('weekday');
  return `${weekday} ${get('day')}-${get('month')}-${get('year')} ${get('hour')}:${get('minute')}`;
}

/** 0 → "minder dan 1 min", 95 → "1 uur 35 min", 4000 → "2 dagen 18 uur". */
export function durationLabel(minutes: number): string {
  if (minutes < 1) return 'minder dan 1 min';
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 24 * 60) {
    const hours = Math.floor(minutes / 60);
    const rest = Math.round(minutes % 60);
    return rest === 0 ? `${hours} uur` : `${hours} uur ${rest} min`;
  }
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.round((minutes % (24 * 60)) / 60);
  const dayText = days === 1 ? '1 dag' : `${days} dagen`;
  return hours === 0 ? dayText : `${dayText} ${hours} uur`;
}

const BREAK_REASONS: Record<ChainBreak, string> = {
  content: 'de inhoud van die regel is na het schrijven gewijzigd',
  link: 'die regel sluit niet aan op de regel ervoor: er is een regel verwijderd, tussengevoegd of verplaatst',
  order: 'de regelnummers lopen daar niet door: er is een regel verwijderd of verplaatst',
  start:
    'het logboek begint daar, terwijl geen vastgelegde opschoning (bewaartermijn) verklaart waar de eerdere regels zijn',
  'head-missing':
    'de laatste hash die u verwachtte staat niet in het logboek: er zijn aan het eind regels verwijderd',
};

function reachCell(summary: MonthSummary): string {
  const { reach } = summary;
  if (reach.basis === 'none' || reach.median === undefined || reach.worst === undefined) {
    return '<td class="muted">&ndash;</td>';
  }
  const values = `<span class="nowrap">${escapeHtml(durationLabel(reach.median))}</span> / <span class="nowrap">${escapeHtml(durationLabel(reach.worst))}</span>`;
  return reach.basis === 'confirmation'
    ? `<td>${values}<div class="basis">tot bevestiging</div></td>`
    : `<td>${values}<div class="basis">tot verwijderen*</div></td>`;
}

function monthRow(summary: MonthSummary): string {
  const purge =
    summary.signals === 0
      ? '<td class="num muted">&ndash;</td>'
      : summary.purgeNotVerified === 0
        ? `<td class="num ok">${summary.purgeVerified} van ${summary.signals}</td>`
        : `<td class="num bad">${summary.purgeVerified} van ${summary.signals}</td>`;
  const confirmed =
    summary.confirmations === 0
      ? '0'
      : `${summary.confirmations}<div class="basis">zc ${summary.confirmedByPrimary}, aw ${summary.confirmedByBackup}</div>`;
  return [
    '<tr>',
    `<th scope="row">${escapeHtml(monthLabel(summary.month))}</th>`,
    `<td class="num">${summary.checks}${summary.failedChecks > 0 ? `<div class="basis bad">${summary.failedChecks} mislukt</div>` : ''}</td>`,
    `<td class="num">${summary.signals}</td>`,
    `<td class="num">${confirmed}</td>`,
    reachCell(summary),
    `<td class="num">${summary.escalated}</td>`,
    purge,
    '</tr>',
  ].join('');
}

function signalRow(row: AuditRow, timezone: string): string {
  const verified = row.data.purgeVerified === true;
  const minutes = num(row.data.minutesToPurge);
  return [
    '<tr>',
    `<td>${escapeHtml(dateTimeLabel(new Date(row.at), timezone))}</td>`,
    `<td>${minutes === undefined ? '&ndash;' : escapeHtml(durationLabel(minutes))}</td>`,
    verified
      ? '<td class="ok">verwijderd en gecontroleerd</td>'
      : '<td class="bad">verwijderd, maar NIET als verdwenen bevestigd</td>',
    '</tr>',
  ].join('');
}

function periodLabel(period: ReportPeriod, rows: AuditRow[], timezone: string): string {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const from = period.from ?? (first ? localDate(new Date(first.at), timezone) : undefined);
  const to = period.to ?? (last ? localDate(new Date(last.at), timezone) : undefined);
  if (!from || !to) return 'het hele logboek (nog leeg)';
  return `${dayLabel(from)} t/m ${dayLabel(to)}`;
}

function chainSection(verdict: ChainVerdict): string {
  if (!verdict.intact) {
    return `<p class="verdict bad">Het logboek is NIET intact.</p>
<p>Vanaf regel ${verdict.firstBrokenId} klopt de hash-keten niet: ${escapeHtml(BREAK_REASONS[verdict.reason])}.
Het logboek is dus na het schrijven veranderd. Meld dit aan de directie en aan de functionaris
gegevensbescherming; de cijfers in dit rapport zijn vanaf die regel niet te vertrouwen.</p>`;
  }
  const pruned =
    verdict.prunedThrough === undefined
      ? ''
      : `<p>Regels 1 t/m ${verdict.prunedThrough} zijn na de bewaartermijn verwijderd. Die opschoning staat
zelf als regel in het logboek, met de hash van de laatste verwijderde regel en een hash over alle
verwijderde regels, zodat wie een ouder rapport heeft kan nagaan dat precies die regels weg zijn.</p>`;
  return `<p class="verdict ok">Het logboek is intact.</p>
<p>Elke regel bevat een hash (SHA-256) van de regel ervoor en van zijn eigen inhoud. Wie achteraf een
regel wijzigt, weghaalt of van plaats verwisselt, breekt die keten vanaf dat punt. Bij het maken van
dit rapport is de hele keten opnieuw berekend: ${verdict.rows} regels, de laatste is regel
${verdict.headId}, en alles klopt.</p>
<p>Kop van de keten (hash van de laatste regel):<br><code>${escapeHtml(verdict.head)}</code></p>
<p>Bewaar deze kop, of vergelijk hem met de kop in de systeemlogboeken van de server (elke controle
schrijft hem daar): zo ziet u later ook of er aan het eind regels zijn verwijderd.</p>
${pruned}`;
}

const STYLE = `
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
* { box-sizing: border-box; }
html { color-scheme: light; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; padding: 12mm 0; max-width: 180mm; color: #1b1f24; background: #fff;
  font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.45; }
header { border-bottom: 2px solid #1f4e79; padding-bottom: 4mm; margin-bottom: 5mm; }
h1 { font-size: 18pt; margin: 0 0 2mm; color: #1f4e79; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; color: #1f4e79; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; break-after: avoid; }
p, ul { margin: 0 0 2.5mm; }
ul { padding-left: 5mm; }
.meta { color: #4a5561; margin: 0; }
.columns { display: flex; gap: 6mm; }
.columns > div { flex: 1; }
.summary { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 2mm 0 3mm; }
.summary div { border: 1px solid #c9d3dd; border-radius: 2mm; padding: 2mm 3mm; break-inside: avoid; }
.summary b { display: block; font-size: 15pt; color: #1f4e79; }
table { width: 100%; border-collapse: collapse; margin: 1mm 0 2mm; font-size: 9pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 1px solid #d5dde5; padding: 1.2mm 1.8mm; text-align: left; vertical-align: top; }
thead th { background: #e8eef4; border-bottom: 1.5px solid #1f4e79; font-weight: bold; }
tbody th { font-weight: normal; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.basis { font-size: 7.5pt; color: #5b6670; }
.muted { color: #8a949e; }
.nowrap { white-space: nowrap; }
.ok { color: #17612e; }
.bad { color: #a4161a; font-weight: bold; }
.verdict { font-size: 12pt; font-weight: bold; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; word-break: break-all; }
pre { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; background: #f3f5f7;
  border: 1px solid #d5dde5; padding: 2mm 3mm; white-space: pre-wrap; word-break: break-all; margin: 1mm 0 3mm; }
.note { font-size: 8.5pt; color: #4a5561; }
footer { margin-top: 8mm; border-top: 1px solid #c9d3dd; padding-top: 2mm; font-size: 8pt; color: #5b6670; }
.signals { break-before: page; page-break-before: always; }
@media print { body { padding: 0; max-width: none; } }
`;

export function renderHtmlReport(input: ReportInput): string {
  const { rows, verdict, timezone } = input;
  const months = summariseMonths(rows, timezone, input.period);
  const handled = rows.filter(isHandledSignal);
  const totals = months.reduce(
    (sum, m) => ({
      checks: sum.checks + m.checks,
      failed: sum.failed + m.failedChecks,
      signals: sum.signals + m.signals,
      verified: sum.verified + m.purgeVerified,
      confirmations: sum.confirmations + m.confirmations,
      escalated: sum.escalated + m.escalated,
    }),
    { checks: 0, failed: 0, signals: 0, verified: 0, confirmations: 0, escalated: 0 },
  );
  const prunes = rows.filter((row) => row.type === 'prune');
  const anyPurgeBasis = months.some((m) => m.reach.basis === 'purge');
  const period = periodLabel(input.period, rows, timezone);
  const generated = dateTimeLabel(input.generatedAt, timezone);

  const monthTable =
    months.length === 0
      ? '<p>Er zijn in deze periode geen regels in het logboek.</p>'
      : `<table>
<thead><tr><th>Maand</th><th class="num">Controles</th><th class="num">Signalen</th><th class="num">Bevestigd</th>
<th>Bij een persoon<div class="basis">mediaan / langste</div></th><th class="num">Ge&euml;scaleerd</th>
<th class="num">Verwijderd en gecontroleerd</th></tr></thead>
<tbody>
${months.map(monthRow).join('\n')}
</tbody>
</table>
<p class="note">Bevestigd: zc = zorgco&ouml;rdinator, aw = achterwacht. &ldquo;Bij een persoon&rdquo; is de tijd van
ontvangst van het signaal tot de bevestiging door een medewerker.${
          anyPurgeBasis
            ? ` * In maanden zonder vastgelegde bevestiging staat daar de tijd van ontvangst tot het
verwijderen van het signaal. Op dat moment had de mailserver de melding aan de medewerkers al
aangenomen, maar dat bewijst niet dat iemand haar gelezen heeft.`
            : ''
        }</p>`;

  const signalTable =
    handled.length === 0
      ? '<p>In deze periode is geen signaal afgehandeld.</p>'
      : `<table>
<thead><tr><th>Datum en tijd van verwijderen</th><th>Tijd sinds ontvangst</th><th>Uitkomst</th></tr></thead>
<tbody>
${handled.map((row) => signalRow(row, timezone)).join('\n')}
</tbody>
</table>`;

  const pruneText =
    prunes.length === 0
      ? ''
      : `<p>Opschoning volgens de bewaartermijn in deze periode: ${prunes
          .map(
            (row) =>
              `${escapeHtml(dateTimeLabel(new Date(row.at), timezone))}: ${escapeHtml(row.data.removedRows)} regels van v&oacute;&oacute;r ${escapeHtml(
                typeof row.data.before === 'string'
                  ? dateTimeLabel(new Date(row.data.before), timezone)
                  : '?',
              )} verwijderd`,
          )
          .join('; ')}.</p>`;

  return `<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Handle with Care: logboek ${escapeHtml(input.school)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Handle with Care: verantwoording</h1>
<p class="meta"><strong>${escapeHtml(input.school)}</strong> &middot; periode: ${escapeHtml(period)}</p>
<p class="meta">Gemaakt op ${escapeHtml(generated)} (tijdzone ${escapeHtml(timezone)}) uit het logboek van hwc-watcher.</p>
</header>

<h2>Wat is Handle with Care?</h2>
<p>Handle with Care is een afspraak tussen politie, Veilig Thuis, gemeente en scholen. Als de politie
bij een leerling thuis is geweest, bijvoorbeeld na huiselijk geweld, krijgt de school v&oacute;&oacute;r de
volgende schooldag een kort signaal: alleen de naam en geboortedatum van de leerling en de woorden
&ldquo;Handle with Care&rdquo;. Wat er gebeurd is, staat er niet in. De school weet dan dat deze leerling een
zware nacht achter de rug kan hebben en kan hem of haar die dag extra steun en begrip geven.</p>

<h2>Wat doet dit programma, en wat bewaart het?</h2>
<p>De school heeft voor deze signalen een aparte mailbox. Het programma hwc-watcher kijkt daar op
schooldagen &rsquo;s ochtends v&oacute;&oacute;r de lessen in. Staat er een signaal, dan stuurt het de naam en
geboortedatum door naar de zorgco&ouml;rdinator en de achterwacht, bevestigt het de ontvangst aan de
afzender (zonder gegevens van de leerling), en verwijdert het daarna het signaal uit alle mappen van
de mailbox. Daarna zoekt het opnieuw om te controleren dat het echt weg is.</p>
<div class="columns">
<div>
<h3>Wel bewaard, in dit logboek</h3>
<ul>
<li>per controle: datum, tijd, duur, uitkomst en aantallen</li>
<li>per signaal: wanneer het is afgehandeld, hoe snel, of het verwijderen is gecontroleerd</li>
<li>per bevestiging: wanneer, en of het de zorgco&ouml;rdinator of de achterwacht was</li>
</ul>
</div>
<div>
<h3>Nooit bewaard, nergens</h3>
<ul>
<li>de naam of geboortedatum van een leerling</li>
<li>het onderwerp, de inhoud of de afzender van een signaal</li>
<li>adressen of berichtkenmerken (Message-ID)</li>
</ul>
</div>
</div>

<h2>Samenvatting</h2>
<div class="summary">
<div><b>${totals.signals}</b>signalen afgehandeld</div>
<div><b>${totals.verified} van ${totals.signals}</b>verwijderd en gecontroleerd</div>
<div><b>${totals.confirmations}</b>bevestigingen door een medewerker</div>
<div><b>${totals.escalated}</b>keer ge&euml;scaleerd naar de achterwacht</div>
<div><b>${totals.checks}</b>controles van de mailbox</div>
<div><b>${totals.failed}</b>controles mislukt</div>
<div><b class="${verdict.intact ? 'ok' : 'bad'}">${verdict.intact ? 'intact' : 'NIET intact'}</b>logboek (hash-keten)</div>
<div><b>${months.length}</b>maanden in dit rapport</div>
</div>

<h2>Per maand</h2>
${monthTable}

<h2>Is het logboek ongeschonden?</h2>
${chainSection(verdict)}
${pruneText}

<h2>Wat de mailprovider nog kan bewaren</h2>
<p>Het programma verwijdert een signaal uit alle mappen die het via IMAP kan zien, en controleert dat.
Sommige mailproviders houden verwijderde berichten daarna nog een tijd vast, buiten het bereik van
dit programma. Dat is geen fout van de school, maar het hoort eerlijk vermeld te worden:</p>
<ul>
<li><strong>Microsoft 365 (Exchange Online):</strong> een verwijderd bericht gaat naar de verborgen map
&ldquo;Recoverable Items&rdquo; (Herstelbare items) en blijft daar standaard 14 dagen; een beheerder kan dat
verlengen tot hoogstens 30 dagen. De beheerder kan het voor de HwC-mailbox ook verkorten, met Exchange
Online PowerShell:
<pre>Set-Mailbox -Identity &lt;hwc-mailbox&gt; -RetainDeletedItemsFor 1</pre>
Een bewaarbeleid (retention policy), Litigation Hold of In-Place Hold op de mailbox gaat daar boven:
zet de HwC-mailbox daar niet onder. Exchange ruimt verlopen items niet op de minuut op; dat kan enkele
dagen later gebeuren.</li>
<li><strong>Gmail (Google Workspace):</strong> berichten in de Prullenbak worden na 30 dagen definitief
verwijderd. Een beheerder van Google Workspace kan definitief verwijderde mail daarna nog 25 dagen
terugzetten, en Google Vault kan mail langer bewaren als daar een bewaarregel voor geldt. Kies in de
IMAP-instellingen van Gmail dat een bericht dat uit de laatste zichtbare IMAP-map wordt gewist, direct
definitief wordt verwijderd (standaard wordt het alleen gearchiveerd).</li>
<li><strong>De mailboxen van de medewerkers:</strong> de melding aan de zorgco&ouml;rdinator en de
achterwacht bevat de naam van de leerling. Die kan het programma niet verwijderen; de melding vraagt
hen dat zelf te doen.</li>
</ul>

<h2>Zelf controleren</h2>
<p>Een beheerder van de school kan op de server laten zien dat dit rapport klopt:</p>
<pre>hwc audit verify --config /etc/hwc-watcher/hwc.yaml --expect-head &lt;kop van een eerder rapport&gt;
hwc privacy-check --config /etc/hwc-watcher/hwc.yaml</pre>
<p>De eerste berekent de hash-keten opnieuw en controleert dat een eerder gezien kop er nog in staat. De
tweede vraagt om een naam en geboortedatum (wat u typt wordt niet getoond), doorzoekt elk bestand van
het programma (ook vrije ruimte in de database) op die naam en geboortedatum in alle vormen waarin die
opgeslagen kunnen zijn, en meldt alleen of er iets gevonden is.</p>

<section class="signals">
<h2>Elk signaal: verwijderd en gecontroleerd?</h2>
<p>Per afgehandeld signaal het moment van verwijderen en of het programma daarna heeft bevestigd dat
het uit alle mappen verdwenen is. Er staat bewust niets in dat naar een leerling kan leiden.</p>
${signalTable}
</section>

<footer>hwc-watcher &middot; ${escapeHtml(input.school)} &middot; ${escapeHtml(period)} &middot; gemaakt op ${escapeHtml(generated)}</footer>
</body>
</html>
`;
}
