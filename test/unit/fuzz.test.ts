import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { classify } from '../../src/core/classify.js';
import type { ClassifiedMail } from '../../src/core/types.js';

/** mulberry32: a small seeded PRNG, so that every run mutates the same way and a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const int = (random: Random, max: number): number => Math.floor(random() * max);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length === 0 ? raw.length : Math.min(...ends);
}

const mutations: Record<string, (raw: Buffer, random: Random, corpus: Buffer[]) => Buffer> = {
  byteFlips(raw, random) {
    const out = Buffer.from(raw);
    const n = 1 + int(random, 30);
    for (let i = 0; i < n && out.length > 0; i++) out[int(random, out.length)] = int(random, 256);
    return out;
  },
  truncate(raw, random) {
    return raw.subarray(0, int(random, raw.length + 1));
  },
  duplicateHeaders(raw, random) {
    const end = headerEnd(raw);
    const lines = raw.subarray(0, end).toString('latin1').split(/\r?\n/);
    const copies: string[] = [];
    const n = 1 + int(random, 20);
    for (let i = 0; i < n; i++) copies.push(pick(random, lines));
    return Buffer.concat([Buffer.from(`${copies.join('\r\n')}\r\n`, 'latin1'), raw]);
  },
  brokenBoundaries(raw, random) {
    let text = raw.toString('latin1');
    const m = /boundary="?([^";\r\n]+)"?/i.exec(text);
    const boundary = m?.[1];
    if (boundary !== undefined) {
      const choice = int(random, 3);
      if (choice === 0) text = text.split(`--${boundary}--`).join('');
      else if (choice === 1) text = text.replace(`boundary="${boundary}"`, 'boundary="other"');
      else text = text.split(`--${boundary}`).join(`--${boundary.slice(0, int(random, boundary.length))}`);
    } else {
      text = text.replace(/Content-Type:[^\r\n]*/i, 'Content-Type: multipart/mixed; boundary=zz');
    }
    return Buffer.from(text, 'latin1');
  },
  nulBytes(raw, random) {
    const out: Buffer[] = [];
    let pos = 0;
    const n = 1 + int(random, 50);
    for (let i = 0; i < n; i++) {
      const at = pos + int(random, Math.max(1, raw.length - pos));
      out.push(raw.subarray(pos, at), Buffer.alloc(1 + int(random, 4)));
      pos = at;
    }
    out.push(raw.subarray(pos));
    return Buffer.concat(out);
  },
  hugeLine(raw, random) {
    const at = int(random, raw.length + 1);
    const line = Buffer.alloc(
      50_000 + int(random, 400_000),
      pick(random, [0x41, 0x3d, 0x2d, 0x20, 0x09, 0x3c, 0x2c, 0x0a]),
    );
    return Buffer.concat([raw.subarray(0, at), line, raw.subarray(at)]);
  },
  deepNesting(raw, random) {
    const depth = 1 + int(random, 40);
    const head: string[] = ['From: signaal@veiligthuis.test', 'Subject: HwC'];
    const tail: string[] = [];
    for (let i = 0; i < depth; i++) {
      head.push(`Content-Type: multipart/mixed; boundary="n${i}"`, '', `--n${i}`);
      tail.unshift(`--n${i}--`);
    }
    head.push('Content-Type: message/rfc822', '', '');
    return Buffer.concat([
      Buffer.from(head.join('\r\n'), 'latin1'),
      raw,
      Buffer.from(`\r\n${tail.join('\r\n')}\r\n`),
    ]);
  },
  noHeaderSeparator(raw) {
    return Buffer.from(raw.toString('latin1').replace(/\r?\n\r?\n/, '\r\n'), 'latin1');
  },
  wrongCharsetAndEncoding(raw, random) {
    const charset = pick(random, ['utf-7', 'x-unknown', 'iso-2022-jp', 'utf-16', 'windows-1252', '']);
    const encoding = pick(random, ['base64', 'quoted-printable', 'x-uuencode', '8bit', 'bogus']);
    return Buffer.from(
      raw
        .toString('latin1')
        .replace(/charset="?[^";\r\n]*"?/gi, `charset=${charset}`)
        .replace(/Content-Transfer-Encoding:[^\r\n]*/gi, `Content-Transfer-Encoding: ${encoding}`),
      'latin1',
    );
  },
  splice(raw, random, corpus) {
    const other = pick(random, corpus);
    return Buffer.concat([
      raw.subarray(0, int(random, raw.length)),
      other.subarray(int(random, other.length)),
    ]);
  },
  garbage(_raw, random) {
    return Buffer.from(Array.from({ length: int(random, 8192) }, () => int(random, 256)));
  },
};

// 'secure-notice': a secure-mail service's notice (issue 11), a defined outcome with no children.
const KINDS = new Set(['signal', 'not-a-signal', 'secure-notice']);
const CATEGORIES = new Set([
  'signal',
  'secure-notice',
  'bounce',
  'auto-reply',
  'read-receipt',
  'delivery-report',
  'test-message',
  'newsletter',
  'other',
]);
const FAILURES = new Set([
  'too-big',
  'header-too-large',
  'too-deeply-nested',
  'too-many-parts',
  'timeout',
  'unparseable',
]);

function checkClassification(result: ClassifiedMail): string | undefined {
  if (!KINDS.has(result.kind) || !CATEGORIES.has(result.category)) return 'unknown kind or category';
  if ((result.kind === 'signal') !== (result.category === 'signal')) return 'kind and category disagree';
  if (typeof result.needsReview !== 'boolean' || !Array.isArray(result.reasons)) return 'bad shape';
  if (result.kind === 'not-a-signal' && result.children.length > 0) return 'a non-signal has children';
  for (const child of result.children) {
    if (typeof child.name !== 'string') return 'name is not a string';
    if (child.birthDate !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(child.birthDate))
      return 'birth date is not ISO';
    const leak = child.name.length >= 3 && result.reasons.some((r) => r.includes(child.name));
    if (leak) return 'a reason contains a child name';
  }
  return undefined;
}

describe('fuzz: malformed and mutated mails', () => {
  it('when 1,200 mutated fixtures are parsed and classified, then each ends in a defined outcome without an exception', async () => {
    const dir = new URL('../fixtures/', import.meta.url);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
    const corpus = await Promise.all(names.map((n) => readFile(new URL(n, dir))));
    expect(corpus.length).toBeGreaterThan(10);

    const random = prng(20261120);
    const kinds = Object.keys(mutations);
    const problems: string[] = [];
    const outcomes = new Map<string, number>();
    const total = 1200;
    for (let i = 0; i < total; i++) {
      const base = pick(random, corpus);
      const kind = kinds[i % kinds.length] as string;
      let raw = (mutations[kind] as (typeof mutations)[string])(base, random, corpus);
      // Some cases get a second mutation on top, to reach odder corners.
      if (random() < 0.3)
        raw = (mutations[pick(random, kinds)] as (typeof mutations)[string])(raw, random, corpus);
      try {
        const parsed = await parseMail(raw, { timeBudgetMs: 2000 });
        if (!parsed.ok) {
          if (!FAILURES.has(parsed.reason)) problems.push(`#${i} ${kind}: unknown failure reason`);
          outcomes.set(parsed.reason, (outcomes.get(parsed.reason) ?? 0) + 1);
          continue;
        }
        const result = classify(parsed.facts, { today: '2026-11-20' });
        const problem = checkClassification(result);
        if (problem) problems.push(`#${i} ${kind}: ${problem}`);
        outcomes.set(result.category, (outcomes.get(result.category) ?? 0) + 1);
      } catch (err) {
        problems.push(`#${i} ${kind}: threw ${(err as Error).name}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(total);
    // Both sides are exercised: mutated mails still parse, and hostile ones are refused.
    expect(outcomes.get('signal') ?? 0).toBeGreaterThan(100);
    expect(outcomes.get('too-deeply-nested') ?? 0).toBeGreaterThan(0);
  }, 60_000);
});

describe('fuzz: text built to make pattern matching slow', () => {
  const big = (unit: string, length = 1_000_000): string => unit.repeat(Math.ceil(length / unit.length));
  const texts: [string, string][] = [
    ['spaces', `Eva Bos${big(' ')}2-2-2012`],
    ['tabs', `Naam${big('\t')}x`],
    ['blank lines', big('\n \t\n')],
    ['digits and spaces', big('1 ')],
    ['separators', big(' ,;|')],
    ['labels', big('Naam: geb. ')],
    ['codewords', big('handle with ')],
    ['abbreviations', big('h.w.')],
    ['dashes', big('-')],
    ['date-like', big('1-1-1-1-')],
    ['header-like lines', big('Van:\t\t\t\n')],
    ['words', big('Eva ')],
    ['quote marks', big('> ')],
  ];

  it('when classify gets pathological text, subject and HTML, then it returns a defined result', () => {
    for (const [, text] of texts) {
      const result = classify(
        {
          subject: `HwC ${big('Re: ', 200_000)}`,
          text,
          html: big('<table><tr><td><p>Eva&nbsp;', 500_000),
          references: [],
          headers: { 'auto-submitted': big(' ', 10_000) },
          authenticationResults: [],
          contentType: 'text/plain',
        },
        { today: '2026-11-20' },
      );
      expect(checkClassification(result)).toBeUndefined();
    }
  }, 60_000);
});
