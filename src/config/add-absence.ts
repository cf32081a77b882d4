import { isDeepStrictEqual } from 'node:util';
import { isMap, isNode, isSeq, parseDocument, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * The config text with `entry` added to `contacts.<contact>.absent`. The yaml library's own
 * re-serialisation moves comments (a comment after a list is re-indented into it, a comment
 * before the next key moves up, blank lines appear), so the entry is spliced into the text
 * instead: one new line after the last entry, or an `absent:` key after the contact's last key,
 * and every other byte as it was. The splice is accepted only when it reads back as exactly what
 * the library would have made; any layout it does not know falls back to the library's output.
 */
export function withAbsence(source: string, contact: string, entry: string): string {
  const path = ['contacts', contact, 'absent'];
  const expected = parseDocument(source);
  const list = expected.getIn(path, true);
  if (isSeq(list)) list.add(expected.createNode(entry));
  else expected.setIn(path, expected.createNode([entry]));

  const spliced = splice(source, contact, entry);
  if (spliced !== undefined) {
    const result = parseDocument(spliced);
    if (result.errors.length === 0 && isDeepStrictEqual(result.toJS(), expected.toJS())) return spliced;
  }
  return expected.toString();
}

function splice(source: string, contact: string, entry: string): string | undefined {
  const doc = parseDocument(source);
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const list = doc.getIn(['contacts', contact, 'absent'], true);
  if (isSeq(list))
    return list.flow ? intoFlowList(source, list, entry) : intoBlockList(source, list, entry, eol);
  if (list !== undefined) return undefined;
  const person = doc.getIn(['contacts', contact], true);
  return isMap(person) && !person.flow ? newAbsentKey(source, person, entry, eol) : undefined;
}

/** `- entry` on a new line after the last entry's line, indented and quoted like that entry. */
function intoBlockList(source: string, list: YAMLSeq, entry: string, eol: string): string | undefined {
  const last = list.items.at(-1);
  if (!isNode(last) || !last.range) return undefined;
  const lineStart = source.lastIndexOf('\n', last.range[0] - 1) + 1;
  const dash = /^([ \t]*)-[ \t]+$/.exec(source.slice(lineStart, last.range[0]));
  if (!dash) return undefined;
  return insertLine(source, last.range[1], `${dash[1] ?? ''}- ${quotedLike(source, last, entry)}`, eol);
}

/** `, entry` right after the last entry of `[a, b]`, or the entry alone in `[]`. */
function intoFlowList(source: string, list: YAMLSeq, entry: string): string | undefined {
  const last = list.items.at(-1);
  if (last === undefined) {
    const close = (list.range?.[1] ?? 0) - 1;
    return source[close] === ']' ? `${source.slice(0, close)}${entry}${source.slice(close)}` : undefined;
  }
  if (!isNode(last) || !last.range) return undefined;
  const at = last.range[1];
  return `${source.slice(0, at)}, ${quotedLike(source, last, entry)}${source.slice(at)}`;
}

/** `absent:` with one entry, after the contact's last key, at that key's indentation. */
function newAbsentKey(source: string, person: YAMLMap, entry: string, eol: string): string | undefined {
  const lastPair = person.items.at(-1);
  const key = lastPair?.key;
  if (!isNode(key) || !key.range) return undefined;
  const lineStart = source.lastIndexOf('\n', key.range[0] - 1) + 1;
  const indent = source.slice(lineStart, key.range[0]);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const value = lastPair?.value;
  const end = isNode(value) && value.range ? value.range[1] : key.range[1];
  return insertLine(source, end, `${indent}absent:${eol}${indent}  - ${entry}`, eol);
}

/** Inserts `line` after the line on which `position` is (or ends, when it is at a line start). */
function insertLine(source: string, position: number, line: string, eol: string): string {
  const newline = source.indexOf('\n', Math.max(position - 1, 0));
  if (newline === -1) return `${source}${eol}${line}${eol}`;
  return `${source.slice(0, newline + 1)}${line}${eol}${source.slice(newline + 1)}`;
}

function quotedLike(source: string, sibling: Node, entry: string): string {
  const quote = source[sibling.range?.[0] ?? -1];
  return quote === "'" || quote === '"' ? `${quote}${entry}${quote}` : entry;
}
