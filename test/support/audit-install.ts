import { makeInstall, type TestInstall } from './hwc.js';

/**
 * An install whose servers are never contacted: enough for the audit and privacy commands, which
 * read only the config and the storage directory.
 */
export function offlineInstall(overrides: Record<string, unknown> = {}): TestInstall {
  const server = { host: '127.0.0.1', port: 1, secure: false };
  return makeInstall(
    {
      school: 'Basisschool De Proeftuin',
      timezone: 'Europe/Amsterdam',
      imap: { ...server, auth: { user: 'hwc@school.test', pass: { env: 'HWC_IMAP_PASSWORD' } } },
      smtp: { ...server, auth: { user: 'hwc@school.test', pass: { env: 'HWC_SMTP_PASSWORD' } } },
      from: 'Handle with Care <hwc@school.test>',
      senders: ['@veiligthuis.test'],
      contacts: {
        primary: { name: 'Zorgcoördinator', email: 'zorg@school.test' },
        backup: { name: 'Achterwacht', email: 'backup@school.test' },
      },
      schedule: { checks: ['07:00', '07:45', '08:05'], days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      escalateAfter: '20m',
      ...overrides,
    },
    { imap: 'not-used', smtp: 'not-used' },
  );
}
