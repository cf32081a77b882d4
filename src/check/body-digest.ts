import { createHash } from 'node:crypto';

function bodyOf(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  return end >= 0 ? raw.subarray(end + 4) : raw.subarray(raw.indexOf('\n\n') + 1);
}

/** The header block, unfolded (RFC 5322 2.2.3), one field per line. */
function unfoldedHead(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const stop = end >= 0 ? end : lf >= 0 ? lf : Math.min(raw.length, 256 * 1024);
  return raw
    .subarray(0, stop)
    .toString('latin1')
    .replace(/\r?\n(?=[ \t])/g, '');
}

/** The body's digest: a server that delivers or copies a message adds headers, never body bytes. */
export function bodyDigest(raw: Buffer): string {
  return createHash('sha256').update(bodyOf(raw)).digest('hex');
}

function decodeWord(charset: string, encoding: string, text: string): string {
  const bytes =
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        );
  try {
    return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * The Subject as a person reads it: unfolded and with its encoded words decoded (RFC 2047), so
 * that the same Subject encoded otherwise is the same Subject. classify.ts may take the child from
 * it, so it is part of what makes a signal this signal.
 */
export function decodedSubject(raw: Buffer): string {
  const value = /^subject[ \t]*:(.*)$/im.exec(unfoldedHead(raw))?.[1] ?? '';
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)[ \t]+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (_, cs: string, enc: string, text: string) =>
      decodeWord(cs, enc, text),
    )
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What makes a signal this signal, with its Message-ID: its decoded Subject and its body. Both,
 * because the child may be named in either (classify.ts reads the Subject when the body names none);
 * not the other headers, which a server that delivers or copies a message adds to.
 */
export function contentDigest(raw: Buffer): string {
  return createHash('sha256')
    .update(`subject:${decodedSubject(raw)}\nbody:`)
    .update(bodyOf(raw))
    .digest('hex');
}

/**
 * The Message-ID of a raw message's header block, without brackets (RFC 5322 3.6.4), as the
 * parser's messageIdOf reads it: bracketed, or the first word when a sender left them out.
 */
export function headerMessageId(raw: Buffer): string | undefined {
  const m = /^message-id[ \t]*:[ \t]*(.*?)\r?$/im.exec(unfoldedHead(raw));
  if (!m) return undefined;
  const value = (m[1] ?? '').slice(0, 2000).trim();
  const bracketed = /<([^<>\s]{1,998})>/.exec(value);
  const id = bracketed ? (bracketed[1] ?? '') : (/^[^\s<>]{1,998}/.exec(value)?.[0] ?? '');
  return id === '' ? undefined : id;
}
