import { describe, expect, it } from 'vitest';
import { splitForwarded } from '../../src/core/recognise/forwarded.js';

describe('recognise forwarded parts', () => {
  it('when Gmail forwards a signal, then its header lines are removed and the forwarded body is a section', () => {
    const lines = [
      'Zie onderstaand.',
      '',
      '---------- Doorgestuurd bericht ---------',
      'Van: Veilig Thuis <signaal@veiligthuis.test>',
      'Date: vr 20 nov 2026 om 09:12',
      'Subject: Handle with Care',
      'To: <hwc@gemeente.test>',
      '',
      'Kevin Sabajo, 11-12-2010, Handle with Care',
    ];
    const split = splitForwarded(lines);
    expect(split.forwarded).toBe(true);
    expect(split.segments).toEqual([
      ['Zie onderstaand.', ''],
      ['', 'Kevin Sabajo, 11-12-2010, Handle with Care'],
    ]);
    expect(split.forwardedSubjects).toEqual(['Handle with Care']);
  });

  it('when Outlook forwards with a From/Sent block and no marker, then the block is removed', () => {
    const lines = [
      'FYI',
      'From: Veilig Thuis <signaal@veiligthuis.test>',
      'Sent: Friday, November 20, 2026 9:12 AM',
      'To: Gemeente <hwc@gemeente.test>',
      'Subject: HwC',
      '',
      'Naam: Fatima Bakkali',
    ];
    const split = splitForwarded(lines);
    expect(split.forwarded).toBe(true);
    expect(split.segments.flat().join('\n')).not.toMatch(/Sent:|From:|November/);
    expect(split.segments[split.segments.length - 1]).toContain('Naam: Fatima Bakkali');
  });

  it('when Dutch Outlook forwards after a line of underscores, then Van/Verzonden/Aan/Onderwerp are removed', () => {
    const lines = [
      '________________________________',
      'Van: Veilig Thuis',
      'Verzonden: vrijdag 20 november 2026 09:12',
      'Aan: Gemeente',
      'Onderwerp: HwC-signaal',
      '',
      'Naam: Fatima Bakkali',
    ];
    const split = splitForwarded(lines);
    expect(split.segments).toEqual([['', 'Naam: Fatima Bakkali']]);
    expect(split.forwardedSubjects).toEqual(['HwC-signaal']);
  });

  it('when a header block has folded continuation lines, then they are removed with it', () => {
    const lines = ['-----Original Message-----', 'From: A', 'To: B,', '    C, D', 'Subject: x', '', 'body'];
    expect(splitForwarded(lines).segments).toEqual([['', 'body']]);
  });

  it('when a reply attribution line with a date precedes a quote, then that line is not part of any section', () => {
    const split = splitForwarded([
      'Op 20-11-2026 om 10:12 schreef Veilig Thuis <a@b.test>:',
      'Eva Bos, 2-2-2012',
    ]);
    expect(split.segments).toEqual([['Eva Bos, 2-2-2012']]);
  });

  it('when a single "Datum:" line stands in a plain mail, then it is not taken for a forward', () => {
    const split = splitForwarded(['Datum: 20-11-2026', 'Eva Bos, 2-2-2012']);
    expect(split.forwarded).toBe(false);
    expect(split.segments).toEqual([['Datum: 20-11-2026', 'Eva Bos, 2-2-2012']]);
  });
});
