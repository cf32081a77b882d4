import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PARSE_LIMITS,
  messageIdOf,
  parseMail,
  type ParseResult,
} from '../../src/adapters/mail-parser.js';
import type { MailFacts } from '../../src/core/types.js';

function mail(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

async function okFacts(raw: Buffer): Promise<MailFacts> {
  const result = await parseMail(raw);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}`);
  return result.facts;
}

function nested(depth: number): Buffer {
  const lines = ['From: a@veiligthuis.test', 'Subject: HwC'];
  for (let i = 0; i < depth; i++) {
    lines.push(`Content-Type: multipart/mixed; boundary="b${i}"`, '', `--b${i}`);
  }
  lines.push('Content-Type: text/plain', '', 'Eva Bos, 2-2-2012');
  for (let i = depth - 1; i >= 0; i--) lines.push(`--b${i}--`);
  return mail(lines);
}

describe('mail parser: facts', () => {
  it('when a mail has the usual headers, then they are mapped into MailFacts', async () => {
    const facts = await okFacts(
      mail([
        'Return-Path: <signaal@veiligthuis.test>',
        'Authentication-Results: mx.school.test;',
        '\tdkim=pass header.d=veiligthuis.test',
        'Authentication-Results: mx.relay.test; spf=pass',
        'From: "Veilig Thuis" <Signaal@VeiligThuis.Test>',
        'To: hwc@school.test',
        'Subject: =?utf-8?Q?Handle_with_Care_=E2=80=93_signaal?=',
        'Date: Fri, 20 Nov 2026 09:12:00 +0100',
        'Message-ID: <abc-123@veiligthuis.test>',
        'In-Reply-To: <prev@school.test>',
        'References: <a@x.test> <b@x.test>',
        'Auto-Submitted: no',
        'X-Auto-Response-Suppress: All',
        'Precedence: list',
        'List-Id: <news.veiligthuis.test>',
        'List-Unsubscribe: <mailto:off@veiligthuis.test>',
        'Disposition-Notification-To: <Signaal@veiligthuis.test>',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Eva Bos, 2-2-2012, HwC',
      ]),
    );
    expect(facts).toMatchObject({
      messageId: 'abc-123@veiligthuis.test',
      fromAddress: 'signaal@veiligthuis.test',
      fromName: 'Veilig Thuis',
      subject: 'Handle with Care \u2013 signaal',
      inReplyTo: 'prev@school.test',
      references: ['a@x.test', 'b@x.test'],
      contentType: 'text/plain',
      dispositionNotificationTo: 'signaal@veiligthuis.test',
      date: '2026-11-20T08:12:00.000Z',
      authenticationResults: [
        'mx.school.test;\tdkim=pass header.d=veiligthuis.test',
        'mx.relay.test; spf=pass',
      ],
    });
    expect(facts.text.trim()).toBe('Eva Bos, 2-2-2012, HwC');
    expect(facts.headers).toMatchObject({
      'auto-submitted': 'no',
      'x-auto-response-suppress': 'All',
      precedence: 'list',
      'list-id': '<news.veiligthuis.test>',
      'list-unsubscribe': '<mailto:off@veiligthuis.test>',
      'return-path': '<signaal@veiligthuis.test>',
    });
  });

  it('when the top-level type is a report, then contentType and reportType are lower-case', async () => {
    const facts = await okFacts(await readFile(new URL('../fixtures/read-receipt.eml', import.meta.url)));
    expect(facts.contentType).toBe('multipart/report');
    expect(facts.reportType).toBe('disposition-notification');
  });

  it('when the Date header is garbage, then date is absent rather than "now"', async () => {
    const facts = await okFacts(mail(['From: a@b.test', 'Date: yesterday-ish', 'Subject: x', '', 'body']));
    expect(facts.date).toBeUndefined();
  });

  it('when there are two From headers or a From group, then fromAddress is absent', async () => {
    const two = await okFacts(
      mail(['From: a@veiligthuis.test', 'From: b@evil.test', 'Subject: x', '', 'body']),
    );
    expect(two.fromAddress).toBeUndefined();
    expect(two.headers['from']).toBe('a@veiligthuis.test, b@evil.test');
    const group = await okFacts(mail(['From: VT: a@veiligthuis.test;', 'Subject: x', '', 'body']));
    expect(group.fromAddress).toBeUndefined();
    const list = await okFacts(mail(['From: a@veiligthuis.test, b@evil.test', 'Subject: x', '', 'body']));
    expect(list.fromAddress).toBeUndefined();
  });

  it('when the mail is HTML only, then text is derived from it by mailparser and html is kept', async () => {
    const facts = await okFacts(
      mail([
        'From: a@b.test',
        'Subject: x',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Eva&nbsp;Bos, 2-2-2012</p>',
      ]),
    );
    expect(facts.text).toContain('Bos, 2-2-2012');
    expect(facts.html).toContain('<p>');
  });

  it('when a windows-1252 quoted-printable body is parsed, then diacritics are decoded', async () => {
    const facts = await okFacts(
      await readFile(new URL('../fixtures/outlook-alternative.eml', import.meta.url)),
    );
    expect(facts.text).toContain('Noëlle');
    expect(facts.html).toContain('No&euml;lle');
  });

  it('when a forwarded mail is attached as message/rfc822, then its text is added under a forward marker', async () => {
    const facts = await okFacts(
      await readFile(new URL('../fixtures/forwarded-attachment.eml', import.meta.url)),
    );
    expect(facts.text).toContain('---------- Doorgestuurd bericht ----------');
    expect(facts.text).toContain('Luuk Hendriks, 9-9-2009, HwC');
  });

  it('when the HTML is longer than the limit, then it is truncated to the limit', async () => {
    const html = `<p>${'x'.repeat(5000)}</p>`;
    const result = await parseMail(
      mail(['From: a@b.test', 'Subject: x', 'Content-Type: text/html', '', html]),
      { maxHtmlLength: 1000 },
    );
    expect(result.ok && result.facts.html?.length).toBe(1000);
  });
});

describe('mail parser: bounds', () => {
  it('when a mail is larger than maxBytes, then it is refused as too-big before parsing', async () => {
    const raw = Buffer.alloc(2048, 0x61);
    expect(await parseMail(raw, { maxBytes: 1024 })).toEqual({ ok: false, reason: 'too-big' });
    expect(DEFAULT_PARSE_LIMITS.maxBytes).toBe(5 * 1024 * 1024);
  });

  it('when a header has 50,000 lines, then it is refused as header-too-large', async () => {
    const lines = ['From: a@b.test'];
    for (let i = 0; i < 50_000; i++) lines.push(`X-H${i}: v`);
    lines.push('', 'body');
    expect(await parseMail(mail(lines))).toEqual({ ok: false, reason: 'header-too-large' });
  });

  it('when a single header line is enormous, then it is refused as header-too-large', async () => {
    const raw = mail([
      'From: a@b.test',
      `Subject: ${'a'.repeat(DEFAULT_PARSE_LIMITS.maxHeaderBytes + 10)}`,
      '',
      'body',
    ]);
    expect(await parseMail(raw)).toEqual({ ok: false, reason: 'header-too-large' });
  });

  it('when MIME parts nest deeper than the limit, then it is refused as too-deeply-nested', async () => {
    expect(await parseMail(nested(DEFAULT_PARSE_LIMITS.maxMimeDepth + 1))).toEqual({
      ok: false,
      reason: 'too-deeply-nested',
    });
    expect((await parseMail(nested(3))).ok).toBe(true);
  });

  it('when embedded messages nest deeper than the limit, then it is refused as too-deeply-nested', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) lines.push('From: a@b.test', 'Content-Type: message/rfc822', '');
    lines.push('From: a@b.test', '', 'body');
    expect(await parseMail(mail(lines))).toEqual({ ok: false, reason: 'too-deeply-nested' });
  });

  it('when a mail has more parts than the limit, then it is refused as too-many-parts', async () => {
    const lines = ['From: a@b.test', 'Content-Type: multipart/mixed; boundary=x', ''];
    for (let i = 0; i < DEFAULT_PARSE_LIMITS.maxMimeParts + 1; i++)
      lines.push('--x', 'Content-Type: text/plain', '', `p${i}`);
    lines.push('--x--');
    expect(await parseMail(mail(lines))).toEqual({ ok: false, reason: 'too-many-parts' });
  });

  it('when parsing takes longer than the time budget, then it ends as timeout without a crash', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 0x41)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    const raw = mail([
      'From: a@b.test',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      body,
    ]);
    const result = await parseMail(raw, { timeBudgetMs: 1 });
    expect(result).toEqual({ ok: false, reason: 'timeout' });
    // Give a destroyed parser the chance to emit late events; vitest fails on unhandled errors.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('when the parser itself is still running at the deadline, then it is stopped and the result is timeout', async () => {
    // One long base64 line keeps the pre-parse scan short, so the deadline falls inside mailparser.
    const body = Buffer.alloc(3 * 1024 * 1024, 0x41).toString('base64');
    const raw = mail([
      'From: a@b.test',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      body,
    ]);
    expect(await parseMail(raw, { timeBudgetMs: 30 })).toEqual({ ok: false, reason: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('when limits are given as nonsense, then the defaults apply', async () => {
    const result = await parseMail(mail(['From: a@b.test', '', 'body']), {
      maxBytes: Number.NaN,
      maxHeaderBytes: -1,
      timeBudgetMs: 0,
    });
    expect(result.ok).toBe(true);
  });

  it.each<[string, Buffer]>([
    ['an empty buffer', Buffer.alloc(0)],
    ['only a blank line', Buffer.from('\r\n\r\n')],
    [
      'NUL bytes everywhere',
      Buffer.from('From: a\u0000@b.test\r\nSubject: \u0000\r\n\r\nEva\u0000 Bos, 2-2-2012'),
    ],
    [
      'broken base64',
      mail(['From: a@b.test', 'Content-Transfer-Encoding: base64', '', '!!!@@@###$$$', '====AAAA']),
    ],
    [
      'an unknown charset',
      mail(['From: a@b.test', 'Content-Type: text/plain; charset=x-klingon', '', 'Eva']),
    ],
    [
      'a UTF-7 body',
      mail(['From: a@b.test', 'Content-Type: text/plain; charset=utf-7', '', '+ADw-script+AD4-']),
    ],
    [
      'a missing closing boundary',
      mail(['From: a@b.test', 'Content-Type: multipart/mixed; boundary=q', '', '--q', '', 'text']),
    ],
    ['random binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
  ])('when the input is %s, then the result is a defined outcome', async (_title, raw) => {
    const result: ParseResult = await parseMail(raw);
    if (result.ok) {
      expect(typeof result.facts.text).toBe('string');
      expect(Array.isArray(result.facts.references)).toBe(true);
    } else {
      expect([
        'too-big',
        'header-too-large',
        'too-deeply-nested',
        'too-many-parts',
        'timeout',
        'unparseable',
      ]).toContain(result.reason);
    }
  });
});

describe('mail parser: messageIdOf', () => {
  it('when the Message-ID has angle brackets, then it is returned without them', () => {
    expect(messageIdOf(mail(['From: a@b.test', 'Message-ID: <abc@x.test>', '', 'body']))).toBe('abc@x.test');
  });

  it('when the Message-ID is folded, in other case, or without brackets, then it is still found', () => {
    expect(messageIdOf(mail(['Message-Id:', '   <folded@x.test>', '', 'b']))).toBe('folded@x.test');
    expect(messageIdOf(Buffer.from('message-id: bare@x.test\n\nbody'))).toBe('bare@x.test');
  });

  it('when there is no Message-ID, or it appears only in the body, then it is undefined', () => {
    expect(messageIdOf(mail(['From: a@b.test', '', 'Message-ID: <body@x.test>']))).toBeUndefined();
    expect(messageIdOf(mail(['Message-ID: <>', '', 'b']))).toBeUndefined();
    expect(messageIdOf(Buffer.alloc(0))).toBeUndefined();
  });

  it('when a mail is too big to parse, then its Message-ID is still found and equals the parsed one', async () => {
    const raw = mail(['Message-ID: <big@x.test>', 'From: a@b.test', '', 'x'.repeat(4096)]);
    expect(await parseMail(raw, { maxBytes: 1024 })).toEqual({ ok: false, reason: 'too-big' });
    expect(messageIdOf(raw)).toBe('big@x.test');
    expect((await okFacts(raw)).messageId).toBe('big@x.test');
  });
});
