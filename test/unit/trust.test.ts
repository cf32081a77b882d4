import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import {
  assessTrust,
  authenticatedFor,
  countAddresses,
  parseAuthenticationResults,
  type TrustPolicy,
} from '../../src/core/trust.js';
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

/** A raw mail with these header lines above From, parsed by the real parser (order kept). */
async function mailWith(
  headerLines: string[],
  from = 'Veilig Thuis <signaal@veiligthuis.test>',
): Promise<MailFacts> {
  const raw = [
    ...headerLines,
    `From: ${from}`,
    'To: hwc@school.test',
    'Subject: Handle with Care',
    'Message-ID: <a1b2c3@mail.veiligthuis.test>',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Dit is een test.',
    '',
  ].join('\r\n');
  const parsed = await parseMail(Buffer.from(raw));
  if (!parsed.ok) throw new Error(`did not parse: ${parsed.reason}`);
  return parsed.facts;
}

const NO_PASS = { trusted: false, reasons: ['no aligned DKIM or DMARC pass from the receiving server'] };

describe('trust: Authentication-Results of the school server (trustedAuthservId)', () => {
  const policy: TrustPolicy = { senders, trustedAuthservId: 'mx.school.test' };
  const withResults = (...authenticationResults: string[]) =>
    assessTrust(facts({ authenticationResults }), policy);

  it.each([
    ['no Authentication-Results at all', []],
    [
      'spf=fail dkim=none dmarc=none',
      ['mx.school.test; spf=fail smtp.mailfrom=veiligthuis.test; dkim=none; dmarc=none'],
    ],
    ['an aligned SPF pass only', ['mx.school.test; spf=pass smtp.mailfrom=veiligthuis.test']],
    ['dmarc=fail', ['mx.school.test; dmarc=fail (p=reject) header.from=veiligthuis.test']],
    ['dkim=fail for the From domain', ['mx.school.test 1; dkim=fail header.d=veiligthuis.test']],
    [
      'a pass from another host',
      ['mx.evil.test; dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test'],
    ],
    ['dkim=pass for another domain', ['mx.school.test; dkim=pass header.d=attacker.test']],
    ['dkim=pass for a bare top-level domain', ['mx.school.test; dkim=pass header.d=test']],
    ['dkim=pass for a lookalike domain', ['mx.school.test; dkim=pass header.d=evilveiligthuis.test']],
    ['dkim=pass that names no domain', ['mx.school.test; dkim=pass']],
    ['dmarc=pass for another From domain', ['mx.school.test; dmarc=pass header.from=attacker.test']],
    ['dmarc=pass that names no From domain', ['mx.school.test; dmarc=pass']],
    ["Exchange's dmarc=bestguesspass", ['mx.school.test; dmarc=bestguesspass header.from=veiligthuis.test']],
    [
      'dkim=neutral, policy and none',
      [
        'mx.school.test; dkim=neutral header.d=veiligthuis.test; dkim=policy header.d=veiligthuis.test; dkim=none',
      ],
    ],
    [
      'a header without authserv-id',
      ['dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test'],
    ],
  ])('when the results hold %s, then the signal is not trusted', (_what, results) => {
    expect(withResults(...results)).toEqual(NO_PASS);
  });

  it('when DKIM passes aligned for the From domain, then the signal is trusted', () => {
    expect(withResults('mx.school.test; dkim=pass header.d=veiligthuis.test; dmarc=fail')).toEqual({
      trusted: true,
      reasons: ['sender is in the trusted list', 'aligned DKIM pass'],
    });
  });

  it('when DMARC passes for exactly the From domain, then the signal is trusted', () => {
    expect(
      withResults('mx.school.test; dmarc=pass (p=reject dis=none) header.from=veiligthuis.test'),
    ).toEqual({
      trusted: true,
      reasons: ['sender is in the trusted list', 'DMARC passed for the From domain'],
    });
  });

  it.each([
    ['a@veiligthuis.test', 'header.d=regio.veiligthuis.test', true],
    ['a@regio.veiligthuis.test', 'header.d=veiligthuis.test', true],
    ['a@regio.veiligthuis.test', 'header.i=@veiligthuis.test', true],
    ['a@regio.veiligthuis.test', 'header.i=signaal@regio.veiligthuis.test', true],
    ['a@noord.veiligthuis.test', 'header.d=zuid.veiligthuis.test', false],
    ['a@veiligthuis.test', 'header.d=veiligthuis.test.attacker.test', false],
  ])(
    'when From is %s and DKIM passes with %s, then trusted is %s (relaxed alignment)',
    (from, property, trusted) => {
      const result = assessTrust(
        facts({ fromAddress: from, authenticationResults: [`mx.school.test; dkim=pass ${property}`] }),
        policy,
      );
      expect(result.trusted).toBe(trusted);
    },
  );

  it('when one of two DKIM signatures passes aligned and the other fails for a list, then it is trusted', () => {
    expect(
      withResults('mx.school.test; dkim=fail header.d=mailinglist.test; dkim=pass header.d=veiligthuis.test')
        .trusted,
    ).toBe(true);
  });

  it('when a pass appears only inside a comment or a quoted value, then it is not read as a verdict', () => {
    expect(
      withResults(
        'mx.school.test; dkim=none (dkim=pass header.d=veiligthuis.test) header.b="x;dkim=pass header.d=veiligthuis.test"',
      ),
    ).toEqual(NO_PASS);
  });

  it('when the authserv-id differs in case, has a comment, a version or a job id, then it still matches', () => {
    for (const id of ['(our server) MX.School.Test', 'mx.school.test 1', 'mx.school.test/4AbC12']) {
      expect(withResults(`${id}; dkim=pass (good) header.d=veiligthuis.test`).trusted, id).toBe(true);
    }
    expect(withResults('mx.school.test.evil.test; dkim=pass header.d=veiligthuis.test')).toEqual(NO_PASS);
  });

  it("when an attacker appends a header with the school's authserv-id below the real one, then only the real one counts", async () => {
    // As the stack's Postfix writes it: the milters' headers above the Received of the MX, the
    // sender's own lines below it.
    const real = [
      'Received: from mail.school.test by vm with LMTP; Tue, 01 Dec 2026 20:02:07 +0000',
      'Authentication-Results: mx.school.test; dmarc=fail (p=reject dis=none) header.from=veiligthuis.test',
      'Authentication-Results: mx.school.test; dkim=none; dkim-atps=neutral',
      'Received: from [198.51.100.7] by mail.school.test (Postfix) with ESMTP id 7DF69; Tue, 1 Dec 2026 20:02:07 +0000',
    ];
    const forged = [
      'Authentication-Results: mx.school.test; dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test',
    ];
    expect(assessTrust(await mailWith([...real, ...forged]), policy)).toEqual(NO_PASS);
    // Directly below the real stamp, as by a server that stamps under its own Received header:
    // per method, the topmost header that carries it counts, so the forged pass adds nothing.
    const underReceived = [real[0] ?? '', real[3] ?? '', real[1] ?? '', real[2] ?? '', ...forged];
    expect(assessTrust(await mailWith(underReceived), policy)).toEqual(NO_PASS);
  });

  it('when the server checks DKIM only and a forged DMARC pass stands below its Received header, then it does not count', async () => {
    const mail = await mailWith([
      'Authentication-Results: mx.school.test; dkim=none; dkim-atps=neutral',
      'Received: from [198.51.100.7] by mail.school.test (Postfix) with ESMTP id 7DF69; Tue, 1 Dec 2026 20:02:07 +0000',
      'Authentication-Results: mx.school.test; dmarc=pass header.from=veiligthuis.test',
    ]);
    expect(mail.authenticationResultsReceivedAbove).toEqual([0, 1]);
    expect(assessTrust(mail, policy)).toEqual(NO_PASS);
  });

  it('when OpenDKIM and OpenDMARC each stamp a header as in the real stack, then the pass of either counts', async () => {
    const stamped = (dmarc: string, dkim: string) =>
      mailWith([
        'Received: from mail.school.test by vm with LMTP; Tue, 01 Dec 2026 20:02:07 +0000',
        `Authentication-Results: mx.school.test; dmarc=${dmarc} (p=reject dis=none) header.from=veiligthuis.test`,
        `Authentication-Results: mx.school.test;\r\n\tdkim=${dkim} (2048-bit key) header.d=veiligthuis.test header.i=@veiligthuis.test header.a=rsa-sha256 header.s=hwc header.b=cP3ZkIXc;\r\n\tdkim-atps=neutral`,
        'Received: from relay.senders.test by mail.school.test (Postfix) with ESMTP id 8F90B; Tue, 1 Dec 2026 20:02:07 +0000',
      ]);
    expect(assessTrust(await stamped('pass', 'pass'), policy).trusted).toBe(true);
    expect(assessTrust(await stamped('none', 'pass'), policy).reasons).toContain('aligned DKIM pass');
    expect(assessTrust(await stamped('fail', 'fail'), policy)).toEqual(NO_PASS);
  });

  it('when reasons are given, then they never contain an address', () => {
    const all = [withResults(), withResults('mx.school.test; dkim=pass header.i=signaal@veiligthuis.test')];
    expect(all.flatMap((r) => r.reasons).join(' ')).not.toMatch(/@/);
  });

  it('when the fixture has failing DKIM and DMARC at the school server, then it is not trusted', async () => {
    expect(assessTrust(await fixtureFacts('auth-fail.eml'), policy)).toEqual(NO_PASS);
  });

  it('when the fixture passes at the school server and only a foreign server says fail, then it is trusted', async () => {
    expect(assessTrust(await fixtureFacts('auth-pass.eml'), policy).trusted).toBe(true);
  });

  it('when a contact domain is asked about, then authenticatedFor uses the same rule', () => {
    const passing = facts({ authenticationResults: ['mx.school.test; dkim=pass header.d=school.test'] });
    expect(authenticatedFor(passing, { trustedAuthservId: 'mx.school.test' }, 'school.test')).toBe(true);
    expect(authenticatedFor(passing, { trustedAuthservId: 'mx.school.test' }, 'other.test')).toBe(false);
    expect(authenticatedFor(passing, {}, 'school.test')).toBe(false);
  });
});

// Exchange Online, as documented at
// https://learn.microsoft.com/en-us/defender-office-365/message-headers-eop-mdo#authentication-results-message-header
// and as it arrives (no authserv-id; see https://github.com/emersion/go-msgauth/issues/64).
const EXO_RECEIVED = [
  'Received: from AM8PR08MB5827.eurprd08.prod.outlook.com (2603:10a6:20b:1d8::11) by DB9PR08MB6588.eurprd08.prod.outlook.com with HTTPS; Tue, 1 Dec 2026 06:12:01 +0000',
  'Received: from DU2PEPF00028D0F.eurprd03.prod.outlook.com (2603:10a6:10:3dd::13) by AM8PR08MB5827.eurprd08.prod.outlook.com (2603:10a6:20b:1d8::11) with Microsoft SMTP Server; Tue, 1 Dec 2026 06:12:00 +0000',
];
const exo = (spf: string, dkim: string, dmarc: string) =>
  `Authentication-Results: spf=${spf} (sender IP is 198.51.100.7)\r\n smtp.mailfrom=veiligthuis.test; dkim=${dkim} (signature was verified)\r\n header.d=veiligthuis.test;dmarc=${dmarc} action=none\r\n header.from=veiligthuis.test;compauth=pass reason=100`;
const EXO_TAIL = [
  'Received-SPF: Pass (protection.outlook.com: domain of veiligthuis.test designates 198.51.100.7 as permitted sender) receiver=protection.outlook.com; client-ip=198.51.100.7; helo=mail.veiligthuis.test;',
  'Received: from mail.veiligthuis.test (198.51.100.7) by DU2PEPF00028D0F.mail.protection.outlook.com (10.167.242.23) with Microsoft SMTP Server; Tue, 1 Dec 2026 06:12:00 +0000',
  'X-MS-Exchange-Organization-AuthAs: Anonymous',
];

describe('trust: receivingServer microsoft365 (Exchange Online)', () => {
  const policy: TrustPolicy = { senders, receivingServer: 'microsoft365' };

  it('when Exchange Online stamps an aligned pass without authserv-id, then the signal is trusted', async () => {
    const mail = await mailWith([...EXO_RECEIVED, exo('pass', 'pass', 'pass'), ...EXO_TAIL]);
    expect(assessTrust(mail, policy)).toEqual({
      trusted: true,
      reasons: ['sender is in the trusted list', 'DMARC passed for the From domain'],
    });
  });

  it('when Exchange Online reports dmarc=fail and the sender appended a passing header, then it is not trusted', async () => {
    const forged =
      'Authentication-Results: spf=pass smtp.mailfrom=veiligthuis.test; dkim=pass header.d=veiligthuis.test;dmarc=pass action=none header.from=veiligthuis.test';
    const mail = await mailWith([...EXO_RECEIVED, exo('fail', 'none', 'fail'), ...EXO_TAIL, forged]);
    expect(assessTrust(mail, policy)).toEqual(NO_PASS);
  });

  it('when Exchange Online finds no DMARC record and no signature (bestguesspass, dkim=none), then it is not trusted', async () => {
    const mail = await mailWith([
      ...EXO_RECEIVED,
      'Authentication-Results: spf=pass (sender IP is 198.51.100.7) smtp.mailfrom=veiligthuis.test; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=veiligthuis.test;compauth=pass reason=109',
      ...EXO_TAIL,
    ]);
    expect(assessTrust(mail, policy)).toEqual(NO_PASS);
  });

  it("when Exchange Online writes its stray '; domain;' parts, then the results around them still parse", () => {
    const parsed = parseAuthenticationResults(
      'spf=pass (sender IP is 198.51.100.7) smtp.mailfrom=veiligthuis.test; school.test; dkim=pass (signature was verified) header.d=veiligthuis.test;school.test; dmarc=pass action=none header.from=veiligthuis.test;',
    );
    expect(parsed.authservId).toBeUndefined();
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'spf=pass',
      'dkim=pass',
      'dmarc=pass',
    ]);
  });

  it('when the topmost header carries an authserv-id, then it is not Exchange Online and nothing counts', async () => {
    const mail = await mailWith([
      'Authentication-Results: mx.evil.test; dkim=pass header.d=veiligthuis.test; dmarc=pass header.from=veiligthuis.test',
      exo('pass', 'pass', 'pass'),
    ]);
    expect(assessTrust(mail, policy)).toEqual(NO_PASS);
  });

  it('when only an ARC-Authentication-Results of mx.microsoft.com says pass, then it is not read', async () => {
    const mail = await mailWith([
      ...EXO_RECEIVED,
      exo('fail', 'none', 'fail'),
      'ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=veiligthuis.test; dmarc=pass action=none header.from=veiligthuis.test; dkim=pass header.d=veiligthuis.test; arc=none',
      ...EXO_TAIL,
    ]);
    expect(assessTrust(mail, policy)).toEqual(NO_PASS);
  });
});

// Gmail and Google Workspace stamp as mx.google.com, DKIM by header.i, and seal an ARC set above
// (https://support.google.com/mail/answer/29436, https://www.rfc-editor.org/rfc/rfc8617).
const gmail = (dkim: string, dmarc: string) => [
  'Received: by 2002:a05:6102:22c6:0:0:0:0 with SMTP id a6csp126141vsh; Tue, 1 Dec 2026 06:12:01 -0800 (PST)',
  `ARC-Authentication-Results: i=1; mx.google.com;\r\n       dkim=${dkim} header.i=@veiligthuis.test header.s=s1 header.b=Ax3f;\r\n       spf=pass (google.com: domain of bounce@veiligthuis.test designates 198.51.100.7 as permitted sender) smtp.mailfrom=bounce@veiligthuis.test;\r\n       dmarc=${dmarc} (p=REJECT sp=REJECT dis=NONE) header.from=veiligthuis.test`,
  'Return-Path: <bounce@veiligthuis.test>',
  'Received: from mail.veiligthuis.test (mail.veiligthuis.test. [198.51.100.7]) by mx.google.com with ESMTPS id x1si; Tue, 1 Dec 2026 06:12:00 -0800 (PST)',
  'Received-SPF: pass (google.com: domain of bounce@veiligthuis.test designates 198.51.100.7 as permitted sender) client-ip=198.51.100.7;',
  `Authentication-Results: mx.google.com;\r\n       dkim=${dkim} header.i=@veiligthuis.test header.s=s1 header.b=Ax3f;\r\n       spf=pass (google.com: domain of bounce@veiligthuis.test designates 198.51.100.7 as permitted sender) smtp.mailfrom=bounce@veiligthuis.test;\r\n       dmarc=${dmarc} (p=REJECT sp=REJECT dis=NONE) header.from=veiligthuis.test`,
];

describe('trust: receivingServer google (Gmail, Google Workspace)', () => {
  const policy: TrustPolicy = { senders, receivingServer: 'google' };

  it('when mx.google.com stamps an aligned DKIM and DMARC pass, then the signal is trusted', async () => {
    expect(assessTrust(await mailWith(gmail('pass', 'pass')), policy).trusted).toBe(true);
    expect(
      assessTrust(await mailWith(gmail('pass', 'pass')), { ...policy, trustedAuthservId: 'mx.google.com' })
        .trusted,
    ).toBe(true);
  });

  it('when mx.google.com reports a fail and the sender appended an mx.google.com pass below, then it is not trusted', async () => {
    const forged =
      'Authentication-Results: mx.google.com; dkim=pass header.i=@veiligthuis.test; dmarc=pass header.from=veiligthuis.test';
    expect(assessTrust(await mailWith([...gmail('none', 'fail'), forged]), policy)).toEqual(NO_PASS);
  });

  it('when Google stamped no DKIM result and a forged line supplies one, then only the topmost header counts', async () => {
    const unsignedStamp = [
      'Received: from mail.attacker.test by mx.google.com with ESMTPS id x2si; Tue, 1 Dec 2026 06:12:00 -0800 (PST)',
      'Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=attacker.test; dmarc=fail (p=REJECT) header.from=veiligthuis.test',
      'Authentication-Results: mx.google.com; dkim=pass header.i=@veiligthuis.test',
    ];
    expect(assessTrust(await mailWith(unsignedStamp), policy)).toEqual(NO_PASS);
  });
});

describe('trust: without authentication results, the envelope', () => {
  const policy: TrustPolicy = { senders };

  it('when neither Return-Path nor Sender is present, then From is all there is and says so', () => {
    expect(assessTrust(facts({}), policy)).toEqual({
      trusted: true,
      reasons: ['sender is in the trusted list', 'no authentication results are read: From header only'],
    });
  });

  it.each([
    [
      'Return-Path',
      { 'return-path': '<bounce@attacker.test>' },
      'envelope sender is outside the From domain',
    ],
    [
      'Return-Path',
      { 'return-path': '<signaal@veiligthuis.test>, <x@attacker.test>' },
      'envelope sender is outside the From domain',
    ],
    ['Return-Path', { 'return-path': '<>' }, 'null envelope sender on a signal'],
    ['Return-Path', { 'return-path': '' }, 'null envelope sender on a signal'],
    ['Sender', { sender: 'Secretariaat <x@attacker.test>' }, 'Sender header is outside the From domain'],
    [
      'Sender',
      { sender: '"signaal@veiligthuis.test" <x@attacker.test>' },
      'Sender header is outside the From domain',
    ],
  ])('when %s is %j, then the signal is not trusted', (_name, headers, reason) => {
    expect(assessTrust(facts({ headers }), policy)).toEqual({ trusted: false, reasons: [reason] });
  });

  it.each<Record<string, string>>([
    { 'return-path': '<signaal@veiligthuis.test>' },
    { 'return-path': '<bounce+x=y@mail.veiligthuis.test>' },
    { 'return-path': 'signaal@veiligthuis.test', sender: 'Team <team@veiligthuis.test>' },
  ])('when the envelope is %j, within the From domain, then it is trusted', (headers) => {
    expect(assessTrust(facts({ headers }), policy).trusted).toBe(true);
  });

  it('when a forged From: of Veilig Thuis arrives with the envelope of the real sender (fixture-like), then it is not trusted', async () => {
    const mail = await mailWith(['Return-Path: <spoof@example.test>']);
    expect(assessTrust(mail, policy)).toEqual({
      trusted: false,
      reasons: ['envelope sender is outside the From domain'],
    });
  });

  it('when the receiving server is named, then an envelope of another domain does not matter (DKIM decides)', () => {
    const result = assessTrust(
      facts({
        headers: { 'return-path': '<bounces@esp.example.test>' },
        authenticationResults: ['mx.school.test; dkim=pass header.d=veiligthuis.test'],
      }),
      { senders, trustedAuthservId: 'mx.school.test' },
    );
    expect(result.trusted).toBe(true);
  });
});
