import { count, DUTCH_WEEKDAYS } from '../dutch.js';
import type { Findings, ReportSettings, SignalFinding } from './findings.js';
import { dateTimeLabel, dayLabel, durationLabel, escapeHtml } from './labels.js';

/** The report's sections about the core promise, failed checks, set-aside mail and the settings. */

const ROLE: Record<'primary' | 'backup' | 'none', string> = {
  primary: 'zorgco&ouml;rdinator',
  backup: 'achterwacht',
  none: 'niemand',
};

const STATUS: Record<SignalFinding['status'], string> = {
  'on-time': '<td class="ok">op tijd bevestigd</td>',
  late: '<td class="bad">bevestigd, maar na de deadline</td>',
  unconfirmed: '<td class="bad">niet bevestigd v&oacute;&oacute;r het verwijderen</td>',
  'sent-on-time': '<td class="ok">v&oacute;&oacute;r de deadline aan beiden gemaild</td>',
  'sent-late': '<td class="bad">pas na de deadline aan beiden gemaild</td>',
};

function signalRow(finding: SignalFinding, timezone: string): string {
  const verified = finding.row.data.purgeVerified === true;
  const minutes = finding.minutesToConfirm;
  const received = dateTimeLabel(finding.receivedAt, timezone);
  const deadline = dateTimeLabel(finding.deadline, timezone);
  // The deadline is usually the same morning: then its time is enough.
  const sameDay = received.slice(0, 13) === deadline.slice(0, 13);
  const also =
    finding.escalated && finding.confirmedBy !== 'backup'
      ? '<div class="basis">achterwacht ook gemaild</div>'
      : '';
  return [
    '<tr>',
    `<td class="nowrap">${escapeHtml(received)}</td>`,
    `<td class="nowrap">${escapeHtml(sameDay ? deadline.slice(14) : deadline)}</td>`,
    `<td>${ROLE[finding.confirmedBy]}${also}</td>`,
    `<td class="nowrap">${minutes === undefined ? '&ndash;' : escapeHtml(durationLabel(minutes))}</td>`,
    STATUS[finding.status],
    verified ? '<td class="ok">ja</td>' : '<td class="bad">NEE</td>',
    '</tr>',
  ].join('');
}

export function signalSection(findings: Findings, timezone: string, deadline: string): string {
  const { signals } = findings;
  const onTime = signals.filter((s) => s.status === 'on-time' || s.status === 'sent-on-time').length;
  const late =
    findings.lateConfirmations === 0
      ? ''
      : `<p>${count(findings.lateConfirmations, 'bevestiging kwam', 'bevestigingen kwamen')} pas binnen nadat
het signaal al verwijderd was; die tellen hierboven niet als &ldquo;op tijd&rdquo;.</p>`;
  const table =
    signals.length === 0
      ? '<p>In deze periode is geen signaal afgehandeld.</p>'
      : `<table>
<thead><tr><th>Ontvangen</th><th>Deadline</th><th>Bevestigd door</th><th>Na</th><th>Op tijd?</th>
<th>Verwijderd en gecontroleerd</th></tr></thead>
<tbody>
${signals.map((finding) => signalRow(finding, timezone)).join('\n')}
</tbody>
</table>`;
  return `<section class="signals">
<h2>Elk signaal: op tijd bij een persoon, en verwijderd?</h2>
<p>De belofte aan de leerling: een medewerker weet het v&oacute;&oacute;r de lessen. Per signaal staat hier wanneer
het binnenkwam, de deadline die daarbij hoorde (${escapeHtml(deadline)} op de eerstvolgende schooldag), wie het
bevestigde (de rol, geen naam), hoe lang dat duurde, en of het signaal daarna aantoonbaar uit de
mailbox verdwenen is. ${count(onTime, 'signaal was', 'signalen waren')} op tijd bij een persoon, van de
${signals.length}. Er staat bewust niets in dat naar een leerling kan leiden.</p>
${table}
${late}
</section>`;
}

/** The safe error codes of failed checks, in words; the code itself is shown too. */
function codeLabel(code: string | undefined): string {
  if (code === undefined) return 'onbekend (oude regel zonder foutcode)';
  if (code === 'CHECK_TIMEOUT') return 'de controle duurde te lang en is afgebroken';
  if (code.includes('AUTH') || code.includes('OAUTH2')) return 'de mailserver weigerde de aanmelding';
  if (code.startsWith('SMTP') || code === 'CONTACTS_UNREACHABLE') return 'e-mail versturen lukte niet';
  if (code.startsWith('PURGE')) return 'het verwijderen kon niet worden bevestigd';
  if (code.startsWith('IMAP') || code.startsWith('E')) return 'de mailbox was niet bereikbaar';
  return 'een andere fout';
}

export function failureSection(findings: Findings, timezone: string, deadline: string): string {
  const { failedChecks, failedMornings } = findings;
  const checks =
    failedChecks.length === 0
      ? '<p>Er is in deze periode geen controle mislukt.</p>'
      : `<table class="compact">
<thead><tr><th>Controle</th><th>Wat ging er mis</th><th>Foutcode</th></tr></thead>
<tbody>
${failedChecks
  .map(
    (f) =>
      `<tr><td>${escapeHtml(dateTimeLabel(f.at, timezone))}</td><td>${codeLabel(f.code)}</td><td><code>${escapeHtml(f.code ?? '')}</code></td></tr>`,
  )
  .join('\n')}
</tbody>
</table>`;
  const mornings =
    failedMornings.length === 0
      ? `<p>Op elke schooldag in het logboek is de mailbox v&oacute;&oacute;r ${escapeHtml(deadline)} met succes gecontroleerd.</p>`
      : `<ul>
${failedMornings
  .map((m) => {
    if (m.noCheck) {
      return `<li>${escapeHtml(dayLabel(m.date))}: geen controle vastgelegd</li>`;
    }
    const alarm =
      m.alarm === 'sent'
        ? 'de zorgco&ouml;rdinator en de achterwacht kregen het alarm om zelf in de mailbox te kijken'
        : m.alarm === 'failed'
          ? '<span class="bad">het alarm kon niet worden verstuurd</span>'
          : 'geen alarm vastgelegd';
    return `<li>${escapeHtml(dayLabel(m.date))}: ${count(m.failedChecks, 'mislukte controle', 'mislukte controles')}; ${alarm}</li>`;
  })
  .join('\n')}
</ul>`;
  return `<h2>Mislukte controles en ochtenden zonder controle</h2>
<p>Een controle mislukt als de mailbox niet bereikbaar is, de aanmelding wordt geweigerd of er iets
anders misgaat. Het programma probeert het dan bij de volgende controle opnieuw. Lukt het op een
schooldag v&oacute;&oacute;r ${escapeHtml(deadline)} helemaal niet, dan krijgen de zorgco&ouml;rdinator en de achterwacht een
alarm: kijk zelf in de HwC-mailbox.</p>
<h3>${count(failedMornings.length, `ochtend zonder geslaagde controle v&oacute;&oacute;r ${escapeHtml(deadline)}`, `ochtenden zonder geslaagde controle v&oacute;&oacute;r ${escapeHtml(deadline)}`)}</h3>
${mornings}
<h3>${count(failedChecks.length, 'mislukte controle', 'mislukte controles')}</h3>
${checks}
<p class="note">Een schooldag waarop geen controle is vastgelegd (bijvoorbeeld omdat de server uit stond of
de instellingen ongeldig waren) laat geen regel in het logboek achter. Zo&rsquo;n dag staat hierboven met
&lsquo;geen controle vastgelegd&rsquo;: hij volgt uit het huidige rooster en de schoolvakanties, vanaf de dag waarop het
logboek begint.</p>`;
}

const REASONS: Record<string, [string, string]> = {
  'too-big': ['bericht was te groot om veilig te lezen', 'berichten waren te groot om veilig te lezen'],
  unreadable: ['bericht was niet te lezen', 'berichten waren niet te lezen'],
  'untrusted-sender': [
    'bericht kwam van een afzender die niet vertrouwd is',
    'berichten kwamen van een afzender die niet vertrouwd is',
  ],
  'not-a-signal': ['bericht was geen signaal', 'berichten waren geen signaal'],
  'unexpected-reply': [
    'antwoord hoorde bij geen enkele melding',
    'antwoorden hoorden bij geen enkele melding',
  ],
  'contacts-unreachable': [
    'signaal kon aan niemand worden doorgegeven',
    'signalen konden aan niemand worden doorgegeven',
  ],
  'too-deeply-nested': [
    'bericht bevatte doorgestuurde berichten die te diep in elkaar zaten om te lezen',
    'berichten bevatten doorgestuurde berichten die te diep in elkaar zaten om te lezen',
  ],
};

export function setAsideSection(findings: Findings): string {
  const { setAside, alertsSent, needsReview, reasons } = findings.setAside;
  const list = Object.entries(reasons)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, n]) => {
      const [one, many] = REASONS[reason] ?? ['bericht om een andere reden', 'berichten om een andere reden'];
      return `<li>${n} ${n === 1 ? one : many}</li>`;
    });
  return `<h2>Berichten voor een persoon</h2>
<p>Een bericht dat geen signaal is, of een signaal waarover twijfel is, verwijdert het programma nooit en
stuurt het nooit door. Het blijft in de HwC-mailbox staan, en de zorgco&ouml;rdinator krijgt een korte melding
zonder inhoud dat er een bericht is dat een persoon moet bekijken.</p>
<p>In deze periode: ${count(setAside, 'bericht apart gezet', 'berichten apart gezet')} voor een persoon,
${count(alertsSent, 'melding', 'meldingen')} daarover verstuurd, en ${count(needsReview, 'signaal', 'signalen')} met
een twijfelpunt dat een persoon moest nakijken.</p>
${list.length > 0 ? `<ul>${list.join('\n')}</ul>` : ''}`;
}

function weekdayList(days: readonly string[]): string {
  const names: Readonly<Record<string, string>> = DUTCH_WEEKDAYS;
  return days.map((d) => names[d] ?? d).join(', ');
}

export function settingsSection(settings: ReportSettings, version: string): string {
  const { schedule } = settings;
  const checks = schedule.checks.map(escapeHtml).join(', ');
  const escalation =
    settings.notify === 'both'
      ? '<li>de zorgco&ouml;rdinator en de achterwacht krijgen een signaal tegelijk</li>'
      : `<li>de achterwacht krijgt het signaal als de zorgco&ouml;rdinator niet binnen ${count(settings.escalateAfterMinutes, 'minuut', 'minuten')} bevestigt (of afwezig of onbereikbaar is)</li>`;
  return `<h2>Instellingen bij het maken van dit rapport</h2>
<ul>
<li>controles om ${checks} op ${escapeHtml(weekdayList(schedule.days))}, in tijdzone ${escapeHtml(schedule.timezone)}</li>
<li>deadline: ${escapeHtml(settings.deadline)}, het moment waarop een medewerker het moet weten</li>
${escalation}
<li>een signaal wordt uiterlijk na ${escapeHtml(durationLabel(settings.purgeAfterMinutes))} verwijderd, ook als niemand bevestigde</li>
<li>versie van hwc-watcher: ${escapeHtml(version)}</li>
</ul>
<p class="note">Dit zijn de instellingen van nu. Zijn ze in de loop van de periode veranderd, dan gold eerder
misschien iets anders; de deadline per signaal is met de instellingen van nu berekend.</p>`;
}

export interface PrivacyContactText {
  name: string;
  email?: string;
}

export function responsibleSection(school: string, contact: PrivacyContactText | undefined): string {
  const ask = contact
    ? `Vragen over privacy en over dit rapport kunt u stellen aan ${escapeHtml(contact.name)}${
        contact.email ? ` (<span class="nowrap">${escapeHtml(contact.email)}</span>)` : ''
      }.`
    : `Vragen over privacy en over dit rapport kunt u stellen aan de directie van de school; die kan u
ook in contact brengen met de functionaris gegevensbescherming van het schoolbestuur.`;
  return `<h2>Wie is verantwoordelijk, en wie kunt u iets vragen?</h2>
<p>${escapeHtml(school)} is, met het schoolbestuur, verantwoordelijk voor de signalen en voor dit programma.
${ask}</p>`;
}

export function logBeginsText(logBegins: Date | undefined, timezone: string): string {
  return logBegins
    ? `Het logboek begint op ${escapeHtml(dateTimeLabel(logBegins, timezone))}; van daarvoor is niets vastgelegd of het is na de bewaartermijn opgeschoond.`
    : 'Het logboek is nog leeg.';
}
