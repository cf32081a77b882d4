/**
 * The form of a stored PIN hash: `scrypt$N$r$p$salt$hash` (salt and hash in base64url), as
 * `hwc pin-hash` prints it. Checking a PIN against it needs scrypt, which is in src/web/pin.ts.
 */
export interface PinHash {
  n: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

export function parsePinHash(text: string): PinHash | undefined {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/.exec(text);
  if (!match) return undefined;
  const [n, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // N a power of two (scrypt's rule, RFC 7914 section 2), within what node:crypto accepts by default.
  if (n < 1024 || n > 2 ** 20 || (n & (n - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { n, r, p, salt: match[4] as string, hash: match[5] as string };
}

export function isPinHash(text: string): boolean {
  return parsePinHash(text) !== undefined;
}
