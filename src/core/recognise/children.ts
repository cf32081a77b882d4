/**
 * Finds the children in the body of a signal: the one-line form of the regional handbooks
 * ("David Pieterse, 3-2-2006, Handle with Care"), labelled fields in any order, and several
 * children (siblings) as a list, as lines, or as a table (tab-separated text or an HTML table
 * converted to one row per line). Names and dates are paired in the order they appear;
 * anything that does not pair up is kept, with a problem, for a person to look at.
 */

import { CODEWORD_MARK, removeCodewords } from './codeword.js';
import { findDates, type DateMatch } from './dates.js';
import { isHeaderRow, nameColumns, splitLabels, type ColumnKind, type LabelledSegment } from './labels.js';
import { composeName, isWhole, type NamePart, type NameParts } from './name-parts.js';
import { cleanName, hasNameWord, looksLikeName, trailingNameRun } from './names.js';
import { hasOtherPerson, isAnchoredName } from './sentence-name.js';

/**
 * 'empty': no name at all; 'from-sentence': the name was cut from prose and may be someone else's;
 * 'missing-part': a name given in parts (Voornaam, Achternaam) lacks its given name or surname.
 */
export type NameProblem = 'empty' | 'from-sentence' | 'missing-part';
export type DateProblem = 'missing' | 'not-exist' | 'unrecognised';

/** A child before the plausibility checks; the problems never hold any of the child's data. */
export interface FoundChild {
  name: string;
  birthDate: string;
  nameProblem?: NameProblem;
  dateProblem?: DateProblem;
}

export interface Extraction {
  children: FoundChild[];
  /** Names and dates were found in unequal numbers, so at least one child is incomplete. */
  countMismatch: boolean;
}

/**
 * One name or date as found. `labelled` is true for a name after "Naam:" (or one kept as written
 * for review): such a name is kept even when it does not look like a name.
 */
type Field =
  | { kind: 'name'; name: string; labelled: boolean; fromSentence?: boolean; parts?: NameParts }
  | { kind: 'date'; iso: string; problem?: DateProblem };

// Words right before a date that make it the date of an event, a mail or a deadline, not of a birth:
// "Verzonden op 20-11-2026", "Datum: 20-11-2026", "Incidentdatum: 19-11-2026", "signaal van 20-11-2026",
// "vrijdag 20 november 2026". ("Geboortedatum" never gets here: it is read as a label first.)
const EVENT_BEFORE =
  /(?:^|[\s(,;:])(?:op|sinds|vanaf|per|tot|t\/m|tm|d\.d\.|dd|[\p{L}-]*datum|date|verzonden|sent|ontvangen|received|gemeld|melding|incident|inzet|van|om|na|voor|uiterlijk|deadline|tijdens|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|ma|di|wo|do|vr|za|zo)\.?\s*[:,]?\s*$/iu;
// A time or a range right after a date: "20-11-2026 10:12", "20-11-2026 om 9.30", "1-1-2026 t/m".
const EVENT_AFTER =
  /^\s*(?:,?\s*(?:om|at|van|tot|t\/m|-)\s*)?\d{1,2}[:.]\d{2}\b|^\s*(?:t\/m|tot|till|until)\b/iu;

function isEventDate(line: string, date: DateMatch, previousEnd: number): boolean {
  const before = line.slice(Math.max(previousEnd, date.start - 40), date.start);
  return EVENT_BEFORE.test(before) || EVENT_AFTER.test(line.slice(date.end, date.end + 20));
}

function dateField(date: DateMatch): Field {
  return date.exists ? { kind: 'date', iso: date.iso } : { kind: 'date', iso: '', problem: 'not-exist' };
}

function nameBefore(text: string): string {
  if (text.includes('\t')) {
    const cells = text
      .split('\t')
      .map(cleanName)
      .filter((c) => c !== '' && !/^\d+[.)]?$/.test(c));
    const joined = cells.join(' ');
    if (looksLikeName(joined)) return joined;
    return cells[cells.length - 1] ?? '';
  }
  const pieces = text.split(/[,;|(\ue000]|\s[-\u2013\u2014]\s/).map(cleanName);
  for (let i = pieces.length - 1; i >= 0; i--) {
    const piece = pieces[i] ?? '';
    if (piece !== '') return piece;
  }
  return '';
}

function nameAfter(text: string): { name: string; length: number } {
  const m = /^[\s,;|)\-\u2013\u2014]*([^\t,;|(\ue000]*)/.exec(text);
  const name = cleanName(m?.[1] ?? '');
  return { name, length: m?.[0].length ?? 0 };
}

/** Turns the ordered fields of one section into children: a name and a date each open or complete a record. */
function pair(fields: Field[]): Extraction {
  const children: FoundChild[] = [];
  let countMismatch = false;
  let current: { name?: Field & { kind: 'name' }; date?: Field & { kind: 'date' } } = {};
  const flush = (): void => {
    if (!current.name && !current.date) return;
    if (!current.name || !current.date) countMismatch = true;
    const composed = current.name?.parts ? composeName(current.name.parts) : undefined;
    const name = composed?.name ?? current.name?.name ?? '';
    const child: FoundChild = { name, birthDate: current.date?.iso ?? '' };
    if (!current.name || name === '') child.nameProblem = 'empty';
    else if (composed?.missing) child.nameProblem = 'missing-part';
    else if (current.name.fromSentence) child.nameProblem = 'from-sentence';
    if (!current.date) child.dateProblem = 'missing';
    else if (current.date.problem) child.dateProblem = current.date.problem;
    children.push(child);
    current = {};
  };
  for (const field of fields) {
    if (field.kind === 'name') {
      if (current.name) flush();
      current.name = field;
    } else {
      if (current.date) flush();
      current.date = field;
    }
  }
  flush();
  return { children, countMismatch };
}

interface WeakName {
  name: string;
  line: number;
}

/** A name or date label whose value was empty: it is filled in by the next line, if that has no label. */
interface Pending {
  kind: 'name' | 'date' | 'part';
  colon: boolean;
  part?: NamePart;
}

/** The field a label stands for when nothing follows it: an empty name, or a missing date. */
function emptyField(kind: 'name' | 'date' | 'part'): Field {
  return kind === 'date'
    ? { kind: 'date', iso: '', problem: 'missing' }
    : { kind: 'name', name: '', labelled: true };
}

/**
 * Extracts the fields of one body section, line by line. A line's meaning depends on the lines
 * before it (a label whose value is on the next line, a name alone on the line above a date), so
 * that context is kept here between lines.
 */
class FieldExtractor {
  readonly fields: Field[] = [];
  private pending: Pending | undefined;
  private weak: WeakName | undefined;
  private lastNonEmpty = -1;
  /** The name whose parts (Voornaam:, Achternaam:) are being collected. */
  private group: { field: Field & { kind: 'name' }; index: number; parts: NameParts } | undefined;
  /** The columns of a table whose header splits the name over columns. */
  private columns: ColumnKind[] | undefined;

  addLine(rawLine: string, lineIndex: number): void {
    if (rawLine.trim() === '') {
      // A blank line after a whole name ends it; the next Tussenvoegsel: belongs to the next child.
      if (this.group && isWhole(this.group.parts)) this.group = undefined;
      return;
    }
    const line = removeCodewords(rawLine);
    if (isHeaderRow(line)) {
      this.weak = undefined;
      this.pending = undefined;
      this.group = undefined;
      this.columns = nameColumns(line);
      this.lastNonEmpty = lineIndex;
      return;
    }
    if (this.columns && this.columnRow(this.columns, line)) {
      this.lastNonEmpty = lineIndex;
      return;
    }
    this.columns = undefined;
    const segments = splitLabels(line);
    const hasLabel = segments.some((s) => s.kind !== 'none');
    if (this.pending && this.fillPending(this.pending, line, hasLabel)) {
      this.lastNonEmpty = lineIndex;
      return;
    }
    if (!hasLabel) {
      if (line.replace(/[\s,\ue000]/g, '') !== '') this.unlabelled(line, lineIndex);
      this.lastNonEmpty = lineIndex;
      return;
    }
    this.weak = undefined;
    this.labelledLine(segments, lineIndex);
    this.lastNonEmpty = lineIndex;
  }

  finish(): Field[] {
    if (this.pending?.kind === 'part' && this.pending.part) this.addPart(this.pending.part, '');
    else if (this.pending?.colon) this.fields.push(emptyField(this.pending.kind));
    return this.fields;
  }

  /**
   * One part of a name. It opens a new name when there is none, when the current one has this
   * part already, or when the current one is whole and a date or another name followed it.
   */
  private addPart(part: NamePart, raw: string): void {
    const value = cleanName(raw);
    const group = this.group;
    const movedOn = group !== undefined && this.fields.length > group.index + 1 && isWhole(group.parts);
    if (group === undefined || group.parts[part] !== undefined || movedOn) {
      const field: Field & { kind: 'name' } = { kind: 'name', name: '', labelled: true, parts: {} };
      this.group = { field, index: this.fields.length, parts: field.parts ?? {} };
      this.fields.push(field);
    }
    if (this.group) this.group.parts[part] = value;
  }

  /** A row under a header that splits the name over columns. False when the row does not fit it. */
  private columnRow(columns: ColumnKind[], line: string): boolean {
    const cells = line.split('\t');
    if (cells.length < 2 || cells.length > columns.length) return false;
    const parts: NameParts = {};
    const dates: DateMatch[] = [];
    cells.forEach((cell, i) => {
      const column = columns[i] ?? 'other';
      if (column === 'date') dates.push(...findDates(cell));
      else if (column !== 'other') parts[column] = cleanName(cell);
    });
    if (Object.values(parts).every((p) => p === '')) return false;
    this.group = undefined;
    this.fields.push({ kind: 'name', name: '', labelled: true, parts });
    if (dates.length === 0) this.fields.push({ kind: 'date', iso: '', problem: 'missing' });
    for (const d of dates) this.fields.push(dateField(d));
    return true;
  }

  /** The line after an empty label. True when the line was its value and nothing else is left of it. */
  private fillPending(was: Pending, line: string, hasLabel: boolean): boolean {
    this.pending = undefined;
    if (was.kind === 'part' && was.part) {
      // An empty "Tussenvoegsel:" is followed by the next label, not by its value.
      this.addPart(was.part, hasLabel ? '' : line);
      return !hasLabel;
    }
    if (hasLabel) {
      if (was.colon) this.fields.push(emptyField(was.kind));
      return false;
    }
    if (was.kind === 'name') {
      this.labelledName(line);
      return true;
    }
    const dates = findDates(line);
    if (dates.length > 0) {
      for (const d of dates) this.fields.push(dateField(d));
      return true;
    }
    if (was.colon) this.fields.push({ kind: 'date', iso: '', problem: 'unrecognised' });
    return false;
  }

  private labelledLine(segments: LabelledSegment[], lineIndex: number): void {
    const lineHasDateLabel = segments.some((s) => s.kind === 'date');
    segments.forEach((segment, k) => {
      const isLast = k === segments.length - 1;
      const value = segment.value;
      const nextIsDate = segments[k + 1]?.kind === 'date';
      if (segment.kind === 'none') {
        const dates = findDates(value);
        if (dates.length > 0) this.unlabelled(value, lineIndex);
        if (nextIsDate) this.nameBeforeDateLabel(value.slice(dates[dates.length - 1]?.end ?? 0));
      } else if (segment.kind === 'part' && segment.part) {
        if (value.replace(/[\s,;|\ue000]/g, '') === '' && isLast) {
          this.pending = { kind: 'part', colon: segment.colon, part: segment.part };
        } else {
          this.addPart(segment.part, value);
        }
      } else if (segment.kind === 'name') {
        this.group = undefined;
        if (value.replace(/[\s,;|\ue000]/g, '') === '') {
          if (isLast) this.pending = { kind: 'name', colon: segment.colon };
          else if (segment.colon) this.fields.push(emptyField('name'));
        } else if (lineHasDateLabel) {
          this.fields.push({ kind: 'name', name: cleanName(value), labelled: true });
        } else {
          this.labelledName(value);
        }
      } else if (segment.kind === 'date') {
        const dates = findDates(value);
        if (dates.length > 0) {
          for (const d of dates) this.fields.push(dateField(d));
          // "geboren 2-2-2012 en Tim Bos, geboren 3-3-2014": the text after a date may name the next child.
          if (nextIsDate) this.nameBeforeDateLabel(value.slice(dates[dates.length - 1]?.end ?? 0));
        } else if (value.replace(/[\s,;|\ue000]/g, '') === '') {
          if (isLast) this.pending = { kind: 'date', colon: segment.colon };
          else this.fields.push(emptyField('date'));
        } else {
          this.fields.push({ kind: 'date', iso: '', problem: 'unrecognised' });
        }
      }
    });
  }

  /** The last field is a name that no date has followed yet: "Naam: X" then a date on its own line. */
  private openNameWithoutDate(): boolean {
    const last = this.fields[this.fields.length - 1];
    return last?.kind === 'name' && last.labelled;
  }

  /** The name in front of "geb." or "geboren" on the same line: "David Pieterse geb. 3-2-2006". */
  private nameBeforeDateLabel(text: string): void {
    const candidate = nameBefore(text);
    if (looksLikeName(candidate)) {
      this.fields.push({ kind: 'name', name: candidate, labelled: false });
      return;
    }
    const run = trailingNameRun(candidate);
    if (run !== '') this.pushSentenceName(text, run);
  }

  /**
   * A name cut from prose. It counts as sure only when the sentence ties it to its date without
   * doubt (see sentence-name.ts); otherwise a person checks it.
   */
  private pushSentenceName(sentence: string, run: string): void {
    const sure = isAnchoredName(sentence, run);
    this.fields.push({ kind: 'name', name: run, labelled: false, ...(sure ? {} : { fromSentence: true }) });
  }

  /** A "Naam:" value may carry the date as well: "Naam: David Pieterse (3-2-2006)". */
  private labelledName(value: string): void {
    const dates = findDates(value);
    const first = dates[0];
    if (first === undefined) {
      this.fields.push({ kind: 'name', name: cleanName(value), labelled: true });
      return;
    }
    this.fields.push({ kind: 'name', name: cleanName(value.slice(0, first.start)), labelled: true });
    for (const d of dates) this.fields.push(dateField(d));
  }

  private unlabelled(text: string, lineIndex: number): void {
    const dates = findDates(text);
    if (dates.length === 0) {
      const candidate = cleanName(text.replace(/\t/g, ' '));
      this.weak = looksLikeName(candidate) ? { name: candidate, line: lineIndex } : undefined;
      return;
    }
    let previousEnd = 0;
    const previousWeak = this.weak;
    this.weak = undefined;
    dates.forEach((date, k) => {
      const nextStart = dates[k + 1]?.start ?? text.length;
      if (date.start < previousEnd) return;
      if (isEventDate(text, date, previousEnd)) {
        previousEnd = date.end;
        return;
      }
      const before = nameBefore(text.slice(previousEnd, date.start));
      if (before !== '' && looksLikeName(before)) {
        // "voor: Eva Bos, Tim Bos (2-2-2012)": two names for one date, so a person checks which.
        const span = text.slice(previousEnd, date.start);
        const at = span.lastIndexOf(before);
        const doubt = at > 0 && hasOtherPerson(span.slice(0, at));
        this.fields.push(
          { kind: 'name', name: before, labelled: false, ...(doubt ? { fromSentence: true } : {}) },
          dateField(date),
        );
      } else if (before === '') {
        const after = nameAfter(text.slice(date.end, nextStart));
        if (after.name !== '' && looksLikeName(after.name)) {
          this.fields.push({ kind: 'name', name: after.name, labelled: false }, dateField(date));
          previousEnd = date.end + after.length;
          return;
        }
        if (previousWeak && previousWeak.line === this.lastNonEmpty && dates.length === 1) {
          this.fields.push({ kind: 'name', name: previousWeak.name, labelled: false }, dateField(date));
        } else if (this.openNameWithoutDate() && dates.length === 1) {
          this.fields.push(dateField(date));
        }
      } else {
        this.sentenceName(text, before, previousEnd, date);
      }
      previousEnd = date.end;
    });
  }

  /**
   * A name at the end of a sentence, right before the date: "Het gaat om Sara Yılmaz, 4-5-2014".
   * Prose may name someone else (a parent, a sibling), so a person checks it.
   */
  private sentenceName(text: string, before: string, previousEnd: number, date: DateMatch): void {
    const adjacent = /[,(]\s*$/.test(text.slice(previousEnd, date.start));
    const codewordAfter = text.slice(date.end).includes(CODEWORD_MARK);
    const run = adjacent || codewordAfter ? trailingNameRun(before) : '';
    if (run !== '') {
      this.pushSentenceName(text.slice(previousEnd, date.start), run);
      this.fields.push(dateField(date));
    } else if (codewordAfter && hasNameWord(before)) {
      // The handbook's one-line form (name, date, codeword) with something odd where the name
      // should be: keep it as written for a person to review rather than lose the child.
      this.fields.push({ kind: 'name', name: before, labelled: true }, dateField(date));
    }
  }
}

function extractFields(lines: string[]): Field[] {
  const extractor = new FieldExtractor();
  lines.forEach((line, index) => extractor.addLine(line, index));
  return extractor.finish();
}

/** Children of one body section. */
export function extractChildren(lines: string[]): Extraction {
  return pair(extractFields(lines));
}

/** Whether lines hold a labelled birth date; used to warn about one below a signature. */
export function hasLabelledBirthDate(lines: string[]): boolean {
  return lines.some((line) =>
    splitLabels(line).some((s) => s.kind === 'date' && findDates(s.value).length > 0),
  );
}
