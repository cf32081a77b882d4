import type { MailProvider } from './ports.js';

/**
 * What each provider keeps beyond IMAP's reach after a purge. One set of facts, from which both
 * the English log line of every check and the Dutch section of the audit report are written, so
 * that the two can never disagree.
 */
export const RETENTION_FACTS = {
  exchange: {
    /** Deleted mail stays in Recoverable Items this long by default, and at most this long. */
    recoverableDays: 14,
    recoverableMaxDays: 30,
    /** The Exchange Online PowerShell command that shortens it for the HwC mailbox. */
    shortenCommand: 'Set-Mailbox -Identity <hwc-mailbox> -RetainDeletedItemsFor 1',
  },
  gmail: {
    /** Gmail empties its Trash after this many days. */
    trashDays: 30,
    /** A Workspace admin can restore mail deleted for good for this many days. */
    adminRestoreDays: 25,
  },
} as const;

const { exchange } = RETENTION_FACTS;

/**
 * What the provider keeps beyond IMAP's reach, stated once per check in the log (and in the audit
 * report), so that nobody believes a purge removed more than it can.
 */
export const PROVIDER_RETENTION: Record<MailProvider, string | undefined> = {
  exchange:
    `Exchange Online keeps deleted mail in Recoverable Items for ${exchange.recoverableDays} days by default ` +
    `(up to ${exchange.recoverableMaxDays}), out of IMAP reach; ` +
    `an Exchange admin can shorten this with: ${exchange.shortenCommand}`,
  gmail: 'Gmail: purged messages are expunged from Trash; Google Vault retention rules, if any, still apply',
  generic: undefined,
};
