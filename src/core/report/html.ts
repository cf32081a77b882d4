import type { ChainBreak, ChainVerdict } from '../audit-entry.js';
import type { AuditRow } from '../ports.js';
import { RETENTION_FACTS } from '../provider-retention.js';
import { count, nounFor } from '../dutch.js';
import { findingsOf, type Findings, type ReportSettings } from './findings.js';
import { cssString, dateTimeLabel, durationLabel, escapeHtml, monthLabel, periodLabel } from './labels.js';
import {
  failureSection,
  logBeginsText,
  responsibleSection,
  setAsideSection,
  settingsSection,
  signalSection,
  type PrivacyContactText,
} from './sections.js';
import { proofOfLifeSection } from './proof-of-life.js';
import { STYLE } from './style.js';
import { summariseReport, type MonthSummary, type ReportPeriod, type ReportSummary } from './summary.js';

export { escapeHtml };

/**
 * The audit report for the MR and parents: one self-contained HTML file in Dutch (inline CSS, no
 * scripts, no fonts or images from elsewhere), printable on A4. It is made from the audit rows
 * only, so it can hold nothing but dates, times, counts and outcomes.
 */

export interface ReportInput {
  /** The rows of the period, in id order. */
  rows: AuditRow[];
  /** The verdict over the whole log: a chain can only be checked whole. */
  verdict: ChainVerdict;
  school: string;
  period: ReportPeriod;
  timezone: string;
  generatedAt: Date;
  /** The settings in force: check times, deadline, escalation; the per-signal deadlines use them. */
  settings: ReportSettings;
  version: string;
  /** When the first row of the whole log (not only of the period) was written. */
  logBegins?: Date;
  privacyContact?: PrivacyContactText;
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
dit rapport is de hele keten opnieuw berekend: ${count(verdict.rows, 'regel', 'regels')}, de laatste is regel
${verdict.headId}, en alles klopt.</p>
<p>Kop van de keten:<br><code>${escapeHtml(verdict.head)}</code></p>
<p>De &ldquo;kop van de keten&rdquo; is een soort vingerafdruk van het hele logboek tot en met de laatste regel:
een lange code die er totaal anders uitziet zodra er ook maar &eacute;&eacute;n regel is veranderd. Bewaar dit rapport,
of schrijf de kop over. Laat bij het volgende rapport nagaan dat deze kop er nog in staat (zie
&ldquo;Zelf controleren&rdquo;): dan weet u dat er sindsdien ook aan het eind niets is weggehaald. De
server schrijft de kop ook na elke controle in zijn systeemlogboek.</p>
${pruned}`;
}

function documentHead(school: string, extraStyle: string): string {
  return `<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Handle with Care: logboek ${escapeHtml(school)}</title>
<style>${STYLE}${extraStyle}</style>
</head>`;
}

function pageHeader(input: ReportInput, period: string, generated: string): string {
  return `<header>
<h1>Handle with Care: verantwoording</h1>
<p class="meta"><strong>${escapeHtml(input.school)}</strong> &middot; periode: ${escapeHtml(period)}</p>
<p class="meta">Gemaakt op ${escapeHtml(generated)} (tijdzone ${escapeHtml(input.timezone)}) uit het logboek van hwc-watcher ${escapeHtml(input.version)}.</p>
<p class="meta">${logBeginsText(input.logBegins, input.timezone)}</p>
</header>`;
}

// Margin boxes do not inherit the body's font.
const MARGIN_TEXT =
  'font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 7.5pt; color: #5b6670;';

/** Page numbers and the footer on every printed page (CSS paged media margin boxes). */
function printFooter(school: string, period: string): string {
  return `@page { @bottom-left { content: ${cssString(`hwc-watcher, ${school}, ${period}`)}; ${MARGIN_TEXT} }
@bottom-right { content: "pagina " counter(page) " van " counter(pages); ${MARGIN_TEXT} } }`;
}

/** What Handle with Care is, and what this program keeps and never keeps. */
const ABOUT_SECTIONS = `<h2>Wat is Handle with Care?</h2>
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
</div>`;

function box(n: number, text: string, cls = ''): string {
  return `<div><b${cls ? ` class="${cls}"` : ''}>${n}</b>${text}</div>`;
}

function summarySection(
  summary: ReportSummary,
  findings: Findings,
  verdict: ChainVerdict,
  deadline: string,
): string {
  const { totals } = summary;
  const onTime = findings.signals.filter((f) => f.status === 'on-time' || f.status === 'sent-on-time').length;
  const mornings = findings.failedMornings.length;
  return `<h2>Samenvatting</h2>
<div class="summary">
${box(totals.signals, `${nounFor(totals.signals, 'signaal', 'signalen')} afgehandeld`)}
<div><b class="${onTime === totals.signals ? 'ok' : 'bad'}">${onTime} van ${totals.signals}</b>op tijd bij een persoon</div>
<div><b>${totals.verified} van ${totals.signals}</b>verwijderd en gecontroleerd</div>
${box(totals.escalated, 'keer naar de achterwacht')}
${box(totals.checks, `${nounFor(totals.checks, 'controle', 'controles')} van de mailbox`)}
${box(totals.failed, `${nounFor(totals.failed, 'controle', 'controles')} mislukt`, totals.failed > 0 ? 'bad' : '')}
${box(mornings, `${nounFor(mornings, 'ochtend', 'ochtenden')} zonder geslaagde controle v&oacute;&oacute;r ${escapeHtml(deadline)}`, mornings > 0 ? 'bad' : '')}
<div><b class="${verdict.intact ? 'ok' : 'bad'}">${verdict.intact ? 'intact' : 'NIET intact'}</b>logboek (hash-keten)</div>
</div>
<p class="note">${count(totals.confirmations, 'bevestiging', 'bevestigingen')} door een medewerker,
${count(findings.setAside.setAside, 'bericht', 'berichten')} apart gezet voor een persoon,
${count(summary.months.length, 'maand', 'maanden')} in dit rapport.</p>`;
}

function monthTable(summary: ReportSummary): string {
  const { months } = summary;
  if (months.length === 0) return '<p>Er zijn in deze periode geen regels in het logboek.</p>';
  return `<table class="months">
<thead><tr><th>Maand</th><th class="num">Controles</th><th class="num">Signalen</th><th class="num">Bevestigd</th>
<th>Bij een persoon<div class="basis">mediaan / langste</div></th><th class="num">Ge&euml;scaleerd</th>
<th class="num">Verwijderd en gecontroleerd</th></tr></thead>
<tbody>
${months.map(monthRow).join('\n')}
</tbody>
</table>
<p class="note">Bevestigd: zc = zorgco&ouml;rdinator, aw = achterwacht. &ldquo;Bij een persoon&rdquo; is de tijd van
ontvangst van het signaal tot de bevestiging door een medewerker.${
    summary.anyPurgeBasis
      ? ` * In maanden zonder vastgelegde bevestiging staat daar de tijd van ontvangst tot het
verwijderen van het signaal. Op dat moment had de mailserver de melding aan de medewerkers al
aangenomen, maar dat bewijst niet dat iemand haar gelezen heeft.`
      : ''
  }</p>`;
}

function pruneText(prunes: AuditRow[], timezone: string): string {
  if (prunes.length === 0) return '';
  const entries = prunes.map(
    (row) =>
      `${escapeHtml(dateTimeLabel(new Date(row.at), timezone))}: ${escapeHtml(count(Number(row.data.removedRows), 'regel', 'regels'))} van v&oacute;&oacute;r ${escapeHtml(
        typeof row.data.before === 'string' ? dateTimeLabel(new Date(row.data.before), timezone) : '?',
      )} verwijderd`,
  );
  return `<p>Opschoning volgens de bewaartermijn in deze periode: ${entries.join('; ')}.</p>`;
}

/** What a mail provider may keep after the purge, out of this program's reach (the facts: provider-retention.ts). */
const { exchange, gmail } = RETENTION_FACTS;

const PROVIDER_SECTION = `<h2>Wat de mailprovider nog kan bewaren</h2>
<p>Het programma verwijdert een signaal uit alle mappen die het via IMAP kan zien, en controleert dat.
Sommige mailproviders houden verwijderde berichten daarna nog een tijd vast, buiten het bereik van
dit programma. Dat is geen fout van de school, maar het hoort eerlijk vermeld te worden:</p>
<ul>
<li><strong>Microsoft 365 (Exchange Online):</strong> een verwijderd bericht gaat naar de verborgen map
&ldquo;Recoverable Items&rdquo; (Herstelbare items) en blijft daar standaard ${exchange.recoverableDays} dagen; een beheerder kan dat
verlengen tot hoogstens ${exchange.recoverableMaxDays} dagen. De beheerder kan het voor de HwC-mailbox ook verkorten, met Exchange
Online PowerShell:
<pre>${escapeHtml(exchange.shortenCommand)}</pre>
Een bewaarbeleid (retention policy), Litigation Hold of In-Place Hold op de mailbox gaat daar boven:
zet de HwC-mailbox daar niet onder. Exchange ruimt verlopen items niet op de minuut op; dat kan enkele
dagen later gebeuren.</li>
<li><strong>Gmail (Google Workspace):</strong> berichten in de Prullenbak worden na ${gmail.trashDays} dagen definitief
verwijderd. Een beheerder van Google Workspace kan definitief verwijderde mail daarna nog ${gmail.adminRestoreDays} dagen
terugzetten, en Google Vault kan mail langer bewaren als daar een bewaarregel voor geldt. Kies in de
IMAP-instellingen van Gmail dat een bericht dat uit de laatste zichtbare IMAP-map wordt gewist, direct
definitief wordt verwijderd (standaard wordt het alleen gearchiveerd).</li>
<li><strong>De mailboxen van de medewerkers:</strong> de melding aan de zorgco&ouml;rdinator en de
achterwacht bevat de naam van de leerling. Die kan het programma niet verwijderen; de melding vraagt
hen dat zelf te doen.</li>
</ul>`;

/** The commands with which an administrator can check this report on the server. */
const SELF_CHECK_SECTION = `<h2>Zelf controleren</h2>
<p>Een beheerder van de school kan op de server laten zien dat dit rapport klopt:</p>
<pre>hwc audit verify --config /etc/hwc-watcher/hwc.yaml --expect-head &lt;kop van een eerder rapport&gt;
hwc privacy-check --config /etc/hwc-watcher/hwc.yaml</pre>
<p>De eerste berekent de hash-keten opnieuw en controleert dat een eerder geziene kop er nog in staat. De
tweede vraagt om een naam en geboortedatum (wat u typt wordt niet getoond), doorzoekt elk bestand van
het programma (ook vrije ruimte in de database) op die naam en geboortedatum in alle vormen waarin die
opgeslagen kunnen zijn, en meldt alleen of er iets gevonden is.</p>`;

export function renderHtmlReport(input: ReportInput): string {
  const { rows, verdict, timezone, school, settings } = input;
  const summary = summariseReport(rows, timezone, input.period);
  const findings = findingsOf(rows, settings, {
    ...input.period,
    ...(input.logBegins ? { logBegins: input.logBegins } : {}),
    now: input.generatedAt,
  });
  const period = periodLabel(summary.days);
  const generated = dateTimeLabel(input.generatedAt, timezone);
  return `${documentHead(school, printFooter(school, period))}
<body>
${pageHeader(input, period, generated)}

${ABOUT_SECTIONS}

${summarySection(summary, findings, verdict, settings.deadline)}

${signalSection(findings, timezone, settings.deadline)}

<h2>Per maand</h2>
${monthTable(summary)}

${failureSection(findings, timezone, settings.deadline)}

${setAsideSection(findings)}

${proofOfLifeSection(rows, timezone)}

<h2>Is het logboek ongeschonden?</h2>
${chainSection(verdict)}
${pruneText(summary.prunes, timezone)}

${PROVIDER_SECTION}

<section class="closing">
${settingsSection(settings, input.version)}

${SELF_CHECK_SECTION}

${responsibleSection(school, input.privacyContact)}
</section>

<footer>hwc-watcher ${escapeHtml(input.version)} &middot; ${escapeHtml(school)} &middot; ${escapeHtml(period)} &middot; gemaakt op ${escapeHtml(generated)}</footer>
</body>
</html>
`;
}
