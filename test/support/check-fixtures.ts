import type { CheckSettings } from '../../src/check/context.js';

/**
 * The check's settings as an in-process test school has them: Basisschool De Proef, notify both,
 * checks at 07:00, 07:45 and 08:05 on weekdays. Every call builds fresh objects, so a test may
 * change what it gets.
 */
export function checkSettings(overrides: Partial<CheckSettings> = {}): CheckSettings {
  return {
    school: 'Basisschool De Proef',
    timezone: 'Europe/Amsterdam',
    from: { name: 'Handle with Care', address: 'hwc@school.test' },
    senders: ['@veiligthuis.test'],
    contacts: {
      primary: { name: 'Zorgcoördinator', email: 'zorg@school.test' },
      backup: { name: 'Achterwacht', email: 'backup@school.test' },
    },
    primaryAbsent: [],
    notify: 'both',
    escalateAfterMs: 20 * 60_000,
    purgeAfterMs: 8 * 3_600_000,
    schedule: {
      checks: ['07:00', '07:45', '08:05'],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      deadline: '08:15',
    },
    maxMessageBytes: 5_000_000,
    maxMessagesPerCheck: 200,
    version: '0.0.0-test',
    ...overrides,
  };
}

export interface SignalMailOptions {
  /** The sender's address; the default is a trusted Veilig Thuis address. */
  from?: string;
  /** The sender's display name. */
  fromName?: string;
  to?: string;
  id?: string;
  /** The Date header; null: none. */
  date?: string | null;
  /** Submitted as a real client would: MIME-Version and an 8bit transfer encoding. */
  mime?: boolean;
  /** Asks for a read receipt (Disposition-Notification-To) at this address. */
  mdnTo?: string;
  /** The plain-text body, line by line. */
  body: string[];
}

/** A raw Handle with Care signal, CRLF line ends, as a test puts it in a mailbox. */
export function signalMail(options: SignalMailOptions): string {
  return [
    `From: ${options.fromName ?? 'Veilig Thuis'} <${options.from ?? 'signaal@veiligthuis.test'}>`,
    `To: ${options.to ?? 'hwc@school.test'}`,
    'Subject: Handle with Care',
    `Message-ID: <${options.id ?? 'sig-1@veiligthuis.test'}>`,
    ...(options.date === null ? [] : [`Date: ${options.date ?? 'Wed, 25 Nov 2026 05:30:00 +0000'}`]),
    ...(options.mime ? ['MIME-Version: 1.0'] : []),
    ...(options.mdnTo ? [`Disposition-Notification-To: ${options.mdnTo}`] : []),
    'Content-Type: text/plain; charset=utf-8',
    ...(options.mime ? ['Content-Transfer-Encoding: 8bit'] : []),
    '',
    ...options.body,
    '',
  ].join('\r\n');
}
