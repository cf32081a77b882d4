import { describe, expect, it } from 'vitest';
import { cleanName, isSentenceLike, looksLikeName, trailingNameRun } from '../../src/core/recognise/names.js';

describe('recognise names', () => {
  it.each([
    'David Pieterse',
    'Sanne van der Berg',
    "Noëlle van 't Hof",
    'Anaïs Pieterse-de Jong',
    'Jan-Willem de Groot',
    'Ayşe Yılmaz',
    'İrem Öztürk',
    'Ömer Faruk Koç',
    'Emre Çelik',
    'Ayoub El Amrani',
    'Abdelkader el-Idrissi',
    'Mohamed Ait Ben Haddou',
    'Shanti Jagessar-Mahabier',
    'Kenneth Sabajo',
    "Fiona O'Neill",
    'EVA VAN DER BOS',
    'Lieke ter Horst',
  ])('when the text is "%s", then it looks like a name', (name) => {
    expect(looksLikeName(name)).toBe(true);
  });

  it.each([
    'Verzonden op',
    'Veilig Thuis',
    'Gemeente Voorbeeldstad',
    'Met vriendelijke groet',
    'Beste Marieke',
    'Handle with Care',
    'de moeder belt nog',
    'Postbus 1234',
    'J. Jansen',
    'Sara van',
    'Training',
    'david pieterse',
    'Datum',
    'T 020-1234567',
    'a@b.test',
  ])('when the text is "%s", then it does not look like a name', (text) => {
    expect(looksLikeName(text)).toBe(false);
  });

  it('when a single word is allowed, then a capitalised word passes', () => {
    expect(looksLikeName('Daan', { allowSingleWord: true })).toBe(true);
    expect(looksLikeName('Daan')).toBe(false);
  });

  it('when a labelled value is prose or empty, then it is sentence-like', () => {
    expect(isSentenceLike('')).toBe(true);
    expect(isSentenceLike('de moeder belt nog over de naam')).toBe(true);
    expect(isSentenceLike('Wij hebben geen naam.')).toBe(true);
    expect(isSentenceLike('Eva Bos 2012')).toBe(true);
    expect(isSentenceLike('Sanne van der Berg')).toBe(false);
    expect(isSentenceLike('Peter J.')).toBe(false);
  });

  it('when a name is surrounded by list marks, then only the marks are removed', () => {
    expect(cleanName('- Ayoub El Amrani (')).toBe('Ayoub El Amrani');
    expect(cleanName('1. Eva Bos, ')).toBe('Eva Bos');
    expect(cleanName('  • Tim   Bos  ')).toBe('Tim Bos');
    expect(cleanName('"Noah de Wit"')).toBe('Noah de Wit');
    expect(cleanName('en Sara Pieterse')).toBe('Sara Pieterse');
    expect(cleanName('David Pieterse geb.')).toBe('David Pieterse');
    expect(cleanName('İrem Öztürk')).toBe('İrem Öztürk');
  });

  it('when a sentence ends in a name, then the name is taken from its end', () => {
    expect(trailingNameRun('Hierbij melden wij David Pieterse')).toBe('David Pieterse');
    expect(trailingNameRun('Het gaat om Sara van der Berg')).toBe('Sara van der Berg');
    expect(trailingNameRun('Het gaat om de broer')).toBe('');
  });
});
