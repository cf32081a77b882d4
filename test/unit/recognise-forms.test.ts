import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { classify } from '../../src/core/classify.js';
import { htmlToText } from '../../src/core/recognise/html-text.js';
import { childReasons, REASON } from '../../src/core/recognise/plausibility.js';
import { extractChildren } from '../../src/core/recognise/children.js';
import type { ClassifiedMail } from '../../src/core/types.js';

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

describe('recognition of real forms: fixtures', () => {
  it.each([
    ['dotted-i-html-table.eml', ['İlayda Yılmaz | 2014-05-04', 'Deniz ÖZTÜRK-İNAN | 2016-10-17']],
    [
      'dotted-i-labels.eml',
      [
        'İrem Aydın | 2013-03-02',
        'Kerem İPEK | 2015-06-14',
        'Lena Weiß | 2016-09-01',
        'Baran Öztürk-İnan | 2012-02-03',
      ],
    ],
    [
      'name-parts-lines.eml',
      ['Sanne van der Berg | 2012-02-03', 'Tim Bos | 2014-09-11', 'Noor de Graaf | 2010-06-21'],
    ],
    ['sentence-voor.eml', ['Julia Smit | 2011-07-04']],
    ['sentence-list.eml', ['Milan Kok | 2013-01-12', 'Roos Kok | 2015-08-08']],
    ['sentence-betreft.eml', ['Lotte Mulder | 2011-05-14']],
    [
      'name-parts-tables.eml',
      ['Jesse van Leeuwen | 2013-12-09', 'Mirthe van Leeuwen | 2016-03-30', 'Bram Dijk | 2011-05-05'],
    ],
  ])(
    'when %s is classified, then it is a clean signal with exactly its children',
    async (fixture, expected) => {
      const result = await classifyFixture(fixture);
      expect(result.kind).toBe('signal');
      expect(children(result)).toEqual(expected);
      expect(result.needsReview).toBe(false);
    },
  );

  it('when a name given in parts has no surname, then the child is kept and a person reviews it', async () => {
    const result = await classifyFixture('name-parts-missing.eml');
    expect(children(result)).toEqual(['Fenna | 2015-01-19']);
    expect(result.needsReview).toBe(true);
    expect(result.reasons).toContain('first name or surname missing');
  });
});

describe('recognition of real forms: characters that change length when case-folded', () => {
  it('when HTML holds a dotted capital I before upper-case tags, then every cell ends where the original does', () => {
    const html =
      '<P>\u0130\u0130\u0130\u0130</P><STYLE>td{}</STYLE><TABLE><TR><TD>Naam:</TD><TD>\u0130layda Y\u0131lmaz</TD><TD>Geboortedatum:</TD><TD>04-05-2014</TD></TR></TABLE><!-- \u0130 --><SCRIPT>x</SCRIPT><P>Einde</P>';
    expect(htmlToText(html)).toBe(
      '\u0130\u0130\u0130\u0130\nNaam:\t\u0130layda Y\u0131lmaz\tGeboortedatum:\t04-05-2014\nEinde',
    );
  });

  it('when a Kelvin sign or a long s stands where a tag name would, then it is not read as a tag', () => {
    expect(htmlToText('<p>Eva</p><\u017Ftyle>Bos</\u017Ftyle>')).toBe('Eva\nBos');
  });

  it('when a label word is glued to the end of a name, then the name is never passed on as sure', () => {
    const reasons = childReasons({ name: 'Ilayda YilmazGeboortedatum', birthDate: '2014-05-04' }, today);
    expect(reasons).toContain(REASON.nameOdd);
  });
});

describe('recognition of real forms: names given in parts', () => {
  const found = (text: string): string[] =>
    extractChildren(text.split('\n')).children.map(
      (c) => `${c.name} | ${c.birthDate} | ${c.nameProblem ?? ''}`,
    );

  it('when a child is followed by a Tussenvoegsel of the next child after a blank line, then each child keeps its own parts', () => {
    expect(
      found(
        'Voornaam: Eva\nAchternaam: Bos\n\nTussenvoegsel: de\nVoornaam: Tim\nAchternaam: Vries\nGeboortedatum: 3-3-2014',
      ),
    ).toEqual(['Eva Bos |  | ', 'Tim de Vries | 2014-03-03 | ']);
  });

  it('when the surname already holds the tussenvoegsel, then the particles appear once', () => {
    expect(
      found('Voornaam: Eva\nTussenvoegsel: van den\nAchternaam: van den Bos\nGeboortedatum: 2-2-2012'),
    ).toEqual(['Eva van den Bos | 2012-02-02 | ']);
  });

  it('when a value stands on the line below its part label, then it is read as that part', () => {
    expect(found('Voornaam:\nEva\nAchternaam:\nBos\nGeboortedatum:\n2-2-2012')).toEqual([
      'Eva Bos | 2012-02-02 | ',
    ]);
  });

  it('when only a surname is given, then the child is kept with a missing part', () => {
    expect(found('Achternaam: Bos\nGeboortedatum: 2-2-2012')).toEqual(['Bos | 2012-02-02 | missing-part']);
  });

  it('when "Voornaam en achternaam kind:" labels a whole name, then it is read as one name', () => {
    expect(found('Voornaam en achternaam kind: Eva Bos\nGeboortedatum: 2-2-2012')).toEqual([
      'Eva Bos | 2012-02-02 | ',
    ]);
  });
});

describe('recognition of real forms: a name in running text', () => {
  it.each(['sentence-two-names.eml', 'sentence-parent.eml'])(
    'when %s ties more than one person to a date, then a person reviews the name',
    async (fixture) => {
      const result = await classifyFixture(fixture);
      expect(result.needsReview).toBe(true);
      expect(result.reasons).toContain(REASON.nameFromSentence);
    },
  );

  const problems = (line: string): string[] =>
    extractChildren([line]).children.map((c) => `${c.name} | ${c.nameProblem ?? 'sure'}`);

  it.each([
    ['Het gaat om Daan Smit, 3-3-2014', ['Daan Smit | sure']],
    ['Leerling Daan Smit, geb. 3-3-2014, Handle with Care', ['Daan Smit | sure']],
    [
      'Signaal voor Eva Bos, geboren 2-2-2012 en Tim Bos, geboren 3-3-2014.',
      ['Eva Bos | sure', 'Tim Bos | sure'],
    ],
    ['Moeder Karin Smit belde over haar zoon Daan Smit, geboren 3-3-2014.', ['Daan Smit | from-sentence']],
    ['Wij melden Eva Bos en Tim Bos, geboren 2-2-2012.', ['Tim Bos | from-sentence']],
    ['HwC voor de moeder van Eva Bos, geb. 2-2-2012', ['Eva Bos | from-sentence']],
    ['Handle with Care voor Eva Bos Tim Bos (2-2-2012)', ['Eva Bos Tim Bos | from-sentence']],
    ['Hierbij melden wij David Pieterse, 3-2-2006, Handle with Care', ['David Pieterse | from-sentence']],
    ['Voor mevrouw Anja Smit, 4-7-2011', ['Anja Smit | from-sentence']],
  ])(
    'when the sentence is "%s", then the name is sure only if it alone is tied to its date',
    (line, expected) => {
      expect(problems(line)).toEqual(expected);
    },
  );
});
