import { describe, expect, it } from 'vitest';
import { trustFinding } from '../../src/commands/doctor/local-checks.js';

describe('hwc doctor: trust of signals', () => {
  it('when no receiving server is named, then it is a WARN that says From alone is trusted, with the fix', () => {
    const finding = trustFinding({});
    expect(finding.status).toBe('WARN');
    expect(finding.line).toContain('without authentication results the school trusts the From header alone');
    expect(finding.line).toContain('set receivingServer: microsoft365 or google, or trustedAuthservId:');
  });

  it.each([
    [{ receivingServer: 'microsoft365' as const }, 'which Exchange Online writes without authserv-id'],
    [{ receivingServer: 'google' as const }, 'Authentication-Results header of mx.google.com'],
    [
      { receivingServer: 'postfix' as const, trustedAuthservId: 'mx.school.example.nl' },
      'Authentication-Results of mx.school.example.nl; that server must remove headers with that authserv-id',
    ],
    [{ trustedAuthservId: 'mx.school.example.nl' }, 'aligned DKIM or DMARC pass'],
  ])('when the config names %j, then it is OK and names the rule in force', (config, text) => {
    const finding = trustFinding(config);
    expect(finding).toMatchObject({ status: 'OK', what: 'trust' });
    expect(finding.line).toContain(text);
  });
});
