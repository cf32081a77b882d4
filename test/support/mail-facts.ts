import type { MailFacts } from '../../src/core/types.js';

/** A plain mail from Veilig Thuis with nothing in it, for rule tests to fill in. */
export function mailFacts(overrides: Partial<MailFacts> = {}): MailFacts {
  return {
    fromAddress: 'signaal@veiligthuis.test',
    subject: '',
    text: '',
    references: [],
    headers: {},
    authenticationResults: [],
    contentType: 'text/plain',
    ...overrides,
  };
}
