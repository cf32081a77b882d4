/**
 * Children's names as they occur in the Netherlands: tussenvoegsels (van der, de, van 't),
 * double surnames with a hyphen (Pieterse-de Jong), diacritics (ë, ç, İ, ı, ö), and names of
 * Turkish, Moroccan and Surinamese origin (El Amrani, Ait Ben Haddou, Öztürk, Jagessar-Mahabier).
 */

/** Lower-case particles that may stand inside a name, never at its start or end. */
const PARTICLES = new Set([
  'van',
  'von',
  'de',
  'der',
  'den',
  'des',
  'het',
  "'t",
  '\u2019t',
  'te',
  'ten',
  'ter',
  'in',
  'op',
  'aan',
  'uit',
  'onder',
  'over',
  'voor',
  'bij',
  'la',
  'le',
  'les',
  'du',
  'da',
  'di',
  'del',
  'della',
  'dos',
  'das',
  'do',
  'el',
  'al',
  'ben',
  'bin',
  'ibn',
  'bint',
  'ould',
  'ait',
  'y',
  'e',
]);

/**
 * Words that never occur in a child's name but do occur around dates in signals, forwards,
 * signatures and newsletters. They keep "Verzonden op 20-11-2026" or "Veilig Thuis" from becoming a child.
 */
const NOT_NAME_WORDS = new Set(
  [
    'handle',
    'with',
    'care',
    'hwc',
    'signaal',
    'veilig',
    'thuis',
    'gemeente',
    'school',
    'leerling',
    'leerlingen',
    'naam',
    'geboortedatum',
    'geboren',
    'geb',
    'datum',
    'date',
    'verzonden',
    'sent',
    'ontvangen',
    'received',
    'beste',
    'geachte',
    'groet',
    'groeten',
    'vriendelijke',
    'hartelijke',
    'collega',
    'collega\u2019s',
    "collega's",
    'politie',
    'melding',
    'incident',
    'onderwerp',
    'subject',
    'from',
    'to',
    'cc',
    'bericht',
    'doorgestuurd',
    'forwarded',
    'message',
    'kind',
    'kinderen',
    'team',
    'afdeling',
    'regio',
    'telefoon',
    'tel',
    'mobiel',
    'e-mail',
    'email',
    'adres',
    'postcode',
    'postbus',
    'maandag',
    'dinsdag',
    'woensdag',
    'donderdag',
    'vrijdag',
    'zaterdag',
    'zondag',
    'training',
    'nieuwsbrief',
    'test',
    'testbericht',
    'codewoord',
    'intern',
    'begeleider',
    'directeur',
    'directie',
    'mentor',
    'graag',
    'bedankt',
    'hallo',
    'hoi',
    'goedemorgen',
    'goedemiddag',
    'mevrouw',
    'meneer',
    'dhr',
    'mevr',
    'mw',
    'the',
    'and',
    'of',
    'dear',
    'hierbij',
    'betreft',
    'zorgcoördinator',
    'contactpersoon',
    'uitnodiging',
    'bijeenkomst',
    'webinar',
    'gemeld',
    'ouders',
    'moeder',
    'vader',
    'broer',
    'zus',
    'versie',
    'pagina',
    'bijlage',
  ].map((w) => w.toLowerCase()),
);

/** Words of a sentence that are not particles: their presence says "this is prose, not a name". */
const SENTENCE_WORDS = new Set([
  'is',
  'zijn',
  'was',
  'waren',
  'heeft',
  'hebben',
  'had',
  'wordt',
  'worden',
  'werd',
  'niet',
  'geen',
  'wij',
  'we',
  'ik',
  'u',
  'jij',
  'je',
  'hij',
  'zij',
  'ze',
  'er',
  'een',
  'dat',
  'die',
  'deze',
  'dit',
  'met',
  'naar',
  'om',
  'nog',
  'ook',
  'kan',
  'kunnen',
  'moet',
  'zal',
  'zou',
  'gaat',
  'graag',
  'maar',
  'als',
  'wel',
  'of',
  'en',
  'the',
  'is',
  'are',
  'please',
]);

const NAME_TOKEN = /^\p{Lu}[\p{L}\p{M}'\u2019.]*(?:-[\p{L}\p{M}'\u2019]+)*$/u;
const PARTICLE_JOINED_TOKEN =
  /^(?:el|al|ben|bin|ait|d|l|o)['\u2019-]\p{Lu}[\p{L}\p{M}'\u2019]*(?:-[\p{L}\p{M}'\u2019]+)*$/iu;

/** Whether a word (any part of a hyphenated word) is one that never occurs in a child's name. */
export function isNotNameWord(word: string): boolean {
  return word
    .toLowerCase()
    .replace(/[.:,;()]+$/u, '')
    .split('-')
    .some((part) => NOT_NAME_WORDS.has(part));
}

function isNameToken(token: string): boolean {
  if (NOT_NAME_WORDS.has(token.toLowerCase().replace(/[.:]$/, ''))) return false;
  return NAME_TOKEN.test(token) || PARTICLE_JOINED_TOKEN.test(token);
}

/**
 * Strict: does this text look like a person's name and nothing else? Used for text that has no
 * label, where a false "yes" would turn a signature or a sentence into a child.
 */
export function looksLikeName(candidate: string, options: { allowSingleWord?: boolean } = {}): boolean {
  const text = candidate.trim();
  if (text.length < 2 || text.length > 80) return false;
  if (/[\p{N}@:;!?/\\|<>()[\]{}_=+*#%&"]/u.test(text)) return false;
  const tokens = text.split(/\s+/);
  if (tokens.length > 7) return false;
  if (tokens.length < 2 && options.allowSingleWord !== true) return false;
  const first = tokens[0] ?? '';
  const last = tokens[tokens.length - 1] ?? '';
  if (!isNameToken(first) || !isNameToken(last)) return false;
  let nameTokens = 0;
  for (const token of tokens) {
    if (PARTICLES.has(token.toLowerCase()) && token === token.toLowerCase()) continue;
    if (!isNameToken(token)) return false;
    nameTokens += 1;
  }
  // "J. Jansen" is how staff sign; a signal gives a child's first name, not an initial.
  return nameTokens > 0 && !/^\p{Lu}\.?$/u.test(first);
}

/**
 * Lenient: is a value that a sender put after "Naam:" a sentence, or empty? Such a value is kept
 * for a person to read, with a review reason; it is never dropped or rewritten.
 */
export function isSentenceLike(value: string): boolean {
  const text = value.trim();
  if (text === '') return true;
  const tokens = text.split(/\s+/);
  if (tokens.length > 7) return true;
  if (/[.!?]$/u.test(text) && !/(?:^|\s)\p{Lu}\.$/u.test(text)) return true;
  if (/[\p{N}@:;!?<>[\]{}=+*#%&]/u.test(text)) return true;
  return tokens.some((t) => SENTENCE_WORDS.has(t.toLowerCase()) || NOT_NAME_WORDS.has(t.toLowerCase()));
}

// Trailing separators, bounded so that the regex cannot take quadratic time on a long run of them.
const TRAILING_MARKS =
  /(?<![\s,;:|)\]}"\u201c\u201d(-])[\s,;:|)\]}"\u201c\u201d(-]{1,200}$|^[\s,;:|)\]}"\u201c\u201d(-]+$/u;

/**
 * Strips what surrounds a name in a list or a line: bullets, numbering, brackets, separators,
 * quotes and a trailing "geb."; whitespace is collapsed. The letters of the name are not touched.
 */
export function cleanName(raw: string): string {
  // \ue000 is where a codeword stood (see codeword.ts); it separates like a comma.
  let text = raw.replace(/[\s\ue000]+/g, ' ').trim();
  for (let i = 0; i < 4; i++) {
    const before = text;
    text = text
      .replace(
        /^(?:[-*\u2022\u00b7\u2013\u2014>o]\s+|\d{1,2}[.)]\s*|[a-z][.)]\s+|[-*\u2022\u00b7\u2013\u2014])/u,
        '',
      )
      .replace(/^[\s,;:|([{"'\u201c\u201d\u2018-]+/u, '')
      .replace(/^(?:en|and|of|or|&|\+)\s+/iu, '')
      .replace(TRAILING_MARKS, '')
      .replace(/\s+(?:geb(?:oren)?\.?(?:\s*op)?|d\.d\.|dd)$/iu, '')
      .trim();
    if (text === before) break;
  }
  return text;
}

/** Whether a text has at least one word that could be part of a name (used for lenient reads). */
export function hasNameWord(text: string): boolean {
  return text
    .split(/\s+/)
    .some(
      (t) => /^\p{L}/u.test(t) && !NOT_NAME_WORDS.has(t.toLowerCase()) && !PARTICLES.has(t.toLowerCase()),
    );
}

/**
 * The name at the end of a sentence, for the one-line form written as prose:
 * "Hierbij melden wij David Pieterse, 3-2-2006, Handle with Care" gives "David Pieterse".
 */
export function trailingNameRun(text: string): string {
  const tokens = text.trim().split(/\s+/);
  let start = tokens.length;
  while (start > 0) {
    const token = tokens[start - 1] ?? '';
    const particle = PARTICLES.has(token.toLowerCase()) && token === token.toLowerCase();
    if (!particle && !isNameToken(token)) break;
    start -= 1;
  }
  while (start < tokens.length && !isNameToken(tokens[start] ?? '')) start += 1;
  const run = tokens.slice(start).join(' ');
  return looksLikeName(run) ? run : '';
}
