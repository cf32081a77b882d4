import { randomUUID } from 'node:crypto';
import type { AuditLog, Clock, Logger, Mailer, SendResult, StateStore } from '../core/ports.js';
import { alarmEntry } from '../core/audit-entry.js';
import { composeDeadManAlarm, domainOf, type SchoolIdentity } from '../core/compose.js';
import type { Contact } from '../core/vocabulary.js';
import { isDeadManDue, localDate, type CheckSchedule } from '../core/schedule.js';

export interface DeadManPorts {
  mailer: Mailer;
  clock: Clock;
  store: Pick<StateStore, 'getMeta' | 'setMeta'> & Pick<AuditLog, 'append'>;
  logger: Logger;
}

export interface DeadManSettings {
  identity: SchoolIdentity;
  contacts: Contact[];
  schedule: CheckSchedule;
  /** schedule.deadline: by when a check must have succeeded on a school day. */
  deadline: string;
  /** Where to open the mailbox by hand (config mailboxHint). */
  mailboxHint?: string;
}

/** Whether no check succeeded by today's deadline and the alarm was not sent yet today. */
export function deadManDue(ports: Pick<DeadManPorts, 'clock' | 'store'>, settings: DeadManSettings): boolean {
  const last = ports.store.getMeta('last_success_at');
  return isDeadManDue(
    ports.clock.now(),
    last ? new Date(last) : undefined,
    settings.schedule,
    settings.deadline,
    ports.store.getMeta('dead_man_sent_on'),
  );
}

/** Which contacts (by their place in the list, never an address) were told today; "DATE i,j". */
function toldToday(value: string | undefined, today: string): Set<number> {
  const [date, list = ''] = (value ?? '').split(' ');
  if (date !== today) return new Set();
  return new Set(list.split(',').filter(Boolean).map(Number));
}

/**
 * The dead-man alarm: when no check succeeded by the deadline on a school day, both contacts are
 * told to look at the mailbox by hand. Content-free, and once a day to each contact: it counts
 * as sent to a contact only when SMTP accepted it for that contact. One that was deferred (4yz)
 * is tried again at the next opportunity (the next failed check, or the daemon's next try);
 * only when nobody is left to try is the day's alarm done. Resolves false when nobody could be
 * told, so that the caller exits non-zero and systemd's OnFailure= can act.
 */
export async function sendDeadManAlarm(ports: DeadManPorts, settings: DeadManSettings): Promise<boolean> {
  const { logger, store } = ports;
  const now = ports.clock.now();
  const today = localDate(now, settings.identity.timezone);
  const told = toldToday(store.getMeta('dead_man_told'), today);
  const pending = settings.contacts.map((_, i) => i).filter((i) => !told.has(i));
  if (pending.length === 0) return true;
  let result: SendResult;
  try {
    result = await ports.mailer.send(
      composeDeadManAlarm({
        identity: settings.identity,
        contacts: pending.map((i) => settings.contacts[i] as Contact),
        at: now,
        ...(settings.mailboxHint ? { mailboxHint: settings.mailboxHint } : {}),
        messageId: `hwc.deadman.${randomUUID()}@${domainOf(settings.identity.fromAddress)}`,
      }),
    );
  } catch (err) {
    logger.error({ event: 'dead-man', outcome: 'failed', err }, 'dead-man alarm could not be sent');
    auditAlarm(ports, now, 'failed');
    return told.size > 0;
  }
  const answered = (list: string[] | undefined) => new Set((list ?? []).map((to) => to.toLowerCase()));
  const accepted = answered(result.accepted);
  const deferred = answered(result.deferred);
  const emailOf = (i: number) => (settings.contacts[i] as Contact).email.toLowerCase();
  for (const i of pending) if (accepted.has(emailOf(i))) told.add(i);
  const waiting = pending.filter((i) => deferred.has(emailOf(i))).length;
  store.setMeta('dead_man_told', `${today} ${[...told].sort().join(',')}`);
  if (waiting === 0 && told.size > 0) store.setMeta('dead_man_sent_on', today);
  const counts = { accepted: accepted.size, refused: result.rejected.length, deferred: waiting };
  if (told.size === 0) {
    auditAlarm(ports, now, 'failed');
    logger.error(
      { event: 'dead-man', outcome: waiting > 0 ? 'deferred' : 'refused', counts },
      'dead-man alarm could not be sent: SMTP accepted it for nobody; it is tried again at the next check',
    );
    return false;
  }
  logger.warn(
    { event: 'dead-man', outcome: waiting > 0 ? 'partly-sent' : 'sent', counts },
    waiting > 0
      ? 'dead-man alarm sent; SMTP deferred it for a contact, who is tried again at the next check'
      : 'dead-man alarm sent to both contacts',
  );
  auditAlarm(ports, now, 'sent');
  return true;
}

/** The alarm's audit row, so that the report shows the morning; when it cannot be written, the log line is the trace. */
function auditAlarm(ports: DeadManPorts, at: Date, outcome: 'sent' | 'failed'): void {
  try {
    const row = ports.store.append(alarmEntry(at, outcome));
    ports.logger.info(
      { event: 'dead-man', outcome, head: row.hash, rows: row.id },
      'dead-man alarm written to the audit log',
    );
  } catch (err) {
    ports.logger.error(
      { event: 'dead-man', outcome: 'failed', err },
      'the dead-man alarm could not be written to the audit log',
    );
  }
}
