import type { MailProvider } from './ports.js';

/**
 * What the provider keeps beyond IMAP's reach, stated once per check in the log (and in the audit
 * report), so that nobody believes a purge removed more than it can.
 */
export const PROVIDER_RETENTION: Record<MailProvider, string | undefined> = {
  exchange:
    'Exchange Online keeps deleted mail in Recoverable Items for 14 days by default (up to 30), out of IMAP reach; ' +
    'an Exchange admin can shorten this with: Set-Mailbox -Identity <hwc-mailbox> -RetainDeletedItemsFor 1',
  gmail: 'Gmail: purged messages are expunged from Trash; Google Vault retention rules, if any, still apply',
  generic: undefined,
};
