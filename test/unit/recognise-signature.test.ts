import { describe, expect, it } from 'vitest';
import { isSignatureStart, stripSignature } from '../../src/core/recognise/signature.js';

describe('recognise signatures and disclaimers', () => {
  it.each([
    '-- ',
    '--',
    'Met vriendelijke groet,',
    'Vriendelijke groeten',
    'Met hartelijke groet',
    'Groet,',
    'Groetjes',
    'mvg',
    'Kind regards,',
    'Disclaimer: dit bericht is vertrouwelijk',
    'Dit bericht is uitsluitend bestemd voor de geadresseerde.',
    'De informatie in dit e-mailbericht is vertrouwelijk.',
    'Aan dit bericht kunnen geen rechten worden ontleend.',
    'Indien u dit bericht ten onrechte heeft ontvangen',
    'This e-mail is intended only for the addressee.',
    'Verzonden vanaf mijn iPhone',
  ])('when a line reads "%s", then a signature or disclaimer starts', (line) => {
    expect(isSignatureStart(line)).toBe(true);
  });

  it.each(['David Pieterse, 3-2-2006, Handle with Care', 'Groep 5 heeft een signaal', 'Naam: Eva Bos'])(
    'when a line reads "%s", then no signature starts',
    (line) => {
      expect(isSignatureStart(line)).toBe(false);
    },
  );

  it('when a section has a signature, then everything from it onwards is set apart', () => {
    const split = stripSignature([
      'Eva Bos, 2-2-2012',
      '',
      'Met vriendelijke groet,',
      'Jan de Boer',
      'Verzonden op 20-11-2026',
    ]);
    expect(split.body).toEqual(['Eva Bos, 2-2-2012', '']);
    expect(split.trailer).toEqual(['Met vriendelijke groet,', 'Jan de Boer', 'Verzonden op 20-11-2026']);
  });

  it('when a section has no signature, then nothing is set apart', () => {
    expect(stripSignature(['a', 'b'])).toEqual({ body: ['a', 'b'], trailer: [] });
  });
});
