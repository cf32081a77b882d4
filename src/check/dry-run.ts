import type { Mailbox } from '../core/ports.js';
import type { CheckCounts } from '../core/audit-entry.js';
import { mdnRecipient } from '../core/decide.js';
import { DEFAULT_MAX_NOTIFICATION_BYTES, needsOriginal, planOriginal } from '../core/completeness.js';
import type { ClassifiedMail } from '../core/types.js';
import {
  isPrimaryAbsent,
  type CheckDeps,
  type CheckReport,
  type CheckSettings,
  type ReadMessage,
} from './context.js';

/**
 * --dry-run, first half: what the check would do with each message, as short English lines
 * without content, counted as the real check would count it. Nothing is sent or changed.
 */
export function planOnly(
  deps: CheckDeps,
  messages: ReadMessage[],
  counts: CheckCounts,
  mailbox: Mailbox,
): string[] {
  const plan: string[] = [];
  const purgeFolders = [
    'INBOX',
    mailbox.folders.sent,
    mailbox.folders.trash,
    mailbox.folders.junk,
    mailbox.folders.all,
  ]
    .filter(Boolean)
    .join(', ');
  for (const message of messages) {
    const { decision } = message;
    const uid = message.folder === 'INBOX' ? message.entry.uid : `${message.entry.uid} in ${message.folder}`;
    switch (decision.action) {
      case 'skip':
        plan.push(`message uid ${uid}: already set aside for a person; leave it`);
        break;
      case 'set-aside':
        counts.setAside += 1;
        plan.push(
          `message uid ${uid}: set aside for a person (${decision.reason}); alert the primary contact`,
        );
        break;
      case 'secure-notice':
        counts.setAside += 1;
        plan.push(
          `message uid ${uid}: secure-mail notice; leave it, send no receipt, alert the primary contact urgently`,
        );
        break;
      case 'quiet':
        counts.quietlyRemoved += 1;
        plan.push(`message uid ${uid}: ${decision.category} about our own mail; remove quietly`);
        break;
      case 'confirmation':
        counts.confirmations += 1;
        plan.push(`message uid ${uid}: confirmation from the ${decision.role} contact; record and remove`);
        break;
      case 'signal': {
        counts.signals += 1;
        counts.children += decision.classified.children.length;
        if (decision.classified.needsReview) counts.needsReview += 1;
        const mdn = message.facts && mdnRecipient(message.facts).send ? ', send a read receipt (MDN)' : '';
        const original = originalPlanLine(deps.settings, decision.classified, message);
        plan.push(
          `message uid ${uid}: signal with ${decision.classified.children.length} child(ren)` +
            `${decision.classified.needsReview ? ' that needs review' : ''}; ${whoToNotify(deps.settings, deps.clock.now())}${original}` +
            `, acknowledge to the sender${mdn}, then purge from ${purgeFolders}` +
            (deps.settings.notify === 'escalate'
              ? ' once a contact confirms or the escalation is complete'
              : ''),
        );
        break;
      }
    }
  }
  if (counts.setAside > 0) plan.push(`send 1 content-free alert to the primary contact`);
  deps.logger.info({ step: 'plan', counts }, 'dry run: planned actions');
  return plan;
}

/** What the notification does with the original: attached, or held in the mailbox for a person. */
function originalPlanLine(settings: CheckSettings, classified: ClassifiedMail, message: ReadMessage): string {
  if (!message.facts) return '';
  const limit = settings.maxNotificationBytes ?? DEFAULT_MAX_NOTIFICATION_BYTES;
  const plan = planOriginal(needsOriginal(classified, message.facts), message.raw?.length, limit);
  if (plan.carry === 'attached') {
    return settings.notify === 'both'
      ? ' with the original attached: held in the mailbox until a contact confirms'
      : ' with the original attached';
  }
  if (plan.carry === 'held')
    return ' without the original (too big): held in the mailbox until a contact confirms';
  return '';
}

function whoToNotify(settings: CheckSettings, now: Date): string {
  if (settings.notify === 'both') return 'notify the primary and the backup contact';
  if (isPrimaryAbsent(settings, now)) {
    return 'notify the backup contact (the primary contact is absent today)';
  }
  return 'notify the primary contact (the backup if not confirmed in time)';
}

/** --dry-run, second half: the plan as the text `hwc check --dry-run` prints. */
export function renderPlan(report: CheckReport, settings: CheckSettings): string {
  const { counts } = report;
  const { primary, backup } = settings.contacts;
  const lines = [
    'DRY RUN: nothing was sent, flagged, deleted or recorded.',
    `school: ${settings.school}`,
    `messages in INBOX: ${counts.messages}`,
    `signals: ${counts.signals} (children: ${counts.children}, needing review: ${counts.needsReview})`,
    `set aside for a person: ${counts.setAside}`,
    settings.notify === 'both'
      ? `contacts to notify: primary (${primary.name}) and backup (${backup.name}) at once`
      : `contacts to notify: primary (${primary.name}) first, backup (${backup.name}) when escalation is due`,
    `folders to purge and verify: ${report.folders.join(', ')}`,
    ...report.plan.map((line) => `- ${line}`),
    '',
  ];
  return lines.join('\n');
}
