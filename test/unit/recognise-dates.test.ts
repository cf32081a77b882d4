import { describe, expect, it } from 'vitest';
import { ageInYears, findDates, parseIsoDate, toIsoDate } from '../../src/core/recognise/dates.js';

function isoOf(text: string): string[] {
  return findDates(text).map((d) => (d.exists ? d.iso : 'INVALID'));
}

describe('recognise dates', () => {
  it.each([
    ['3-2-2006'],
    ['03-02-2006'],
    ['03/02/2006'],
    ['3.2.2006'],
    ['2006-02-03'],
    ['3 februari 2006'],
    ['3 Februari 2006'],
    ['3 feb. 2006'],
    ['3 feb 2006'],
    ['3-feb-2006'],
    ['3 February 2006'],
  ])('when a birth date is written as "%s", then it is the 3rd of February 2006', (text) => {
    expect(isoOf(text)).toEqual(['2006-02-03']);
  });

  it('when a date could be read either way, then the day comes first, as in the Netherlands', () => {
    expect(isoOf('02/03/2006')).toEqual(['2006-03-02']);
    expect(isoOf('12-11-2010')).toEqual(['2010-11-12']);
  });

  it('when a date does not exist, then it is found but marked as not existing, never corrected', () => {
    expect(findDates('31-02-2015')).toEqual([{ start: 0, end: 10, iso: '', exists: false }]);
    expect(isoOf('29-02-2015')).toEqual(['INVALID']);
    expect(isoOf('29-02-2016')).toEqual(['2016-02-29']);
    expect(isoOf('13-13-2015')).toEqual(['INVALID']);
    expect(isoOf('0-5-2015')).toEqual(['INVALID']);
  });

  it('when numbers only look like a date, then no date is found', () => {
    expect(isoOf('06-12345678')).toEqual([]);
    expect(isoOf('030-1234567')).toEqual([]);
    expect(isoOf('3500 AB Utrecht')).toEqual([]);
    expect(isoOf('1-2-3-2006')).toEqual([]);
    expect(isoOf('3-2-20066')).toEqual([]);
    expect(isoOf('3-2-1850')).toEqual([]);
    expect(isoOf('3-2/2006')).toEqual([]);
    expect(isoOf('versie 1.2.2026.4')).toEqual([]);
  });

  it('when a line holds several dates, then each is found once, in order', () => {
    expect(isoOf('Eva 2-2-2012, Tim 3 maart 2014 en Sam 2016-01-05')).toEqual([
      '2012-02-02',
      '2014-03-03',
      '2016-01-05',
    ]);
  });

  it('when a date is glued to a word, as table cells can be, then it is still found', () => {
    expect(isoOf('Mehmet Yılmaz5 mei 2015')).toEqual(['2015-05-05']);
    expect(isoOf('geb.3-2-2006')).toEqual(['2006-02-03']);
  });

  it('when an ISO date is built, then impossible days give an empty string', () => {
    expect(toIsoDate(2006, 2, 3)).toBe('2006-02-03');
    expect(toIsoDate(2015, 2, 31)).toBe('');
    expect(toIsoDate(2000, 2, 29)).toBe('2000-02-29');
    expect(toIsoDate(1900, 2, 29)).toBe('');
  });

  it('when an age is computed, then it counts completed years only', () => {
    expect(ageInYears('2006-02-03', '2026-02-02')).toBe(19);
    expect(ageInYears('2006-02-03', '2026-02-03')).toBe(20);
    expect(ageInYears('2016-02-29', '2026-02-28')).toBe(9);
    expect(ageInYears('2016-02-29', '2026-03-01')).toBe(10);
    expect(ageInYears('2016-02-30', '2026-03-01')).toBeUndefined();
    expect(parseIsoDate('2026-11-20')).toEqual({ year: 2026, month: 11, day: 20 });
    expect(parseIsoDate('20-11-2026')).toBeUndefined();
  });
});
