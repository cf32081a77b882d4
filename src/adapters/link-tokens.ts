import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { tokenHash, type LinkTokenRow, type LinkTokens } from '../core/link-token.js';
import type { ContactRole } from '../core/vocabulary.js';

/** The link tokens in the state database: hashes only (SHA-256), never a token itself. */
export class SqliteLinkTokens implements LinkTokens {
  constructor(private readonly db: Database.Database) {}

  issue(signalKey: string, role: ContactRole, expiresAt: Date): string {
    // 256 bits from the system's CSPRNG: far beyond the 128 that make guessing hopeless.
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO link_tokens (hash, signal_key, role, expires_at, reveals) VALUES (?, ?, ?, ?, 0)')
      .run(tokenHash(token), signalKey, role, expiresAt.toISOString());
    return token;
  }

  find(token: string): LinkTokenRow | undefined {
    const row = this.db
      .prepare('SELECT signal_key, role, expires_at, reveals FROM link_tokens WHERE hash = ?')
      .get(tokenHash(token)) as
      { signal_key: string; role: string; expires_at: string; reveals: number } | undefined;
    if (!row) return undefined;
    return {
      signalKey: row.signal_key,
      role: row.role as ContactRole,
      expiresAt: row.expires_at,
      reveals: row.reveals,
    };
  }

  countReveal(token: string, max: number): boolean {
    const result = this.db
      .prepare('UPDATE link_tokens SET reveals = reveals + 1 WHERE hash = ? AND reveals < ?')
      .run(tokenHash(token), max);
    return result.changes === 1;
  }

  forgetOrphans(): number {
    return this.db.prepare('DELETE FROM link_tokens WHERE signal_key NOT IN (SELECT key FROM signals)').run()
      .changes;
  }
}
