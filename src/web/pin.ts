import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { parsePinHash } from '../core/pin-hash.js';

// RFC 7914 scrypt with N = 2^15: about 32 MiB and a tenth of a second, which makes trying all
// 10^6 six-digit PINs from a stolen config take days instead of seconds.
const N = 2 ** 15;
const R = 8;
const P = 1;
const LENGTH = 32;

function derive(pin: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, LENGTH, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** The line for web.pins.<role>: `scrypt$N$r$p$salt$hash`. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const hash = parsePinHash(stored);
  if (!hash) return false;
  const expected = Buffer.from(hash.hash, 'base64url');
  const key = await derive(pin, Buffer.from(hash.salt, 'base64url'), hash.n, hash.r, hash.p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
