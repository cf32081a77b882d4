import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../src/core/recognise/html-text.js';
import { normaliseText, toLines } from '../../src/core/recognise/normalise-text.js';

describe('recognise HTML and normalise text', () => {
  it('when Outlook HTML has a data table, then each row becomes one line with tabs between cells', () => {
    const html =
      '<table><tr><td><p class=MsoNormal>Naam</p></td><td><p class=MsoNormal>Geboortedatum</p></td></tr>' +
      '<tr><td><p class=MsoNormal>Ay&#351;e Y&#305;lmaz<o:p></o:p></p></td><td><p>03-02-2012</p></td></tr></table>';
    expect(htmlToText(html)).toBe('Naam\tGeboortedatum\nAyşe Yılmaz\t03-02-2012');
  });

  it('when a layout table holds paragraphs, then the paragraphs stay separate lines', () => {
    const html = '<table><tr><td><p>Beste collega,</p><p>Eva Bos, 2-2-2012, HwC</p></td></tr></table>';
    expect(htmlToText(html)).toBe('Beste collega,\nEva Bos, 2-2-2012, HwC');
  });

  it('when a data table is nested in a layout table, then its rows still become lines with tabs', () => {
    const html =
      '<table><tr><td><p>Intro</p><table><tr><td>Eva Bos</td><td>2-2-2012</td></tr><tr><td>Tim Bos</td><td>3-3-2014</td></tr></table><p>Groet</p></td></tr></table>';
    expect(htmlToText(html)).toBe('Intro\nEva Bos\t2-2-2012\nTim Bos\t3-3-2014\nGroet');
  });

  it('when HTML has styles, comments, scripts and entities, then only visible text remains, decoded', () => {
    const html =
      '<head><style>p{}</style><title>x</title></head><!-- c --><script>alert(1)</script><p>No&euml;lle&nbsp;van &#39;t Hof &amp; Fran&ccedil;ois</p>';
    expect(htmlToText(html)).toBe("Noëlle van 't Hof & François");
  });

  it('when HTML is broken or truncated, then conversion still ends with some text', () => {
    expect(htmlToText('<table><tr><td>Eva Bos<td>2-2-2012')).toBe('Eva Bos\t2-2-2012');
    expect(htmlToText('<p>Eva <b')).toBe('Eva');
    expect(htmlToText('</td></tr></table>text')).toBe('text');
  });

  it('when entities are unknown or out of range, then they are left as written', () => {
    expect(decodeEntities('&bogus; &#xD800; &#0; &Ouml;')).toBe('&bogus; &#xD800; &#0; Ö');
  });

  it('when text has NBSP, zero-width characters, CRLF and quote prefixes, then they are normalised', () => {
    expect(normaliseText('a\u00a0b\u200bc\r\nd\u0000e')).toBe('a bc\nd e');
    expect(toLines('> > Eva  Bos\r\n>Tim')).toEqual(['Eva Bos', 'Tim']);
  });

  it('when names use decomposed diacritics, then they are composed so that they compare equal', () => {
    expect(normaliseText('Noe\u0308lle')).toBe('Noëlle');
  });
});
