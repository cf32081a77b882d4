import { describe, expect, it } from 'vitest';
import { withAbsence } from '../../src/config/add-absence.js';

const CONFIG = `# Top of the file.
school: De Proeftuin

# Before the contacts.
contacts:
  # The zorgcoördinator.
  primary:
    name: Zorg # a role
    email: zorg@school.test
    absent:
      # Autumn holiday.
      - 2026-10-19..2026-10-23 # a week
      # Directly after the last entry, inside the list.
    # Directly after where the new entry goes.
  # The achterwacht.
  backup:
    name: Achterwacht
    email: backup@school.test
    # Directly after where the new key goes.

# After the contacts.
notify: escalate
`;

describe('adding an absence to the config text', () => {
  it('when the contact has an absent list, then one line is added after its last entry and every comment stays where it stood', () => {
    expect(withAbsence(CONFIG, 'primary', '2027-01-11..2027-01-15')).toBe(`# Top of the file.
school: De Proeftuin

# Before the contacts.
contacts:
  # The zorgcoördinator.
  primary:
    name: Zorg # a role
    email: zorg@school.test
    absent:
      # Autumn holiday.
      - 2026-10-19..2026-10-23 # a week
      - 2027-01-11..2027-01-15
      # Directly after the last entry, inside the list.
    # Directly after where the new entry goes.
  # The achterwacht.
  backup:
    name: Achterwacht
    email: backup@school.test
    # Directly after where the new key goes.

# After the contacts.
notify: escalate
`);
  });

  it('when the contact has no absent key yet, then it is added after the last key and every comment stays where it stood', () => {
    expect(withAbsence(CONFIG, 'backup', '2027-02-01')).toBe(`# Top of the file.
school: De Proeftuin

# Before the contacts.
contacts:
  # The zorgcoördinator.
  primary:
    name: Zorg # a role
    email: zorg@school.test
    absent:
      # Autumn holiday.
      - 2026-10-19..2026-10-23 # a week
      # Directly after the last entry, inside the list.
    # Directly after where the new entry goes.
  # The achterwacht.
  backup:
    name: Achterwacht
    email: backup@school.test
    absent:
      - 2027-02-01
    # Directly after where the new key goes.

# After the contacts.
notify: escalate
`);
  });

  it('when the list is a flow list with quoted entries, then the entry is added in the same style on the same line', () => {
    const source =
      "contacts:\n  primary:\n    absent: ['2026-12-01', '2026-12-07..2026-12-11'] # two\n# end\n";
    expect(withAbsence(source, 'primary', '2027-01-11')).toBe(
      "contacts:\n  primary:\n    absent: ['2026-12-01', '2026-12-07..2026-12-11', '2027-01-11'] # two\n# end\n",
    );
    expect(withAbsence('contacts:\n  primary:\n    absent: [] # none\n', 'primary', '2027-01-11')).toBe(
      'contacts:\n  primary:\n    absent: [2027-01-11] # none\n',
    );
  });

  it('when the file has CRLF line ends and no final newline, then the new lines have CRLF too', () => {
    expect(withAbsence('contacts:\r\n  backup:\r\n    name: B', 'backup', '2027-02-01')).toBe(
      'contacts:\r\n  backup:\r\n    name: B\r\n    absent:\r\n      - 2027-02-01\r\n',
    );
  });

  it('when the contact is written as a flow mapping, then the yaml library writes it, with the same content', () => {
    expect(withAbsence('contacts:\n  primary: { name: Zorg }\n', 'primary', '2027-02-01')).toBe(
      'contacts:\n  primary: { name: Zorg, absent: [ 2027-02-01 ] }\n',
    );
  });
});
