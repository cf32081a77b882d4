/**
 * The facts of one e-mail that the pure core needs, produced by the mail parser adapter.
 * This object lives in memory only, for the duration of one check; it is never written anywhere.
 */
export interface MailFacts {
  /** Message-ID without angle brackets, if the mail has one. */
  messageId?: string;
  /** Envelope-independent author: the address in the From header, lower-cased. */
  fromAddress?: string;
  /** Display name from the From header. Never used for trust decisions. */
  fromName?: string;
  subject: string;
  /** Best plain text: the text/plain part, or text derived from the HTML part. */
  text: string;
  /** The HTML part, if any (bounded in length by the parser). */
  html?: string;
  inReplyTo?: string;
  references: string[];
  /** Selected headers, names lower-case, values unfolded. Absent headers are absent keys. */
  headers: Record<string, string>;
  /** Every Authentication-Results header (RFC 8601), in order of appearance (topmost first). */
  authenticationResults: string[];
  /**
   * For each Authentication-Results header, how many Received headers stand above it: the trust
   * rule reads only the receiving server's own stamp (src/core/trust.ts). Absent: all count as 0.
   */
  authenticationResultsReceivedAbove?: number[];
  /** Top-level MIME type, e.g. "multipart/report"; and its report-type parameter if any. */
  contentType: string;
  reportType?: string;
  /** Address from Disposition-Notification-To (RFC 8098), if the sender asked for a read receipt. */
  dispositionNotificationTo?: string;
  /** ISO date-time from the Date header, if parseable. */
  date?: string;
  /**
   * The per-recipient fields of a delivery status notification (RFC 3464 2.3), read only from a
   * message/delivery-status part of a top-level multipart/report; absent for anything else.
   */
  deliveryStatus?: DeliveryStatusRecipient[];
  /**
   * What the parser could not put into `text`: the text was cut at its bound, the mail has
   * attachments (a PDF, a Word file), or a forwarded mail was too big to read. Anything here means
   * a child may stand where hwc did not look, so the notification must carry the original whole.
   */
  completeness?: Completeness;
}

export interface Completeness {
  textCut: boolean;
  attachments: number;
  embeddedUnread: number;
}

export interface DeliveryStatusRecipient {
  /** The address of Final-Recipient ("rfc822; a@b"), lower-case. */
  finalRecipient?: string;
  /** Action: failed, delayed, delivered, relayed or expanded, lower-case. */
  action?: string;
}

/** One child as recognised in a signal. Held in memory only. */
export interface Child {
  name: string;
  /** ISO 8601 calendar date, YYYY-MM-DD; "" when no valid date was found. */
  birthDate: string;
}

/** 'secure-notice': a secure-mail service's notice; the signal is behind its link, for a person to open. */
export type MailKind = 'signal' | 'not-a-signal' | 'secure-notice';

/** Why a message is not a signal; drives whether a person is alerted or it is handled quietly. */
export type NotSignalCategory =
  'bounce' | 'auto-reply' | 'read-receipt' | 'delivery-report' | 'test-message' | 'newsletter' | 'other';

/** The content-only conclusion about a mail: the exact shape that `hwc parse --json` prints. */
export interface Classification {
  kind: MailKind;
  children: Child[];
  needsReview: boolean;
  reasons: string[];
}

/** Classification plus the category of a non-signal, used by the check but not printed by `hwc parse`. */
export interface ClassifiedMail extends Classification {
  category: 'signal' | 'secure-notice' | NotSignalCategory;
}

/** What the check knows of "today" for age checks, passed in so that the core stays pure. */
export interface ClassifyContext {
  /** Today's date in the school's timezone, YYYY-MM-DD. */
  today: string;
}
