import { createHash } from 'node:crypto';

/** The body's digest: a server that delivers or copies a message adds headers, never body bytes. */
export function bodyDigest(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  const body = end >= 0 ? raw.subarray(end + 4) : raw.subarray(raw.indexOf('\n\n') + 1);
  return createHash('sha256').update(body).digest('hex');
}

/** The Message-ID of a raw message's header block, without brackets (RFC 5322 3.6.4). */
export function headerMessageId(raw: Buffer): string | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 256 * 1024)).toString('latin1');
  return /^message-id[ \t]*:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>/im.exec(head)?.[1];
}
