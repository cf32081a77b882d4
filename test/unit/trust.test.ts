import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { assessTrust, countAddresses } from '../../src/core/trust.js';
import type { MailFacts } from '../../src/core/types.js';
import { mailFacts } from '../support/mail-facts.js';

const senders = ['@veiligthuis.test', 'hwc@gemeente-voorbeeldstad.test'];

const facts = (overrides: Partial<MailFacts>): MailFacts => mailFacts({ subject: 'HwC', ...overrides });

async function fixtureFacts(name: string): Promise<MailFacts> {
  const parsed = await parseMail(await readFile(new URL(`../fixtures/${name}`, import.meta.url)));
  if (!parsed.ok) throw new Error(`fixture did not parse: ${parsed.reason}`);
  return parsed.facts;
}

describe('trust: the From address', () => {
  it.each([
    ['signaal@veiligthuis.test', true],
    ['a@regio.veiligthuis.test', true],
    ['A@Regio.VeiligThuis.Test', true],
    ['hwc@gemeente-voorbeeldstad.test', true],
    ['HWC@gemeente-voorbeeldstad.test', true],
    ['a@evilveiligthuis.test', false],
    ['a@veiligthuis.test.evil.test', false],
    ['other@gemeente-voorbeeldstad.test', false],
    ['hwc@sub.gemeente-voorbeeldstad.test', false],
    ['a@veiligthuis.test@evil.test', false],
    ['a@veiligthuis', false],
    ['"a b"@veiligthuis.test', false],
  ])('when the From address is %s, then trusted is %s', (address, trusted) => {
    expect(assessTrust(facts({ fromAddress: address.toLowerCase() }), { senders }).trusted).toBe(trusted);
  });

  it('when the sender list has upper case or spaces, then it still matches', () => {
    expect(assessTrust(facts({}), { senders: ['  @VeiligThuis.Test '] }).trusted).toBe(true);
  });

  it('when there is no From address, then the mail is not trusted', () => {
    const result = assessTrust(facts({ fromAddress: undefined }), { senders });
    expect(result).toEqual({ trusted: false, reasons: ['no From address'] });
  });

  it('when the raw From header holds more than one address, then the mail is not trusted', () => {
    const result = assessTrust(
      facts({ headers: { from: 'Veilig Thuis <signaal@veiligthuis.test>, Other <x@evil.test>' } }),
      { senders },
    );
    expect(result).toEqual({ trusted: false, reasons: ['not exactly one From address'] });
  });

  it('when an empty sender entry is configured, then it matches nothing', () => {
    expect(assessTrust(facts({}), { senders: ['', '@'] }).trusted).toBe(false);
  });

  it('when the display name imitates a trusted sender, then only the address counts (fixture)', async () => {
    const result = assessTrust(await fixtureFacts('untrusted-display-name.eml'), { senders });
    expect(result).toEqual({ trusted: false, reasons: ['sender is not in the trusted list'] });
  });

  it('when a mail has two From headers, then it is not trusted (fixture)', async () => {
    const result = assessTrust(await fixtureFacts('two-from.eml'), { senders });
    expect(result.trusted).toBe(false);
    expect(result.reasons).toEqual(['not exactly one From address']);
  });

  it('when reasons are given, then they never contain an address', () => {
    const all = [
      assessTrust(facts({ fromAddress: 'x@evil.test' }), { senders }),
      assessTrust(facts({}), { senders }),
      assessTrust(facts({ fromAddress: 'a@b@c.test' }), { senders }),
    ].flatMap((r) => r.reasons);
    expect(all.join(' ')).not.toMatch(/@/);
  });

  it('when raw From values are counted, then quoted names and comments do not count as addresses', () => {
    expect(countAddresses('"Veilig Thuis <a@veiligthuis.test>" <x@evil.test>')).toBe(1);
    expect(countAddresses('x@evil.test (a@veiligthuis.test)')).toBe(1);
    expect(countAddresses('a@b.test, c@d.test')).toBe(2);
  });
});

describe('trust: Authentication-Results', () => {
  const policy = { senders, trustedAuthservId: 'mx.school.test' };

  it('when the trusted server reports dmarc=fail for the From domain, then the mail is not trusted', () => {
    const result = assessTrust(
      facts({
        authenticationResults: ['mx.school.test; dmarc=fail (p=reject) header.from=veiligthuis.test'],
      }),
      policy,
    );
    expect(result).toEqual({ trusted: false, reasons: ['DMARC failed for the From domain'] });
  });

  it('when the trusted server reports dkim=fail for the From domain, then the mail is not trusted', () => {
    const result = assessTrust(
      facts({
        authenticationResults: [
          'mx.school.test 1; spf=pass smtp.mailfrom=x; dkim=fail header.d=veiligthuis.test',
        ],
      }),
      policy,
    );
    expect(result).toEqual({ trusted: false, reasons: ['DKIM failed for the From domain'] });
  });

  it('when dkim fails by header.i for a subdomain or parent, then it counts for the From domain', () => {
    const sub = facts({
      fromAddress: 'a@regio.veiligthuis.test',
      authenticationResults: ['mx.school.test; dkim=fail header.i=@veiligthuis.test'],
    });
    expect(assessTrust(sub, policy).trusted).toBe(false);
  });

  it('when dkim fails only for an unrelated domain, then the From domain is not affected', () => {
    const result = assessTrust(
      facts({
        authenticationResults: [
          'mx.school.test; dkim=fail header.d=mailinglist.test; dkim=pass header.d=veiligthuis.test',
        ],
      }),
      policy,
    );
    expect(result.trusted).toBe(true);
  });

  it('when a fail names no domain at all, then it counts against the From domain', () => {
    expect(
      assessTrust(facts({ authenticationResults: ['mx.school.test; dmarc=fail'] }), policy).trusted,
    ).toBe(false);
  });

  it('when another server reports a fail, then it is ignored', () => {
    const result = assessTrust(
      facts({ authenticationResults: ['mx.evil.test; dmarc=fail header.from=veiligthuis.test'] }),
      policy,
    );
    expect(result.trusted).toBe(true);
  });

  it('when no authserv-id is configured, then Authentication-Results are ignored entirely', () => {
    const result = assessTrust(
      facts({ authenticationResults: ['mx.school.test; dmarc=fail header.from=veiligthuis.test'] }),
      { senders },
    );
    expect(result.trusted).toBe(true);
  });

  it('when the authserv-id differs only in case, or comments surround it, then it still matches', () => {
    const result = assessTrust(
      facts({
        authenticationResults: ['(our server) MX.School.Test; dkim=fail (bad sig) header.d=veiligthuis.test'],
      }),
      policy,
    );
    expect(result.trusted).toBe(false);
  });

  it('when the result is pass, none, neutral or policy, then it does not veto', () => {
    const result = assessTrust(
      facts({
        authenticationResults: [
          'mx.school.test; dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test; spf=fail smtp.mailfrom=veiligthuis.test',
          'mx.school.test; dkim=neutral header.d=veiligthuis.test; dkim=policy header.d=veiligthuis.test; dmarc=none',
        ],
      }),
      policy,
    );
    expect(result).toEqual({
      trusted: true,
      reasons: ['sender is in the trusted list', 'no authentication failure reported'],
    });
  });

  it('when a "fail" appears only inside a comment or a quoted value, then it is not read as a verdict', () => {
    const result = assessTrust(
      facts({
        authenticationResults: [
          'mx.school.test; dkim=pass (dmarc=fail would be bad) header.d="veiligthuis.test;dmarc=fail"',
        ],
      }),
      policy,
    );
    expect(result.trusted).toBe(true);
  });

  it('when the fixture has failing DKIM and DMARC at the school server, then it is not trusted', async () => {
    const result = assessTrust(await fixtureFacts('auth-fail.eml'), policy);
    expect(result.trusted).toBe(false);
  });

  it('when the fixture passes at the school server and only a foreign server says fail, then it is trusted', async () => {
    const result = assessTrust(await fixtureFacts('auth-pass.eml'), policy);
    expect(result.trusted).toBe(true);
  });
});
