import { describe, expect, it } from 'vitest';
import { CODEWORD_MARK, hasCodeword, removeCodewords } from '../../src/core/recognise/codeword.js';

describe('recognise the codeword', () => {
  it.each([
    'Handle with Care',
    'handle with care',
    'HANDLE WITH CARE',
    'Handle-with-Care',
    'Handle with\nCare',
    'HwC',
    'hwc',
    'HWC-signaal',
    'Handle with Care-signaal',
    'Onderwerp: H.W.C.',
    'Fwd: HwC',
    '(HwC)',
  ])('when the text holds "%s", then the codeword is found', (text) => {
    expect(hasCodeword(text)).toBe(true);
  });

  it.each([
    'hwc@school.test',
    'zie www.hwc.test of /hwc/',
    'Handle the care',
    'HwCare',
    'schwc',
    'Nieuwsbrief november',
  ])('when the text is "%s", then no codeword is found', (text) => {
    expect(hasCodeword(text)).toBe(false);
  });

  it('when codewords are removed, then each leaves a mark and the rest stays', () => {
    expect(removeCodewords('David Pieterse, 3-2-2006, Handle with Care')).toBe(
      `David Pieterse, 3-2-2006,  ${CODEWORD_MARK} `,
    );
    expect(removeCodewords('HWC-signaal voor Eva')).toBe(` ${CODEWORD_MARK}  voor Eva`);
  });
});
