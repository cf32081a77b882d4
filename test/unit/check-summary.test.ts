import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/core/audit-entry.js';
import { renderCheckSummary } from '../../src/core/check-summary.js';

const base = {
  contacts: {
    primary: { name: 'Fatima El Amrani', email: 'zorg@school.test' },
    backup: { name: 'Jan de Wit', email: 'wacht@school.test' },
  },
  notify: 'escalate' as const,
  escalateAfterMs: 20 * 60_000,
  timezone: 'Europe/Amsterdam',
};

describe('the terminal summary of hwc check', () => {
  it('when one signal was mailed to the primary contact, then it names her, the time and when the backup follows', () => {
    const text = renderCheckSummary({
      ...base,
      outcome: 'ok',
      counts: { ...emptyCounts(), signals: 1, messages: 1 },
      open: [
        {
          key: 'k',
          uidValidity: '1',
          uid: 1,
          receivedAt: '2026-11-25T06:00:00Z',
          notified: { primary: '2026-11-25T06:02:00Z' },
          refused: {},
          needsReview: false,
          children: 1,
        },
      ],
    });
    expect(text).toBe(
      '1 signaal: Fatima El Amrani is gemaild om 07:02; de achterwacht volgt om 07:22 als er geen bevestiging komt.\n',
    );
  });

  it('when nothing came in or the check failed, then it says so in one Dutch line with the code only', () => {
    expect(
      renderCheckSummary({ ...base, outcome: 'ok', counts: { ...emptyCounts(), messages: 1 }, open: [] }),
    ).toBe('Geen nieuwe signalen (1 bericht bekeken).\n');
    expect(
      renderCheckSummary({
        ...base,
        outcome: 'failed',
        error: 'IMAP_AUTH_REFUSED',
        counts: emptyCounts(),
        open: [],
      }),
    ).toContain('De controle is mislukt (IMAP_AUTH_REFUSED)');
  });
});
