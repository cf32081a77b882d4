import { randomUUID } from 'node:crypto';
import type { AuditLog, Clock, Logger, Mailer, StateStore } from '../core/ports.js';
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

/**
 * The dead-man alarm: when no check succeeded by the deadline on a school day, both contacts are
 * told to look at the mailbox by hand. Once a day; content-free. Resolves false if it could not
 * be sent either, so that the caller exits non-zero and systemd's OnFailure= can act.
 */
export async function sendDeadManAlarm(ports: DeadManPorts, settings: DeadManSettings): Promise<boolean> {
  const { logger } = ports;
  const now = ports.clock.now();
  try {
    await ports.mailer.send(
      composeDeadManAlarm({
        identity: settings.identity,
        contacts: settings.contacts,
        at: now,
        messageId: `hwc.deadman.${randomUUID()}@${domainOf(settings.identity.fromAddress)}`,
      }),
    );
    ports.store.setMeta('dead_man_sent_on', localDate(now, settings.identity.timezone));
    logger.warn({ event: 'dead-man', outcome: 'sent' }, 'dead-man alarm sent to both contacts');
    auditAlarm(ports, now, 'sent');
    return true;
  } catch (err) {
    logger.error({ event: 'dead-man', outcome: 'failed', err }, 'dead-man alarm could not be sent');
    auditAlarm(ports, now, 'failed');
    return false;
  }
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
