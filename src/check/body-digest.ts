import { createHash } from 'node:crypto';

/** The body's digest: a server that delivers or copies a message adds headers, never body bytes. */
export function bodyDigest(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  const body = end >= 0 ? raw.subarray(end + 4) : raw.subarray(raw.indexOf('\n\n') + 1);
  return createHash('sha256').update(body).digest('hex');
}
