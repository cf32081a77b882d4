import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';

const ENV = { HWC_IMAP_PASSWORD: 'imap-secret-value' };

function base(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    school: 'Basisschool De Reuzepas',
    timezone: 'Europe/Amsterdam',
    imap: {
      host: 'imap.example.nl',
      port: 993,
      secure: true,
      auth: { user: 'hwc@school.example.nl', pass: { env: 'HWC_IMAP_PASSWORD' } },
    },
    smtp: {
      host: 'smtp.example.nl',
      port: 587,
      secure: false,
      auth: { user: 'hwc@school.example.nl', pass: { file: '/etc/hwc-watcher/smtp-password' } },
    },
    from: 'hwc@school.example.nl',
    senders: ['@veiligthuis.example.nl'],
    contacts: {
      primary: { name: 'Zorgcoördinator', email: 'zorg@school.example.nl' },
      backup: { name: 'Achterwacht', email: 'backup@school.example.nl' },
    },
    schedule: { checks: ['07:00'], days: ['mon'] },
    escalateAfter: '20m',
    storage: '/var/lib/hwc-watcher',
    ...extra,
  };
}

const parse = (extra: Record<string, unknown>) => parseConfig(base(extra), ENV);

describe('config: the receiving server (receivingServer, trustedAuthservId)', () => {
  it.each([
    [{ receivingServer: 'microsoft365' }, { receivingServer: 'microsoft365' }],
    [{ receivingServer: 'google' }, { receivingServer: 'google' }],
    [
      { receivingServer: 'google', trustedAuthservId: 'MX.google.com' },
      { receivingServer: 'google', trustedAuthservId: 'MX.google.com' },
    ],
    [
      { receivingServer: 'postfix', trustedAuthservId: 'mx.school.example.nl' },
      { receivingServer: 'postfix', trustedAuthservId: 'mx.school.example.nl' },
    ],
    [{ trustedAuthservId: 'mx.school.example.nl' }, { trustedAuthservId: 'mx.school.example.nl' }],
  ])('when the file says %j, then the config carries %j', (extra, expected) => {
    const result = parse(extra);
    if (!('config' in result)) throw new Error(result.errors.join('\n'));
    expect(result.config).toMatchObject(expected);
  });

  it('when neither key is given, then the config has neither', () => {
    const result = parse({});
    if (!('config' in result)) throw new Error(result.errors.join('\n'));
    expect(result.config).not.toHaveProperty('receivingServer');
    expect(result.config).not.toHaveProperty('trustedAuthservId');
  });

  it.each([
    [
      { receivingServer: 'exchange' },
      /^receivingServer: expected one of microsoft365, google, postfix, got "exchange"/,
    ],
    [
      { receivingServer: 'microsoft365', trustedAuthservId: 'mx.school.example.nl' },
      /^trustedAuthservId: Exchange Online writes Authentication-Results without an authserv-id.*remove trustedAuthservId/,
    ],
    [
      { receivingServer: 'google', trustedAuthservId: 'mx.school.example.nl' },
      /^trustedAuthservId: Google stamps Authentication-Results as mx\.google\.com, got "mx\.school\.example\.nl"; remove/,
    ],
    [
      { receivingServer: 'postfix' },
      /^receivingServer: postfix needs trustedAuthservId, the AuthservID in opendkim\.conf/,
    ],
  ])('when the file says %j, then the error names the key and the fix', (extra, message) => {
    const result = parse(extra);
    expect('errors' in result ? result.errors : []).toEqual([expect.stringMatching(message)]);
  });
});
