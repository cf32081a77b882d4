import { describe, expect, it } from 'vitest';
import { extractChildren, hasLabelledBirthDate } from '../../src/core/recognise/children.js';
import { isHeaderRow, splitLabels } from '../../src/core/recognise/labels.js';
import { childReasons } from '../../src/core/recognise/plausibility.js';

function found(text: string): string[] {
  return extractChildren(text.split('\n')).children.map((c) => `${c.name} | ${c.birthDate}`);
}

describe('recognise children', () => {
  it('when the handbook one-line form is used, then name and date are read', () => {
    expect(found('David Pieterse, 3-2-2006, Handle with Care')).toEqual(['David Pieterse | 2006-02-03']);
  });

  it.each([
    ['Naam: Eva Bos\nGeboortedatum: 2-2-2012'],
    ['Geboortedatum: 2-2-2012\nNaam: Eva Bos'],
    ['Naam leerling: Eva Bos\nGeb.datum: 2-2-2012'],
    ['Leerling: Eva Bos\ngeb. 2-2-2012'],
    ['Naam: Eva Bos Geboortedatum: 2-2-2012'],
    ['Naam: Eva Bos, geb. 2-2-2012'],
    ['Naam: Eva Bos (2-2-2012)'],
    ['Naam leerling:\nEva Bos\nGeboortedatum:\n2-2-2012'],
    ['Codewoord: Handle with Care\nGeboortedatum: 02-02-2012\nNaam: Eva Bos'],
    ['Eva Bos geboren op 2 februari 2012'],
    ['Eva Bos\t2-2-2012'],
    ['2-2-2012\tEva Bos'],
    ['Naam\tGeboortedatum\nEva Bos\t02.02.2012'],
    ['Naam\nGeboortedatum\nEva Bos\n2-2-2012'],
    ['- Eva Bos (2-2-2012)'],
    ['1. Eva Bos 2-2-2012'],
  ])('when the fields read %j, then one child Eva Bos born 2012-02-02 is found', (text) => {
    expect(found(text)).toEqual(['Eva Bos | 2012-02-02']);
  });

  it('when siblings are listed as lines, then each is paired with its own date', () => {
    expect(found('Eva Bos, 2-2-2012\nTim Bos, 3-3-2014\nSam Bos, 4-4-2016')).toEqual([
      'Eva Bos | 2012-02-02',
      'Tim Bos | 2014-03-03',
      'Sam Bos | 2016-04-04',
    ]);
  });

  it('when siblings are labelled one after another, then each name gets the date that follows it', () => {
    expect(found('Naam: Eva Bos\nGeboortedatum: 2-2-2012\n\nNaam: Tim Bos\nGeboortedatum: 3-3-2014')).toEqual(
      ['Eva Bos | 2012-02-02', 'Tim Bos | 2014-03-03'],
    );
  });

  it('when a table splits first name and surname over columns, then the name is joined', () => {
    expect(found('Nr\tVoornaam\tAchternaam\tGeboortedatum\n1\tEva\tvan den Bos\t02-02-2012')).toEqual([
      'Eva van den Bos | 2012-02-02',
    ]);
  });

  it('when one line names two children in prose, each right before its own date, then both are found and sure', () => {
    const result = extractChildren(['Signaal voor Eva Bos, geboren 2-2-2012 en Tim Bos, geboren 3-3-2014.']);
    expect(result.children.map((c) => c.name)).toEqual(['Eva Bos', 'Tim Bos']);
    expect(result.children.some((c) => c.nameProblem === 'from-sentence')).toBe(false);
  });

  it.each([
    ['Verzonden op 20-11-2026'],
    ['Datum: 20-11-2026'],
    ['Incidentdatum: 19-11-2026, Handle with Care'],
    ['Verzonden: vrijdag 20 november 2026 09:12'],
    ['Marieke Jansen 20-11-2026 10:15'],
    ['Op 12 maart 2027 is er een training'],
    ['Het signaal van 20-11-2026 is doorgestuurd'],
    ['Tel 06-12345678, Postbus 1234, 3500 AB Utrecht'],
    ['Sinds 1-1-2026 doen 40 scholen mee'],
    ['Beste Marieke,\n20-11-2026'],
    ['Gemeente Voorbeeldstad, 20-11-2026'],
  ])('when the text is %j, then no child is found', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('when there are more names than dates, then the unpaired name is kept and the count is flagged', () => {
    const result = extractChildren(['Naam: Tim Bos', 'Naam: Eva Bos', 'Geboortedatum: 2-2-2012']);
    expect(result.countMismatch).toBe(true);
    expect(result.children).toEqual([
      { name: 'Tim Bos', birthDate: '', dateProblem: 'missing' },
      { name: 'Eva Bos', birthDate: '2012-02-02' },
    ]);
  });

  it('when a date does not exist, then the child keeps an empty date with a problem', () => {
    expect(extractChildren(['Julia de Vries, 31-02-2015']).children).toEqual([
      { name: 'Julia de Vries', birthDate: '', dateProblem: 'not-exist' },
    ]);
  });

  it('when the one-line form has a lower-case name, then it is kept as written for review', () => {
    expect(found('eva bos, 2-2-2012, HwC')).toEqual(['eva bos | 2012-02-02']);
  });

  it('when labels are split, then each value is tied to its label', () => {
    expect(splitLabels('Naam: Eva Bos Geboortedatum: 2-2-2012').map((s) => [s.kind, s.value.trim()])).toEqual(
      [
        ['name', 'Eva Bos'],
        ['date', '2-2-2012'],
      ],
    );
    expect(splitLabels('Wat is de naam: onbekend').map((s) => s.kind)).toEqual(['none']);
    expect(isHeaderRow('Naam leerling\tGeboortedatum\tCodewoord')).toBe(true);
    expect(isHeaderRow('Eva Bos\t2-2-2012')).toBe(false);
  });

  it('when a signature holds a labelled birth date, then it is noticed without becoming a child', () => {
    expect(hasLabelledBirthDate(['Met vriendelijke groet,', 'Geboortedatum: 2-2-2012'])).toBe(true);
    expect(hasLabelledBirthDate(['Met vriendelijke groet,', 'Verzonden op 20-11-2026'])).toBe(false);
  });
});

describe('plausibility of a child', () => {
  const today = '2026-11-20';
  const child = (name: string, birthDate: string) => ({ name, birthDate });

  it('when a child is plausible, then there are no reasons', () => {
    expect(childReasons(child('Eva Bos', '2012-02-02'), today)).toEqual([]);
  });

  it('when a child is implausible, then each problem has a fixed phrase without the data', () => {
    expect(childReasons(child('Eva Bos', '2027-01-01'), today)).toEqual(['birth date is in the future']);
    expect(childReasons(child('Eva Bos', '2025-01-01'), today)).toEqual(['age outside 2 to 23']);
    expect(childReasons(child('Eva Bos', '1990-01-01'), today)).toEqual(['age outside 2 to 23']);
    expect(childReasons(child('', '2012-02-02'), today)).toEqual(['name is empty or looks like a sentence']);
    expect(childReasons(child('wij weten het niet', '2012-02-02'), today)).toEqual([
      'name is empty or looks like a sentence',
    ]);
    expect(childReasons(child('Eva', '2012-02-02'), today)).toEqual(['name has a single word']);
    expect(childReasons({ ...child('Eva Bos', ''), dateProblem: 'not-exist' }, today)).toEqual([
      'birth date does not exist',
    ]);
  });

  it('when today is not a valid date, then the age is not judged and that is said', () => {
    expect(childReasons(child('Eva Bos', '2012-02-02'), 'gisteren')).toEqual([
      'today is not a valid date, age not checked',
    ]);
  });
});

describe('recognise numbered and spaced forms', () => {
  it('when siblings are numbered in the labels, then each number is part of the label, not the data', () => {
    expect(
      found(
        'Naam kind 1: Eva Bos\nGeboortedatum kind 1: 2-2-2012\nNaam kind 2: Tim Bos\nGeboortedatum kind 2: 3 - 3 - 2014',
      ),
    ).toEqual(['Eva Bos | 2012-02-02', 'Tim Bos | 2014-03-03']);
    expect(found('Leerling 1: Eva Bos\nGeboortedatum 2-2-2012')).toEqual(['Eva Bos | 2012-02-02']);
  });
});
