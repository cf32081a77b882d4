import { describe, expect, it } from 'vitest';
import { canaryForms, dateNotations, findForms } from '../../src/core/canary-forms.js';

const found = (text: string | Buffer, forms: string[]): boolean =>
  findForms(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, forms).length > 0;

describe('canary forms', () => {
  const forms = canaryForms(['Zoë van Wijngaarden'], ['2016-03-07']);

  it('when a name is written in another case, then it is found', () => {
    for (const text of ['zoë van wijngaarden', 'ZOË VAN WIJNGAARDEN', 'Zoë Van Wijngaarden']) {
      expect(found(`x ${text} y`, forms), text).toBe(true);
    }
  });

  it('when a name is quoted-printable in a body or an RFC 2047 header, then it is found', () => {
    expect(found('Zo=C3=AB=20van=20Wijngaarden', forms)).toBe(true);
    expect(found('=?utf-8?Q?Zo=C3=AB_van_Wijngaarden?=', forms)).toBe(true);
  });

  it('when a name is base64 at any alignment, in UTF-8 or Latin-1, then it is found', () => {
    for (const prefix of ['', 'a', 'ab']) {
      expect(found(Buffer.from(`${prefix}Zoë van Wijngaarden`, 'utf8').toString('base64'), forms)).toBe(true);
      expect(found(Buffer.from(`${prefix}Zoë van Wijngaarden`, 'latin1').toString('base64'), forms)).toBe(
        true,
      );
    }
  });

  it('when a name is stored as Latin-1, UTF-16 or a JSON escape, then it is found', () => {
    expect(found(Buffer.from('Zoë van Wijngaarden', 'latin1'), forms)).toBe(true);
    expect(found(Buffer.from('xZoë van Wijngaardenx', 'utf16le'), forms)).toBe(true);
    expect(found('{"n":"Zo\\u00eb van Wijngaarden"}', forms)).toBe(true);
  });

  it('when only an unusual surname is written, then it is found', () => {
    expect(found('familie Wijngaarden', forms)).toBe(true);
  });

  it('when a birth date is written in a Dutch notation, then it is found', () => {
    for (const text of [
      '7-3-2016',
      '07-03-2016',
      '07/03/2016',
      '7/3/2016',
      '7.3.2016',
      '07.03.2016',
      '7 maart 2016',
    ]) {
      expect(found(`geboren ${text}`, forms), text).toBe(true);
    }
    expect(dateNotations('2016-03-07')).toContain('2016-03-07');
  });

  it('when a file holds only counts, times and hashes, then nothing is found', () => {
    expect(found('{"signals":1,"children":2,"at":"2026-11-25T06:00:00.000Z"}', forms)).toBe(false);
  });

  it('when a name is too short to search without chance matches, then it yields no forms', () => {
    expect(canaryForms(['Jan'], [])).toEqual([]);
  });
});
