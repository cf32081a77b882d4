/**
 * Turns a raw e-mail into MailFacts with mailparser, within fixed bounds: size, header size,
 * MIME depth and part count are checked on the raw bytes before parsing, HTML and text are
 * truncated, and a time budget ends a parse that takes too long. A failure is a fixed reason
 * code, never text from the mail, so it can be logged and counted without leaking anything.
 */

import { MailParser } from 'mailparser';
import type { AddressObject, AttachmentStream, HeaderValue, MessageText, StructuredHeader } from 'mailparser';
import type { MailFacts } from '../core/types.js';
import { readDeliveryStatus } from './delivery-status.js';
import type { MailParser as MailParserPort, ParseFailureReason, ParseResult } from '../core/ports.js';

export type { ParseFailureReason, ParseResult } from '../core/ports.js';

export interface ParseLimits {
  /** Largest raw message, checked before parsing. */
  maxBytes: number;
  /** Largest header block of the message (and of any MIME part). */
  maxHeaderBytes: number;
  /** Most header lines of the message, folded lines counted one by one. */
  maxHeaderLines: number;
  /** Longest HTML kept and converted to text, in characters; longer HTML is truncated. */
  maxHtmlLength: number;
  /** Longest plain text kept, in characters. */
  maxTextLength: number;
  /** Deepest nesting of multipart and message/rfc822 parts. */
  maxMimeDepth: number;
  /** Most MIME parts in one message. */
  maxMimeParts: number;
  /** Time a parse may take, in milliseconds. */
  timeBudgetMs: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxHeaderBytes: 256 * 1024,
  maxHeaderLines: 5000,
  maxHtmlLength: 1_000_000,
  maxTextLength: 1_000_000,
  maxMimeDepth: 12,
  maxMimeParts: 200,
  timeBudgetMs: 5000,
});

/** Headers copied into MailFacts.headers (lower-case names, unfolded values). */
const SELECTED_HEADERS = new Set([
  'auto-submitted',
  'x-auto-response-suppress',
  'precedence',
  'list-id',
  'list-unsubscribe',
  'list-post',
  'x-autoreply',
  'x-autorespond',
  'x-autoresponder',
  'return-path',
  'from',
  'sender',
  'reply-to',
  'x-failed-recipients',
  'content-type',
  'disposition-notification-to',
  'x-ms-exchange-generated-message-source',
  'x-ms-exchange-inbox-rules-loop',
]);
const MAX_HEADER_VALUE = 4000;
/**
 * Attached forwarded mails (message/rfc822) are read to any depth: the structure check bounds the
 * nesting (maxMimeDepth) and the number of parts (maxMimeParts) before anything is parsed, so the
 * recursion is bounded by the same limits. What cannot be read within them is counted as unread,
 * never dropped quietly (MailFacts.completeness).
 */

class ParseFailure extends Error {
  constructor(readonly reason: ParseFailureReason) {
    super(reason);
  }
}

function resolveLimits(limits: Partial<ParseLimits> | undefined): ParseLimits {
  const result: ParseLimits = { ...DEFAULT_PARSE_LIMITS };
  for (const key of Object.keys(DEFAULT_PARSE_LIMITS) as (keyof ParseLimits)[]) {
    const value = limits?.[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) result[key] = value;
  }
  return result;
}

interface HeaderBlock {
  /** Bytes of the header block, without the blank line that ends it. */
  length: number;
  lines: number;
  /** False when no blank line was found within the bytes looked at. */
  complete: boolean;
}

/** Finds the end of the header block, looking at no more than `cap` bytes. */
function headerBlock(raw: Buffer, cap: number): HeaderBlock {
  const end = Math.min(raw.length, cap + 3);
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return { length: 0, lines: 0, complete: true };
  let lines = 1;
  for (let i = 0; i < end; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a)) {
      return { length: i + 1, lines, complete: true };
    }
    lines += 1;
  }
  return { length: end, lines, complete: raw.length <= end };
}

function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '').replace(/[\r\n]+/g, ' ');
}

function stripBrackets(id: string): string {
  const trimmed = id.trim();
  const m = /^<([^<>]*)>$/.exec(trimmed);
  return (m ? (m[1] ?? '') : trimmed).trim();
}

/**
 * The Message-ID from the header block, without parsing the mail: the check needs it to key the
 * state of a mail that is too big to parse. parseMail uses the same function, so both agree.
 */
export function messageIdOf(raw: Buffer): string | undefined {
  const block = headerBlock(raw, DEFAULT_PARSE_LIMITS.maxHeaderBytes);
  // Unfold continuation lines but keep one header field per line.
  const header = raw
    .subarray(0, block.length)
    .toString('latin1')
    .replace(/\r?\n(?=[ \t])/g, '');
  const m = /^message-id[ \t]*:[ \t]*(.*?)\r?$/im.exec(header);
  if (!m) return undefined;
  const value = (m[1] ?? '').slice(0, 2000).trim();
  const bracketed = /<([^<>\s]{1,998})>/.exec(value);
  const id = bracketed ? (bracketed[1] ?? '') : (/^[^\s<>]{1,998}/.exec(value)?.[0] ?? '');
  return id === '' ? undefined : id;
}

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))/i.exec(contentType);
  const value = m ? (m[1] ?? m[2]) : undefined;
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Estimates MIME nesting and part count on the raw text in one pass, before mailparser runs:
 * a stack of open multipart boundaries (and embedded messages), closed by their delimiter lines.
 * It errs on the side of counting too much, which only makes a hostile mail fail sooner.
 */
function checkMimeStructure(text: string, limits: ParseLimits): ParseFailureReason | undefined {
  interface Level {
    boundary?: string;
  }
  const stack: Level[] = [];
  let parts = 0;
  let inHeader = true;
  let field = '';
  let embeddedNext = false;
  let pos = 0;

  // Returns a failure when this header field opens a level too deep.
  const endField = (): ParseFailureReason | undefined => {
    if (!/^content-type\s*:/i.test(field)) return undefined;
    const value = field.slice(field.indexOf(':') + 1);
    if (/^\s*multipart\//i.test(value)) {
      const boundary = boundaryOf(value);
      if (boundary !== undefined) stack.push({ boundary });
    } else if (/^\s*message\/(?:rfc822|global)\b/i.test(value)) {
      embeddedNext = true;
    }
    return stack.length > limits.maxMimeDepth ? 'too-deeply-nested' : undefined;
  };

  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 ? text.length : nl;
    const line =
      text.charCodeAt(lineEnd - 1) === 0x0d ? text.slice(pos, lineEnd - 1) : text.slice(pos, lineEnd);
    pos = lineEnd + 1;
    if (inHeader) {
      if (line === '') {
        const failure = endField();
        if (failure) return failure;
        field = '';
        inHeader = false;
        if (embeddedNext) {
          // The body of a message/rfc822 part starts with the headers of the embedded message.
          embeddedNext = false;
          stack.push({});
          if (stack.length > limits.maxMimeDepth) return 'too-deeply-nested';
          inHeader = true;
        }
      } else if (/^[ \t]/.test(line)) {
        if (field.length < 4096) field += line;
      } else {
        const failure = endField();
        if (failure) return failure;
        field = line.slice(0, 4096);
      }
    } else if (line.startsWith('--') && stack.length > 0) {
      const trimmed = line.trimEnd();
      for (let j = stack.length - 1; j >= 0; j--) {
        const boundary = stack[j]?.boundary;
        if (boundary === undefined) continue;
        if (trimmed === `--${boundary}--`) {
          stack.length = j;
          break;
        }
        if (trimmed === `--${boundary}`) {
          stack.length = j + 1;
          parts += 1;
          if (parts > limits.maxMimeParts) return 'too-many-parts';
          inHeader = true;
          field = '';
          embeddedNext = false;
          break;
        }
      }
    }
    if (nl < 0) break;
  }
  return undefined;
}

function headerText(value: HeaderValue | undefined): StructuredHeader | undefined {
  if (value === undefined || typeof value === 'string' || value instanceof Date || Array.isArray(value))
    return undefined;
  return 'value' in value && typeof value.value === 'string' && 'params' in value
    ? (value as StructuredHeader)
    : undefined;
}

function firstAddress(value: HeaderValue | undefined): string | undefined {
  if (value === undefined || typeof value !== 'object' || value instanceof Date) return undefined;
  const object = (Array.isArray(value) ? value[0] : value) as AddressObject | undefined;
  const address = object?.value?.[0]?.address;
  return typeof address === 'string' && address !== '' ? address.toLowerCase() : undefined;
}

interface Collected {
  headers: Map<string, HeaderValue>;
  headerLines: ReadonlyArray<{ key: string; line: string }>;
  text: string;
  html: string | undefined;
  embedded: Buffer[];
  /** Attachments other than a forwarded mail that was read: a PDF, a Word file, a text file, an image. */
  attachments: number;
  /** Forwarded mails that were larger than maxBytes, so not kept and not read. */
  embeddedUnread: number;
}

/** Runs mailparser and collects its output; the parser is destroyed when the caller gives up. */
function runParser(raw: Buffer, limits: ParseLimits): { done: Promise<Collected>; stop: () => void } {
  const parser = new MailParser({
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    checksumAlgo: false,
    maxHtmlLengthToParse: limits.maxHtmlLength,
    maxHeadSize: limits.maxHeaderBytes,
    maxChildNodes: limits.maxMimeParts,
  });
  const collected: Collected = {
    headers: new Map(),
    headerLines: [],
    text: '',
    html: undefined,
    embedded: [],
    attachments: 0,
    embeddedUnread: 0,
  };
  let stopped = false;
  const done = new Promise<Collected>((resolve, reject) => {
    parser.on('headers', (headers: Map<string, HeaderValue>) => {
      collected.headers = headers;
    });
    parser.on('headerLines', (lines: ReadonlyArray<{ key: string; line: string }>) => {
      collected.headerLines = lines;
    });
    parser.on('data', (data: MessageText | AttachmentStream) => {
      if (data.type === 'text') {
        collected.text = typeof data.text === 'string' ? data.text : '';
        collected.html = typeof data.html === 'string' ? data.html : undefined;
        return;
      }
      // Every attachment must be drained and released, or the parser waits forever.
      const keep = /^message\/(?:rfc822|global)$/i.test(data.contentType);
      if (!keep) collected.attachments += 1;
      const chunks: Buffer[] = [];
      let size = 0;
      let overflow = false;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        data.release?.();
      };
      data.content.on('data', (chunk: Buffer) => {
        if (keep && size + chunk.length <= limits.maxBytes) {
          chunks.push(chunk);
          size += chunk.length;
        } else if (keep) {
          overflow = true;
        }
      });
      data.content.on('end', () => {
        if (keep && overflow) collected.embeddedUnread += 1;
        else if (keep && chunks.length > 0) collected.embedded.push(Buffer.concat(chunks, size));
        release();
      });
      data.content.on('error', release);
    });
    parser.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'EMAXLEN') {
        reject(new ParseFailure(/child nodes/i.test(err.message) ? 'too-many-parts' : 'header-too-large'));
      } else {
        reject(new ParseFailure('unparseable'));
      }
    });
    parser.on('end', () => resolve(collected));
  });
  // A late error from a destroyed parser must never become an unhandled rejection or crash.
  done.catch(() => undefined);
  parser.end(raw);
  return {
    done,
    stop: () => {
      if (stopped) return;
      stopped = true;
      parser.on('error', () => undefined);
      parser.destroy();
    },
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

type ValuesOf = (key: string) => string[];

/** The unfolded values of every header line with this (lower-case) name, in order. */
function headerValues(collected: Collected): ValuesOf {
  const lines = collected.headerLines;
  return (key) =>
    lines.filter((l) => l.key === key).map((l) => unfold(l.line.slice(l.line.indexOf(':') + 1)).trim());
}

/** For each Authentication-Results line, the number of Received lines above it (top first). */
function receivedAbove(collected: Collected): number[] {
  const counts: number[] = [];
  let received = 0;
  for (const line of collected.headerLines) {
    if (line.key === 'received') received += 1;
    else if (line.key === 'authentication-results') counts.push(received);
  }
  return counts;
}

function selectedHeaders(valuesOf: ValuesOf): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of SELECTED_HEADERS) {
    const values = valuesOf(name);
    if (values.length > 0) headers[name] = values.join(', ').slice(0, MAX_HEADER_VALUE);
  }
  return headers;
}

/** Only one From header with exactly one mailbox gives a fromAddress; anything else stays absent. */
function addSender(facts: MailFacts, collected: Collected, valuesOf: ValuesOf): void {
  const from = collected.headers.get('from') as AddressObject | undefined;
  const fromEntries = from?.value ?? [];
  const single = fromEntries.length === 1 ? fromEntries[0] : undefined;
  if (
    valuesOf('from').length === 1 &&
    single &&
    !single.group &&
    typeof single.address === 'string' &&
    single.address !== ''
  ) {
    facts.fromAddress = single.address.toLowerCase();
    if (single.name) facts.fromName = single.name;
  }
}

function addThread(facts: MailFacts, collected: Collected): void {
  const inReplyTo = collected.headers.get('in-reply-to');
  if (typeof inReplyTo === 'string' && stripBrackets(inReplyTo) !== '')
    facts.inReplyTo = stripBrackets(inReplyTo);
  const references = collected.headers.get('references');
  const referenceList =
    typeof references === 'string' ? [references] : Array.isArray(references) ? references : [];
  facts.references = referenceList
    .filter((r): r is string => typeof r === 'string')
    .flatMap((r) => r.split(/\s+/))
    .map(stripBrackets)
    .filter((r) => r !== '');
}

function addContentType(facts: MailFacts, collected: Collected): void {
  const contentType = headerText(collected.headers.get('content-type'));
  if (contentType) {
    facts.contentType = contentType.value.toLowerCase();
    const reportType = contentType.params['report-type'];
    if (reportType) facts.reportType = reportType.toLowerCase();
  }
}

/** mailparser turns an unparseable Date into "now"; read the raw header instead. */
function addDate(facts: MailFacts, valuesOf: ValuesOf): void {
  const rawDate = valuesOf('date')[0];
  if (rawDate !== undefined) {
    const date = new Date(rawDate);
    if (!Number.isNaN(date.getTime())) facts.date = date.toISOString();
  }
}

function toFacts(raw: Buffer, collected: Collected, limits: ParseLimits): MailFacts {
  const valuesOf = headerValues(collected);
  const subject = collected.headers.get('subject');
  const facts: MailFacts = {
    subject: typeof subject === 'string' ? subject : '',
    text: truncate(collected.text, limits.maxTextLength),
    completeness: {
      textCut:
        collected.text.length > limits.maxTextLength ||
        (collected.html !== undefined && collected.html.length > limits.maxHtmlLength),
      attachments: collected.attachments,
      embeddedUnread: collected.embeddedUnread,
    },
    references: [],
    headers: selectedHeaders(valuesOf),
    authenticationResults: valuesOf('authentication-results').map((v) => v.slice(0, MAX_HEADER_VALUE)),
    authenticationResultsReceivedAbove: receivedAbove(collected),
    contentType: 'text/plain',
  };
  const messageId = messageIdOf(raw);
  if (messageId !== undefined) facts.messageId = messageId;
  addSender(facts, collected, valuesOf);
  if (collected.html !== undefined) facts.html = truncate(collected.html, limits.maxHtmlLength);
  addThread(facts, collected);
  addContentType(facts, collected);
  const dnt = firstAddress(collected.headers.get('disposition-notification-to'));
  if (dnt !== undefined) facts.dispositionNotificationTo = dnt;
  addDate(facts, valuesOf);
  if (facts.reportType === 'delivery-status') {
    const recipients = readDeliveryStatus(raw, valuesOf('content-type')[0] ?? '');
    if (recipients !== undefined) facts.deliveryStatus = recipients;
  }
  return facts;
}

function addUnread(
  facts: MailFacts,
  more: { textCut?: boolean; attachments?: number; embeddedUnread?: number },
): void {
  const now = facts.completeness ?? { textCut: false, attachments: 0, embeddedUnread: 0 };
  facts.completeness = {
    textCut: now.textCut || more.textCut === true,
    attachments: now.attachments + (more.attachments ?? 0),
    embeddedUnread: now.embeddedUnread + (more.embeddedUnread ?? 0),
  };
}

async function parseWithin(
  raw: Buffer,
  limits: ParseLimits,
  deadline: number,
  depth: number,
): Promise<ParseResult> {
  if (raw.length > limits.maxBytes) return { ok: false, reason: 'too-big' };
  // A forward encoded in base64 hides its nesting from the structure check of the mail around it;
  // the depth of the recursion itself is bounded as well.
  if (depth > limits.maxMimeDepth) return { ok: false, reason: 'too-deeply-nested' };
  const block = headerBlock(raw, limits.maxHeaderBytes);
  if (!block.complete || block.length > limits.maxHeaderBytes || block.lines > limits.maxHeaderLines) {
    return { ok: false, reason: 'header-too-large' };
  }
  const structure = checkMimeStructure(raw.toString('latin1'), limits);
  if (structure !== undefined) return { ok: false, reason: structure };

  const remaining = deadline - performance.now();
  if (remaining <= 0) return { ok: false, reason: 'timeout' };
  const run = runParser(raw, limits);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), remaining);
  });
  try {
    const outcome = await Promise.race([run.done, timeout]);
    if (outcome === 'timeout') {
      run.stop();
      return { ok: false, reason: 'timeout' };
    }
    const facts = toFacts(raw, outcome, limits);
    for (const embedded of outcome.embedded) {
      const inner = await parseWithin(embedded, limits, deadline, depth + 1);
      if (!inner.ok) {
        // A forward nested past the bounds is no reading at all: the whole mail goes to a person.
        if (inner.reason === 'timeout' || inner.reason === 'too-deeply-nested') return inner;
        addUnread(facts, { embeddedUnread: 1 });
        continue;
      }
      // An attached forward is read as if it were forwarded inline, under the usual marker.
      const forwarded = `\n\n---------- Doorgestuurd bericht ----------\nOnderwerp: ${inner.facts.subject}\n\n`;
      const joined = facts.text + forwarded + inner.facts.text;
      facts.text = truncate(joined, limits.maxTextLength);
      addUnread(facts, {
        textCut: joined.length > limits.maxTextLength || inner.facts.completeness?.textCut === true,
        attachments: inner.facts.completeness?.attachments ?? 0,
        embeddedUnread: inner.facts.completeness?.embeddedUnread ?? 0,
      });
    }
    return { ok: true, facts };
  } catch (err) {
    run.stop();
    return { ok: false, reason: err instanceof ParseFailure ? err.reason : 'unparseable' };
  } finally {
    clearTimeout(timer);
  }
}

/** Parses one raw mail into MailFacts, or a fixed failure reason. Never throws, never hangs. */
export async function parseMail(raw: Buffer, limits?: Partial<ParseLimits>): Promise<ParseResult> {
  const resolved = resolveLimits(limits);
  try {
    return await parseWithin(raw, resolved, performance.now() + resolved.timeBudgetMs, 0);
  } catch {
    return { ok: false, reason: 'unparseable' };
  }
}

/** The MailParser port, as the check uses it: mailparser within the default limits and `maxBytes`. */
export const mailParser: MailParserPort = {
  parse: (raw, maxBytes) => parseMail(raw, { maxBytes }),
};
