import { randomUUID } from 'node:crypto';
import type {
  AuditLog,
  Clock,
  Logger,
  Mailbox,
  Mailer,
  MailboxOpener,
  OutgoingMail,
  StateStore,
} from '../core/ports.js';
import { domainOf, type SchoolIdentity } from '../core/compose.js';
import type { Contact } from '../core/vocabulary.js';
import { localDate } from '../core/schedule.js';
import {
  composeSelfTest,
  composeSelfTestMissing,
  composeWeeklyReport,
  isSelfTestDue,
  isWeeklyReportDue,
  proofOfLifeEntry,
  selfTestMessageId,
  weekCounts,
  weekOf,
  type ProofOfLifeSettings,
} from '../core/proof-of-life.js';

export interface ProofOfLifePorts {
  mailer: Mailer;
  opener: MailboxOpener;
  clock: Clock;
  store: Pick<StateStore, 'getMeta' | 'setMeta' | 'secret'> & AuditLog;
  logger: Logger;
}

export interface ProofOfLifeConfig extends ProofOfLifeSettings {
  identity: SchoolIdentity;
  contacts: Contact[];
}

/** A self-test that did not arrive within this long after it was sent is missing, not late. */
export const SELF_TEST_GRACE_MS = 10 * 60_000;

const META = {
  weeklyWeek: 'proof_weekly_week',
  selfTestSentOn: 'proof_self_test_sent_on',
  /** "DAY SENT-AT [alarmed]": the self-test that a check must still find. */
  selfTestPending: 'proof_self_test_pending',
} as const;

function audit(ports: ProofOfLifePorts, entry: ReturnType<typeof proofOfLifeEntry>): void {
  try {
    ports.store.append(entry);
  } catch (err) {
    ports.logger.error(
      { event: 'proof-of-life', outcome: 'failed', err },
      'the proof-of-life row could not be written',
    );
  }
}

/** Sends one mail; resolves whether SMTP accepted it for anyone. Never throws. */
async function sendQuietly(ports: ProofOfLifePorts, mail: OutgoingMail): Promise<boolean> {
  try {
    const result = await ports.mailer.send(mail);
    return result.accepted.length > 0;
  } catch (err) {
    ports.logger.error(
      { event: 'proof-of-life', outcome: 'failed', err },
      'a proof-of-life mail could not be sent',
    );
    return false;
  }
}

/**
 * After each check (not a dry run): the weekly mail when due, and, after a successful check, the
 * self-test: look for the one sent earlier (and remove it), alarm when it did not come, and send
 * today's when due. Failures are logged and recorded and never fail the check.
 */
export async function proofOfLifeAfterCheck(
  ports: ProofOfLifePorts,
  config: ProofOfLifeConfig,
  checkOk: boolean,
): Promise<void> {
  // The daemon's runCheck must never reject: a state that cannot be written is logged here.
  try {
    if (config.selfTest?.length && checkOk) await settleSelfTest(ports, config);
    if (config.weeklyReport) await weeklyReport(ports, config);
    if (config.selfTest?.length && checkOk) await sendSelfTest(ports, config);
  } catch (err) {
    ports.logger.error(
      { event: 'proof-of-life', outcome: 'failed', err },
      'the weekly mail or the self-test could not be done; the next check tries again',
    );
  }
}

async function weeklyReport(ports: ProofOfLifePorts, config: ProofOfLifeConfig): Promise<void> {
  const now = ports.clock.now();
  const { timezone } = config.identity;
  if (!isWeeklyReportDue(now, timezone, config, ports.store.getMeta(META.weeklyWeek))) return;
  const counts = weekCounts(ports.store.rows(), now);
  const sent = await sendQuietly(
    ports,
    composeWeeklyReport({
      identity: config.identity,
      contacts: config.contacts,
      counts,
      at: now,
      messageId: `hwc.weekly.${randomUUID()}@${domainOf(config.identity.fromAddress)}`,
    }),
  );
  // A weekly mail that SMTP took for nobody is tried again at the next check of the day.
  if (sent) ports.store.setMeta(META.weeklyWeek, weekOf(now, timezone));
  const numbers = { checks: counts.checks, failed: counts.failed };
  audit(ports, proofOfLifeEntry(now, 'weekly', sent ? 'sent' : 'failed', numbers));
  ports.logger.info(
    { event: 'proof-of-life', kind: 'weekly', outcome: sent ? 'sent' : 'failed', counts: numbers },
    'weekly proof-of-life mail',
  );
}

async function sendSelfTest(ports: ProofOfLifePorts, config: ProofOfLifeConfig): Promise<void> {
  const now = ports.clock.now();
  const { timezone, fromAddress } = config.identity;
  if (ports.store.getMeta(META.selfTestPending)) return;
  if (!isSelfTestDue(now, timezone, config, ports.store.getMeta(META.selfTestSentOn))) return;
  const day = localDate(now, timezone);
  const messageId = selfTestMessageId(ports.store.secret(), day, domainOf(fromAddress));
  const sent = await sendQuietly(ports, composeSelfTest({ identity: config.identity, at: now, messageId }));
  if (sent) {
    ports.store.setMeta(META.selfTestSentOn, day);
    ports.store.setMeta(META.selfTestPending, `${day} ${now.toISOString()}`);
  }
  audit(ports, proofOfLifeEntry(now, 'self-test', sent ? 'sent' : 'failed'));
  ports.logger.info(
    { event: 'proof-of-life', kind: 'self-test', outcome: sent ? 'sent' : 'failed' },
    'self-test mail',
  );
}

/** Where the test mail may have landed (a spam filter may file it under Junk), and its copies. */
function foldersOf(mailbox: Mailbox): { arrival: string[]; copies: string[] } {
  const { folders } = mailbox;
  const arrival = ['INBOX', ...(folders.junk ? [folders.junk] : [])];
  const copies = [folders.sent, folders.trash, folders.all].filter((f): f is string => typeof f === 'string');
  return { arrival, copies };
}

async function findAndRemove(
  mailbox: Mailbox,
  messageId: string,
): Promise<{ arrived: boolean; removed: boolean }> {
  const { arrival, copies } = foldersOf(mailbox);
  let arrived = false;
  for (const folder of [...copies, ...arrival]) {
    const uids = await mailbox.findByMessageId(folder, [messageId]);
    if (uids.length > 0 && arrival.includes(folder)) arrived = true;
    await mailbox.deleteUids(folder, uids);
  }
  let left = 0;
  for (const folder of [...copies, ...arrival])
    left += (await mailbox.findByMessageId(folder, [messageId])).length;
  return { arrived, removed: left === 0 };
}

async function settleSelfTest(ports: ProofOfLifePorts, config: ProofOfLifeConfig): Promise<void> {
  const pending = ports.store.getMeta(META.selfTestPending);
  if (!pending) return;
  const [day = '', sentAtIso = '', alarmed] = pending.split(' ');
  const now = ports.clock.now();
  const messageId = selfTestMessageId(ports.store.secret(), day, domainOf(config.identity.fromAddress));
  let found: { arrived: boolean; removed: boolean };
  let mailbox: Mailbox | undefined;
  try {
    mailbox = await ports.opener.open({ readOnly: false });
    found = await findAndRemove(mailbox, messageId);
  } catch (err) {
    ports.logger.warn(
      { event: 'proof-of-life', kind: 'self-test', outcome: 'not-looked', err },
      'could not look for the self-test mail; the next check looks again',
    );
    return;
  } finally {
    await mailbox?.close().catch(() => undefined);
  }
  if (found.arrived) {
    if (found.removed) ports.store.setMeta(META.selfTestPending, '');
    const outcome = alarmed ? 'arrived-late' : 'arrived';
    audit(ports, proofOfLifeEntry(now, 'self-test', outcome));
    ports.logger.info(
      { event: 'proof-of-life', kind: 'self-test', outcome },
      'the self-test mail arrived and was removed',
    );
    return;
  }
  const sentAt = new Date(sentAtIso);
  if (alarmed || now.getTime() - sentAt.getTime() < SELF_TEST_GRACE_MS) return;
  await selfTestMissing(ports, config, { pending, sentAt, now });
}

async function selfTestMissing(
  ports: ProofOfLifePorts,
  config: ProofOfLifeConfig,
  at: { pending: string; sentAt: Date; now: Date },
): Promise<void> {
  const told = await sendQuietly(
    ports,
    composeSelfTestMissing({
      identity: config.identity,
      contacts: config.contacts,
      sentAt: at.sentAt,
      at: at.now,
      messageId: `hwc.selftest-alarm.${randomUUID()}@${domainOf(config.identity.fromAddress)}`,
    }),
  );
  // Still looked for by later checks, so that a late arrival is removed; the alarm goes once.
  if (told) ports.store.setMeta(META.selfTestPending, `${at.pending} alarmed`);
  audit(ports, proofOfLifeEntry(at.now, 'self-test', told ? 'missing' : 'missing-unsent'));
  ports.logger.error(
    { event: 'proof-of-life', kind: 'self-test', outcome: 'missing' },
    told
      ? 'the self-test mail did not arrive; the contacts were told'
      : 'the self-test mail did not arrive, and the contacts could not be told',
  );
}
