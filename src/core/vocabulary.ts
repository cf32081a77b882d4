/**
 * The words that the core, the check and the configuration share, each defined once here.
 * Types only (and the week order): the behaviour that uses them lives in the modules that need it.
 */

/** The days of the week in week order, as written in the configuration. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface DateRange {
  /** ISO date YYYY-MM-DD, inclusive. */
  from: string;
  /** ISO date YYYY-MM-DD, inclusive; equal to `from` for a single day. */
  to: string;
}

/** `both`: notify both contacts at once; `escalate`: the backup only when the primary cannot act. */
export type NotifyMode = 'both' | 'escalate';

/** `mail`: the notification holds the child's data; `link`: only a link to a page that shows it once. */
export type DeliverMode = 'mail' | 'link';

/** Someone the school writes to about a signal. */
export interface Contact {
  name: string;
  email: string;
}

/** A contact as configured: who, and the days on which they are away. */
export interface ContactWithAbsence extends Contact {
  absent: DateRange[];
}

export type ContactRole = 'primary' | 'backup';

/**
 * Why a notification goes to the backup contact. `out-of-office`: the primary's mail server
 * answered the notification with an automatic absence reply (RFC 3834).
 */
export type EscalationReason =
  | 'absent'
  | 'unreachable'
  | 'out-of-office'
  | 'no-confirmation'
  | 'deadline'
  /** The primary contact said on the link page that they cannot act on it today. */
  | 'handed-on';

/** Why a message was left for a person. */
export type SetAsideReason =
  | 'too-big'
  | 'unreadable'
  | 'untrusted-sender'
  | 'not-a-signal'
  | 'unexpected-reply'
  | 'contacts-unreachable'
  /** Forwards (message/rfc822) nested past the parser's bounds: never read in part, never purged. */
  | 'too-deeply-nested';
