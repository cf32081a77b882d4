/**
 * HTML-only mail from Outlook (MsoNormal paragraphs, &nbsp;, tables) and webmail. A general
 * HTML-to-text converter glues table cells together ("Mehmet Yılmaz5 mei 2015") and wraps long
 * lines; this one keeps one table row per line with a tab between cells, which is exactly the
 * structure that tells a name from a date. Linear in the length of the input.
 */

const BLOCK_TAGS = new Set([
  'p',
  'div',
  'br',
  'tr',
  'li',
  'ul',
  'ol',
  'table',
  'tbody',
  'thead',
  'tfoot',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'hr',
  'section',
  'article',
  'header',
  'footer',
  'address',
  'dd',
  'dt',
  'dl',
  'center',
  'caption',
]);
const CELL_TAGS = new Set(['td', 'th']);
// Their content is never text that a reader sees.
const SKIP_CONTENT_TAGS = new Set(['script', 'style', 'head', 'title', 'xml', 'template', 'noscript']);

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['nbsp', ' '],
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['rsquo', '\u2019'],
  ['lsquo', '\u2018'],
  ['rdquo', '\u201d'],
  ['ldquo', '\u201c'],
  ['ndash', '\u2013'],
  ['mdash', '\u2014'],
  ['hellip', '\u2026'],
  ['euro', '\u20ac'],
  ['shy', ''],
  ['zwnj', ''],
  ['zwj', ''],
  ['szlig', 'ß'],
]);

// Latin-1 letters with diacritics as named entities: &euml; &ccedil; &Ouml; and so on.
const DIACRITIC_ENTITY = /^([A-Za-z])(acute|grave|circ|uml|tilde|cedil|ring|slash)$/;
const COMBINING: Readonly<Record<string, string>> = {
  acute: '\u0301',
  grave: '\u0300',
  circ: '\u0302',
  uml: '\u0308',
  tilde: '\u0303',
  cedil: '\u0327',
  ring: '\u030a',
};

function decodeEntity(entity: string): string | undefined {
  if (entity.startsWith('#')) {
    const code = /^#x/i.test(entity) ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return undefined;
    }
    return String.fromCodePoint(code);
  }
  const named = NAMED_ENTITIES.get(entity) ?? NAMED_ENTITIES.get(entity.toLowerCase());
  if (named !== undefined) return named;
  const m = DIACRITIC_ENTITY.exec(entity);
  if (m) {
    const letter = m[1] ?? '';
    const mark = m[2] ?? '';
    if (mark === 'slash') return letter === 'O' ? 'Ø' : letter === 'o' ? 'ø' : undefined;
    const combining = COMBINING[mark];
    return combining === undefined ? undefined : (letter + combining).normalize('NFC');
  }
  return undefined;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});?/gi, (whole, entity: string) => {
    return decodeEntity(entity) ?? whole;
  });
}

interface FlowFrame {
  kind: 'flow';
  parts: string[];
  isCell: boolean;
}

interface TableFrame {
  kind: 'table';
  rows: string[];
  row: string[] | undefined;
}

type Frame = FlowFrame | TableFrame;

// Layout tables nest, but not this deep; deeper table tags are read as plain blocks. Each level
// re-reads what it contains, so the bound also bounds the work.
const MAX_TABLE_DEPTH = 16;

function isCell(frame: Frame): boolean {
  return frame.kind === 'flow' && frame.isCell;
}

// Split-and-trim instead of regexes such as / *\t/ or /[ \t]+$/, which take quadratic time on a long run of spaces.
function tidyLine(line: string): string {
  const cells = line.split('\t').map((cell) => cell.replace(/ {2,}/g, ' ').trim());
  let start = 0;
  let end = cells.length;
  while (start < end && cells[start] === '') start += 1;
  while (end > start && cells[end - 1] === '') end -= 1;
  return cells.slice(start, end).join('\t');
}

function tidyLines(text: string): string[] {
  return text
    .split('\n')
    .map(tidyLine)
    .filter((line) => line !== '');
}

// A row of single-line cells is a data row: one line, cells separated by a tab. A row with a cell
// of several paragraphs is layout: its paragraphs stay lines of their own.
function renderRow(cells: string[]): string {
  const rendered = cells.map((cell) => tidyLines(cell));
  const filled = rendered.filter((lines) => lines.length > 0);
  if (filled.length >= 2 && rendered.every((lines) => lines.length <= 1)) {
    return rendered.map((lines) => lines[0] ?? '').join('\t');
  }
  return filled.map((lines) => lines.join('\n')).join('\n');
}

/**
 * The frames under construction while the HTML is read: flowing text, and tables with their
 * current row and cell. Tags and text go in; the lines come out of `finish`.
 */
class TextTree {
  readonly #root: FlowFrame = { kind: 'flow', parts: [], isCell: false };
  readonly #stack: Frame[] = [this.#root];
  #tableDepth = 0;

  text(raw: string): void {
    if (/\S/.test(raw) || this.#top().kind === 'flow') {
      this.#flow().parts.push(decodeEntities(raw.replace(/\s+/g, ' ')));
    }
  }

  tag(name: string, closing: boolean): void {
    const inTable = this.#tableDepth > 0;
    if (name === 'table' && (this.#tableDepth < MAX_TABLE_DEPTH || closing)) {
      if (!closing) {
        this.#stack.push({ kind: 'table', rows: [], row: undefined });
        this.#tableDepth += 1;
      } else if (inTable) {
        while (isCell(this.#top())) this.#closeCell();
        this.#closeTable();
      }
    } else if (name === 'tr' && inTable) {
      this.#closeRow();
      if (!closing) {
        const table = this.#top();
        if (table.kind === 'table') table.row = [];
      }
    } else if (CELL_TAGS.has(name) && inTable) {
      this.#closeCell();
      if (!closing) {
        const table = this.#top();
        if (table.kind === 'table') {
          table.row ??= [];
          this.#stack.push({ kind: 'flow', parts: [], isCell: true });
        }
      }
    } else if (CELL_TAGS.has(name)) {
      if (!closing) this.#flow().parts.push('\t');
    } else if (BLOCK_TAGS.has(name) || name === 'table') {
      this.#flow().parts.push('\n');
    }
  }

  /** Closes what the HTML left open and returns the tidied lines. */
  finish(): string {
    while (this.#stack.length > 1) {
      const frame = this.#top();
      if (frame.kind === 'table') this.#closeTable();
      else if (frame.isCell) this.#closeCell();
      else this.#stack.pop();
    }
    return tidyLines(this.#root.parts.join('')).join('\n');
  }

  #top(): Frame {
    return this.#stack[this.#stack.length - 1] ?? this.#root;
  }

  #flow(): FlowFrame {
    const frame = this.#top();
    if (frame.kind === 'flow') return frame;
    // Text directly inside a table but outside a cell: treat it as a cell of its own.
    const cell: FlowFrame = { kind: 'flow', parts: [], isCell: true };
    frame.row ??= [];
    this.#stack.push(cell);
    return cell;
  }

  #closeCell(): void {
    const frame = this.#top();
    if (frame.kind !== 'flow' || !frame.isCell) return;
    this.#stack.pop();
    const table = this.#top();
    if (table.kind === 'table') (table.row ??= []).push(frame.parts.join(''));
  }

  #closeRow(): void {
    this.#closeCell();
    const table = this.#top();
    if (table.kind === 'table' && table.row !== undefined) {
      table.rows.push(renderRow(table.row));
      table.row = undefined;
    }
  }

  #closeTable(): void {
    this.#closeRow();
    const table = this.#top();
    if (table.kind !== 'table') return;
    this.#stack.pop();
    this.#tableDepth -= 1;
    this.#flow().parts.push('\n', table.rows.join('\n'), '\n');
  }
}

/** Converts HTML to lines of text: blocks become lines, a data table row becomes one line with tabs. */
export function htmlToText(html: string): string {
  // Tags are matched case-insensitively on the original, never on a lower-cased copy: lower-casing
  // changes the length of some text (Turkish "\u0130" becomes two code units), and an index from the
  // copy would then cut the original in the wrong place.
  const tree = new TextTree();
  let pos = 0;
  const length = html.length;
  while (pos < length) {
    const lt = html.indexOf('<', pos);
    const textEnd = lt < 0 ? length : lt;
    if (textEnd > pos) tree.text(html.slice(pos, textEnd));
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      pos = end < 0 ? length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    // Without the u flag, /i folds only ASCII letters to ASCII (ECMA-262 Canonicalize), so a
    // Kelvin sign or a long s never passes for a tag name.
    const tag = /^<\/?\s*([a-z][a-z0-9:-]*)/i.exec(html.slice(lt, Math.min(gt + 1, lt + 40)));
    pos = gt + 1;
    if (!tag) continue;
    const fullName = (tag[1] ?? '').toLowerCase();
    const name = fullName.replace(/^[a-z]+:/, '');
    const closing = html.charCodeAt(lt + 1) === 0x2f;
    if (!closing && SKIP_CONTENT_TAGS.has(name)) {
      pos = indexOfIgnoringCase(html, `</${fullName}`, pos);
      continue;
    }
    tree.tag(name, closing);
  }
  return tree.finish();
}

/** The first position of an ASCII needle at or after `from`, ignoring ASCII case; the length if none. */
function indexOfIgnoringCase(text: string, needle: string, from: number): number {
  const escaped = needle.replace(/[-:]/g, '\\$&');
  const re = new RegExp(escaped, 'gi');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : text.length;
}
