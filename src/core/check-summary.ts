import type { CheckCounts } from './audit-entry.js';
import type { SignalRecord } from './ports.js';
import type { Contact, ContactRole, NotifyMode } from './vocabulary.js';
import { count } from './dutch.js';

/**
 * What `hwc check` tells a person at a terminal, in Dutch: how many signals, who was mailed when,
 * and what happens next. It names staff (the contacts of the config), never anything from a mail.
 */

export interface SummaryInput {
  outcome: 'ok' | 'failed';
  /** The safe error code of a failed check. */
  error?: string;
  counts: CheckCounts;
  /** The workflow rows still open after the check (not purged). */
  open: SignalRecord[];
  contacts: Record<ContactRole, Contact>;
  notify: NotifyMode;
  escalateAfterMs: number;
  timezone: string;
}

function clock(iso: string | Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

function signalLine(record: SignalRecord, input: SummaryInput): string {
  const { contacts, timezone } = input;
  const mailed = (['primary', 'backup'] as const)
    .filter((role) => record.notified[role])
    .map(
      (role) => `${contacts[role].name} is gemaild om ${clock(record.notified[role] as string, timezone)}`,
    );
  const told = mailed.length > 0 ? mailed.join(' en ') : 'nog niemand kon worden gemaild';
  if (record.confirmedAt) {
    const by = record.confirmedBy ? contacts[record.confirmedBy].name : 'een contactpersoon';
    return `${told}; bevestigd door ${by} om ${clock(record.confirmedAt, timezone)}`;
  }
  const primaryAt = record.notified.primary;
  if (input.notify === 'escalate' && primaryAt && !record.notified.backup) {
    const due = new Date(Date.parse(primaryAt) + input.escalateAfterMs);
    return `${told}; de achterwacht volgt om ${clock(due, timezone)} als er geen bevestiging komt`;
  }
  return `${told}; wacht op bevestiging`;
}

export function renderCheckSummary(input: SummaryInput): string {
  const { counts } = input;
  if (input.outcome === 'failed') {
    return `De controle is mislukt (${input.error ?? 'onbekende fout'}). De logregels op stderr zeggen wat er te doen is.\n`;
  }
  const lines: string[] = [];
  const open = input.open;
  if (open.length === 1 && open[0]) lines.push(`1 signaal: ${signalLine(open[0], input)}.`);
  else if (open.length > 1) {
    lines.push(`${count(open.length, 'signaal', 'signalen')} in behandeling:`);
    open.forEach((record, i) => lines.push(`  ${i + 1}. ${signalLine(record, input)}.`));
  }
  if (counts.purged > 0) {
    lines.push(`${count(counts.purged, 'signaal', 'signalen')} afgehandeld en uit de mailbox verwijderd.`);
  }
  if (counts.setAside > 0) {
    lines.push(
      `${count(counts.setAside, 'bericht', 'berichten')} apart gezet voor een persoon; daarover is een melding zonder inhoud verstuurd.`,
    );
  }
  if (lines.length === 0) {
    lines.push(`Geen nieuwe signalen (${count(counts.messages, 'bericht', 'berichten')} bekeken).`);
  }
  return `${lines.join('\n')}\n`;
}
