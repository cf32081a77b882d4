/**
 * Labelled fields as the forms of Veilig Thuis and the municipalities write them, in any order:
 * "Naam:", "Naam leerling:", "Leerling:", "Geboortedatum:", "Geb.datum:", "geb.", "Codewoord:".
 */

import { NAME_PART_LABEL, partOfLabel, type NamePart } from './name-parts.js';

export type LabelKind = 'name' | 'date' | 'codeword' | 'part';

export interface LabelledSegment {
  kind: LabelKind | 'none';
  /** The text after the label up to the next label, or the text before the first label. */
  value: string;
  /** The label ended in a colon ("Naam:"), so an empty value means the sender left it empty. */
  colon: boolean;
  /** For kind 'part': which part of a name the value is ("Voornaam:", "Achternaam:"). */
  part?: NamePart;
}

// Name labels need a colon (or a tab in a two-column table): "naam" in prose is not a label.
// A number may follow for siblings: "Naam kind 1:", "Leerling 2:". Only before a colon or tab,
// so that "Geboortedatum 3-2-2006" keeps its day.
const NUMBER = String.raw`(?:\s*\d{1,2}(?=\s*[:\t]))?`;
const NAME_LABEL = String.raw`(?:(?:volledige\s+)?naam(?:\s*\(?\s*(?:van\s+(?:de|het)\s+)?(?:leerling|kind)\s*\)?)?|leerling(?:naam)?|kind|voor(?:naam|-)?\s*en\s+achternaam(?:\s+(?:kind|leerling))?|name(?:\s+of\s+(?:the\s+)?(?:child|pupil))?)${NUMBER}`;
// Date labels: "Geboortedatum", "Geb.datum", "geb. datum", "Geb.dat.", "geboren (op)", "geb.", "DOB".
const DATE_LABEL = String.raw`geboorte-?\s*datum(?:\s+(?:kind|leerling))?${NUMBER}|geb\.?\s*dat(?:um|\.)?|geboren(?:\s+op)?|geb\.|geb(?=\s*[:\t])|date\s+of\s+birth|dob`;
const CODEWORD_LABEL = String.raw`code-?\s*woord|codeword`;

const LABEL = new RegExp(
  String.raw`(?<=^|[\t,;|(]|\s)(?:(?<name>${NAME_LABEL})\s*(?::|\t|$)|(?<part>${NAME_PART_LABEL}${NUMBER})\s*(?::|\t|$)|(?<date>${DATE_LABEL})\s*:?|(?<code>${CODEWORD_LABEL})\s*(?::|\t|$))`,
  'giu',
);

/** Splits a line into the values of its labels, in order; text before the first label has kind 'none'. */
export function splitLabels(line: string): LabelledSegment[] {
  const segments: LabelledSegment[] = [];
  let kind: LabelledSegment['kind'] = 'none';
  let colon = false;
  let valueStart = 0;
  let part: NamePart | undefined;
  for (const m of line.matchAll(LABEL)) {
    const groups = m.groups ?? {};
    const next: LabelKind =
      groups['name'] !== undefined
        ? 'name'
        : groups['part'] !== undefined
          ? 'part'
          : groups['date'] !== undefined
            ? 'date'
            : 'codeword';
    // "Naam" only counts as a label at the start of a segment; "geb." may follow a name directly.
    // "Voornaam: Sanne Achternaam: Berg": a part label with its colon is distinct enough anywhere.
    if (
      next !== 'date' &&
      !(next === 'part' && m[0].includes(':')) &&
      line.slice(valueStart, m.index).trim() !== '' &&
      !/[\t,;|]\s*$/.test(line.slice(0, m.index))
    ) {
      continue;
    }
    segments.push({ kind, value: line.slice(valueStart, m.index), colon, ...(part ? { part } : {}) });
    kind = next;
    colon = m[0].includes(':');
    part = next === 'part' ? partOfLabel(groups['part'] ?? '') : undefined;
    valueStart = m.index + m[0].length;
  }
  segments.push({ kind, value: line.slice(valueStart), colon, ...(part ? { part } : {}) });
  return segments.filter((s, i) => i > 0 || s.kind !== 'none' || s.value.trim() !== '');
}

const HEADER_CELL = new RegExp(
  `^(?:${NAME_LABEL}|${DATE_LABEL}|${CODEWORD_LABEL}|${NAME_PART_LABEL}|nr\\.?|#)\\s*:?$`,
  'iu',
);

/** A table header row such as "Naam leerling<TAB>Geboortedatum": labels only, no values. */
export function isHeaderRow(line: string): boolean {
  const cells = line.split(/[\t|]| {2,}/).filter((c) => c.trim() !== '');
  if (cells.length < 2) return false;
  return cells.every((c) => HEADER_CELL.test(c.trim()));
}

export type ColumnKind = NamePart | 'date' | 'other';

/**
 * The columns of a header row that splits a name over columns ("Voornaam<TAB>Tussenvoegsel<TAB>
 * Achternaam<TAB>Geboortedatum"), in order; undefined for any other header row.
 */
export function nameColumns(line: string): ColumnKind[] | undefined {
  if (!line.includes('\t')) return undefined;
  const part = new RegExp(`^(?:${NAME_PART_LABEL})\\s*:?$`, 'iu');
  const date = new RegExp(`^(?:${DATE_LABEL})\\s*:?$`, 'iu');
  const columns = line.split('\t').map((cell): ColumnKind => {
    const text = cell.trim();
    if (part.test(text)) return partOfLabel(text);
    return date.test(text) ? 'date' : 'other';
  });
  return columns.some((c) => c === 'first' || c === 'call' || c === 'surname') ? columns : undefined;
}
