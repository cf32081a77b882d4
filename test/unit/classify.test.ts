import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { classify, MAX_CHILDREN } from '../../src/core/classify.js';
import type { ClassifiedMail } from '../../src/core/types.js';
import { mailFacts as facts } from '../support/mail-facts.js';

const today = '2026-11-20';

async function classifyFixture(name: string): Promise<ClassifiedMail> {
  const raw = await readFile(new URL(`../fixtures/${name}`, import.meta.url));
  const parsed = await parseMail(raw);
  if (!parsed.ok) throw new Error(`fixture did not parse: ${parsed.reason}`);
  return classify(parsed.facts, { today });
}

function children(result: ClassifiedMail): string[] {
  return result.children.map((c) => `${c.name} | ${c.birthDate}`);
}

describe('classify: signals from fixtures', () => {
  it.each([
    ['one-line.eml', ['David Pieterse | 2006-02-03']],
    ['labelled-fields.eml', ['Sanne van der Berg | 2012-02-03']],
    ['labelled-reversed.eml', ['Noah de Wit | 2015-07-14']],
    [
      'siblings-list.eml',
      ['Ayoub El Amrani | 2013-04-12', 'Yasmina El Amrani | 2016-02-03', 'Ilias El Amrani | 2019-09-30'],
    ],
    ['siblings-tabs.eml', ['Rishi Ramdin | 2011-06-05', 'Shanti Jagessar-Mahabier | 2014-09-22']],
    ['outlook-html-table.eml', ['Ayşe Yılmaz | 2012-02-03', 'Mehmet Yılmaz | 2015-05-05']],
    ['outlook-alternative.eml', ["Noëlle van 't Hof | 2010-02-03"]],
    ['outlook-alternative-table.eml', ['Zoë Bakker | 2011-02-14', 'Thijs Bakker | 2013-06-30']],
    ['outlook-html-label-table.eml', ['Sem van Dijk | 2016-01-12', 'Lina van Dijk | 2018-10-07']],
    ['iso-8859-1.eml', ['Anaïs Pieterse-de Jong | 2009-02-03']],
    ['codeword-subject-only.eml', ['Daan Smit | 2012-08-17']],
    ['forwarded-gmail.eml', ['Kevin Sabajo | 2010-12-11']],
    ['forwarded-outlook.eml', ['Fatima Bakkali | 2014-03-01']],
    ['forwarded-attachment.eml', ['Luuk Hendriks | 2009-09-09']],
    ['iso-date.eml', ['Kenneth Sabajo | 2011-05-20']],
    ['signature-trap.eml', ['Mila Bouzid | 2013-02-03']],
    ['html-nbsp-one-line.eml', ['Emre Çelik | 2013-02-03']],
  ])(
    'when %s is classified, then it is a clean signal with exactly its children',
    async (fixture, expected) => {
      const result = await classifyFixture(fixture);
      expect(result.kind).toBe('signal');
      expect(result.category).toBe('signal');
      expect(children(result)).toEqual(expected);
      expect(result.needsReview).toBe(false);
    },
  );

  it('when the codeword is only in the subject, then the reasons say so', async () => {
    const result = await classifyFixture('codeword-subject-only.eml');
    expect(result.reasons).toContain('codeword in subject');
    expect(result.reasons).not.toContain('codeword in body');
  });

  it('when a signal is forwarded, then the reasons say so and the forwarder is not a child', async () => {
    const result = await classifyFixture('forwarded-gmail.eml');
    expect(result.reasons).toContain('forwarded message');
    expect(result.children.some((c) => /Marieke|Jansen/.test(c.name))).toBe(false);
  });

  it('when a signal is clean, then its reasons count the children and hold no child data', async () => {
    const result = await classifyFixture('siblings-list.eml');
    expect(result.reasons).toContain('3 children found');
    const reasons = result.reasons.join(' ');
    expect(reasons).not.toMatch(/Amrani|Ayoub|2013|2016|2019/);
  });
});

describe('classify: signals that need a person', () => {
  it.each([
    ['impossible-date.eml', 'birth date does not exist', ['Julia de Vries | ']],
    ['future-date.eml', 'birth date is in the future', ['Lotte Mulder | 2027-05-12']],
    ['age-out-of-range.eml', 'age outside 2 to 23', ['Bram Visser | 1990-01-01']],
    [
      'sentence-name.eml',
      'name is empty or looks like a sentence',
      ['de moeder belt nog over de naam | 2014-04-04'],
    ],
    [
      'count-mismatch.eml',
      'number of names does not match number of dates',
      ['Tim Bos | ', 'Eva Bos | 2012-02-02'],
    ],
  ])('when %s is classified, then it is kept as is and flagged "%s"', async (fixture, reason, expected) => {
    const result = await classifyFixture(fixture);
    expect(result.kind).toBe('signal');
    expect(result.needsReview).toBe(true);
    expect(result.reasons).toContain(reason);
    expect(children(result)).toEqual(expected);
  });

  it('when the codeword is there but no child can be read, then it is a signal for review, not a non-signal', async () => {
    const result = await classifyFixture('codeword-no-child.eml');
    expect(result).toMatchObject({ kind: 'signal', category: 'signal', children: [], needsReview: true });
    expect(result.reasons).toContain('codeword found but no child recognised');
  });

  it('when a review reason is given, then it never holds the child data', async () => {
    for (const fixture of ['impossible-date.eml', 'sentence-name.eml', 'count-mismatch.eml']) {
      const result = await classifyFixture(fixture);
      const reasons = result.reasons.join(' ');
      expect(reasons).not.toMatch(/Julia|Vries|moeder|Bos|\d{4}-\d{2}|\d{1,2}-\d{1,2}-\d{4}/);
    }
  });

  it('when the age is exactly 2 or 23, then it is accepted; one day outside, then it is flagged', () => {
    const at = (date: string): boolean =>
      classify(facts({ subject: 'HwC', text: `Naam: Eva Bos\nGeboortedatum: ${date}` }), { today })
        .needsReview;
    expect(at('20-11-2024')).toBe(false);
    expect(at('21-11-2024')).toBe(true);
    expect(at('21-11-2002')).toBe(false);
    expect(at('20-11-2002')).toBe(true);
  });

  it('when a labelled birth date is not a date, then the child keeps an empty date and is flagged', () => {
    const result = classify(facts({ subject: 'HwC', text: 'Naam: Eva Bos\nGeboortedatum: onbekend' }), {
      today,
    });
    expect(result.children).toEqual([{ name: 'Eva Bos', birthDate: '' }]);
    expect(result.reasons).toContain('birth date not recognised');
    expect(result.needsReview).toBe(true);
  });

  it('when a name label is empty, then the child is kept with an empty name and flagged', () => {
    const result = classify(facts({ subject: 'HwC', text: 'Naam:\nGeboortedatum: 4-4-2014' }), { today });
    expect(result.children).toEqual([{ name: '', birthDate: '2014-04-04' }]);
    expect(result.reasons).toContain('name is empty or looks like a sentence');
  });

  it('when the sender states a number of children that differs from what was found, then it is flagged', () => {
    const text = 'Handle with Care voor drie kinderen:\nEva Bos, 2-2-2012\nTim Bos, 3-3-2014';
    const result = classify(facts({ text }), { today });
    expect(result.children).toHaveLength(2);
    expect(result.reasons).toContain('stated number of children differs');
  });

  it('when the text and HTML parts name different children, then the mail is flagged', () => {
    const result = classify(
      facts({
        subject: 'HwC',
        text: 'Eva Bos, 2-2-2012, Handle with Care',
        html: '<p>Tim Kok, 3-3-2014, Handle with Care</p>',
      }),
      { today },
    );
    expect(result.needsReview).toBe(true);
    expect(result.reasons).toContain('text and HTML parts differ');
  });

  it('when the text was derived from the HTML and glued its cells, then the HTML reading is used without doubt', () => {
    const result = classify(
      facts({
        subject: 'HwC',
        text: 'Naam:Ayşe YılmazGeboortedatum:03-02-2012',
        html: '<table><tr><td>Naam:</td><td>Ayşe Yılmaz</td></tr><tr><td>Geboortedatum:</td><td>03-02-2012</td></tr></table>',
      }),
      { today },
    );
    expect(children(result)).toEqual(['Ayşe Yılmaz | 2012-02-03']);
    expect(result.needsReview).toBe(false);
  });

  it('when the one-line form is written as a sentence, then the name is taken and flagged', () => {
    const result = classify(
      facts({ text: 'Hierbij melden wij David Pieterse, 3-2-2006, Handle with Care' }),
      { today },
    );
    expect(children(result)).toEqual(['David Pieterse | 2006-02-03']);
    expect(result.reasons).toContain('name taken from a sentence');
  });

  it('when the same child appears twice, then it is listed once and the reasons say so', () => {
    const text = 'Eva Bos, 2-2-2012, HwC\n\n> Eva Bos, 2-2-2012, HwC';
    const result = classify(facts({ text }), { today });
    expect(result.children).toHaveLength(1);
    expect(result.reasons).toContain('same child listed more than once');
  });

  it('when a mail lists more children than can be real, then only the first are listed and it is flagged', () => {
    const lines = Array.from(
      { length: MAX_CHILDREN + 5 },
      (_, i) => `Kind Nummer${String.fromCharCode(65 + (i % 26))}x${'a'.repeat(i % 7)}, 1-1-2015`,
    );
    const result = classify(facts({ subject: 'HwC', text: lines.join('\n') }), { today });
    expect(result.children.length).toBeLessThanOrEqual(MAX_CHILDREN);
    expect(result.needsReview).toBe(true);
  });

  it('when a signal has automatic-message headers, then it stays a signal but needs review', () => {
    const result = classify(
      facts({ subject: 'HwC', text: 'Eva Bos, 2-2-2012', headers: { 'auto-submitted': 'auto-generated' } }),
      { today },
    );
    expect(result.kind).toBe('signal');
    expect(result.reasons).toContain('sent as an automatic message');
    expect(result.needsReview).toBe(true);
  });
});

describe('classify: not signals', () => {
  it.each([
    ['newsletter.eml', 'newsletter'],
    ['test-message.eml', 'test-message'],
    ['contact-change.eml', 'other'],
    ['out-of-office.eml', 'auto-reply'],
    ['out-of-office-exchange.eml', 'auto-reply'],
    ['bounce-dsn.eml', 'bounce'],
    ['bounce-classic.eml', 'bounce'],
    ['delivery-report.eml', 'delivery-report'],
    ['read-receipt.eml', 'read-receipt'],
  ])(
    'when %s is classified, then it is not a signal of category %s and has no children',
    async (fixture, category) => {
      const result = await classifyFixture(fixture);
      expect(result).toMatchObject({ kind: 'not-a-signal', category, children: [], needsReview: false });
    },
  );

  it('when a mail has no codeword, then it is not a signal even with a name and a date', () => {
    const result = classify(
      facts({ subject: 'Leerplicht', text: 'Naam: Eva Bos\nGeboortedatum: 2-2-2012' }),
      { today },
    );
    expect(result).toMatchObject({ kind: 'not-a-signal', category: 'other', children: [] });
  });

  it('when an out-of-office reply quotes a full signal, then it is still an auto-reply', () => {
    const result = classify(
      facts({
        subject: 'Automatisch antwoord: Handle with Care',
        text: 'Ik ben afwezig.\n\n> Eva Bos, 2-2-2012, Handle with Care',
        headers: { 'auto-submitted': 'auto-replied' },
      }),
      { today },
    );
    expect(result.category).toBe('auto-reply');
  });

  it('when a mail is only an X-Auto-Response-Suppress notice with the codeword, then it is an auto-reply', () => {
    const result = classify(
      facts({
        subject: 'HwC',
        text: 'I am out of the office.',
        headers: { 'x-auto-response-suppress': 'All' },
      }),
      { today },
    );
    expect(result.category).toBe('auto-reply');
  });

  it('when a test mail names a fictional child and says it is no real pupil, then it is a test message', () => {
    const text =
      'Dit is een testbericht, het betreft geen echte leerling.\nTest Persoon, 1-1-2015, Handle with Care';
    expect(classify(facts({ text }), { today }).category).toBe('test-message');
  });

  it('when a mail says it is a test but names a child without saying it is fictional, then a person looks', () => {
    const text = 'Testbericht\nEva Bos, 2-2-2012, Handle with Care';
    const result = classify(facts({ text }), { today });
    expect(result.kind).toBe('signal');
    expect(result.reasons).toContain('mail says it is a test');
    expect(result.needsReview).toBe(true);
  });

  it('when a plain-text read receipt arrives, then it is a read receipt', () => {
    const result = classify(facts({ subject: 'Gelezen: Handle with Care', text: 'Uw bericht is gelezen.' }), {
      today,
    });
    expect(result.category).toBe('read-receipt');
  });

  it('when a newsletter without list headers mentions HwC with event dates, then it is a newsletter', () => {
    const text =
      'Nieuwsbrief november\nOp 12 maart 2027 is de training Handle with Care.\nTraining Handle with Care, 14-03-2027, Utrecht\nUitschrijven kan onderaan.';
    const result = classify(facts({ text }), { today });
    expect(result).toMatchObject({ kind: 'not-a-signal', category: 'newsletter' });
  });
});
