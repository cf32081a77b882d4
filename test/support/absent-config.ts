/**
 * A config with comments before, inside and after the contacts, for the `hwc absent` tests: each
 * of them must still stand exactly where it stood. The primary contact has an absent list, the
 * backup none; each has a comment on the line directly after where a new entry goes.
 */
export function commentedConfig(storage: string): string {
  return `# hwc-watcher for De Proeftuin
school: Basisschool De Proeftuin
timezone: Europe/Amsterdam
imap:
  host: 127.0.0.1
  port: 1
  secure: false
  auth: { user: hwc@school.test, pass: { env: HWC_IMAP_PASSWORD } }
smtp:
  host: 127.0.0.1
  port: 1
  secure: false
  auth: { user: hwc@school.test, pass: { env: HWC_SMTP_PASSWORD } }
from: Handle with Care <hwc@school.test>
senders: ['@veiligthuis.test']
escalateAfter: 20m

# Before the contacts.
contacts:
  # The zorgcoördinator.
  primary:
    name: Zorgcoördinator # a role, not a person
    email: zorg@school.test
    absent:
      # Autumn holiday.
      - 2026-10-19..2026-10-23 # a week
    # Directly after where the new entry goes.
  # The achterwacht.
  backup:
    name: Achterwacht
    email: backup@school.test
    # Directly after where the new key goes.

# After the contacts.
schedule:
  checks: ['07:00', '07:45']
  days: [mon, tue, wed, thu, fri]
storage: ${storage}
`;
}

/** The new line of the primary contact's list goes right after its last entry, nothing else moves. */
export function withPrimaryAbsent(config: string, entry: string): string {
  const last = '      - 2026-10-19..2026-10-23 # a week\n';
  return config.replace(last, `${last}      - ${entry}\n`);
}

/** The backup's new absent key goes right after its last key, nothing else moves. */
export function withBackupAbsent(config: string, entry: string): string {
  const last = '    email: backup@school.test\n';
  return config.replace(last, `${last}    absent:\n      - ${entry}\n`);
}
