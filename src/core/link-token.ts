import { createHash } from 'node:crypto';
import type { ContactRole } from './vocabulary.js';

/**
 * A link token: 256 random bits in base64url (43 characters). Only its SHA-256 is stored, so a
 * copy of the database opens no page; the token itself exists only in the notification.
 */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface LinkTokenRow {
  signalKey: string;
  role: ContactRole;
  expiresAt: string;
  reveals: number;
}

/** The tokens of the link mode, keyed by their hash (src/adapters/link-tokens.ts). */
export interface LinkTokens {
  /** Makes a new token for this signal and role, stores its hash, and returns the token. */
  issue(signalKey: string, role: ContactRole, expiresAt: Date): string;
  find(token: string): LinkTokenRow | undefined;
  /** Counts one reveal; false when the token already reached `max` (nothing is counted then). */
  countReveal(token: string, max: number): boolean;
  /** Removes the tokens of signals the state no longer knows. */
  forgetOrphans(): number;
}

export type TokenVerdict =
  { ok: true; row: LinkTokenRow } | { ok: false; why: 'unknown' | 'expired' | 'gone' | 'too-many-reveals' };

/**
 * What a token opens at `now`: nothing when unknown or past its expiry (purgeAfter) once the hard
 * limit applies to its signal (revealed, not held), only the "handled and deleted" page once its
 * signal was purged.
 */
export function judgeToken(
  row: LinkTokenRow | undefined,
  signal: { purgedAt?: string; revealedAt?: string; heldAt?: string } | undefined,
  now: Date,
): TokenVerdict {
  if (!row || !signal) return { ok: false, why: 'unknown' };
  if (signal.purgedAt) return { ok: false, why: 'gone' };
  // Past purgeAfter a signal stays when nobody revealed it or it is held: its link must still open.
  const purgeDue = Boolean(signal.revealedAt) && !signal.heldAt;
  if (purgeDue && now.getTime() >= Date.parse(row.expiresAt)) return { ok: false, why: 'expired' };
  return { ok: true, row };
}
