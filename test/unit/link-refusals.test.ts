import { describe, expect, it } from 'vitest';
import { clientOf, RefusalCounter } from '../../src/web/refusals.js';
import type { AuditEntry } from '../../src/core/ports.js';

const NOW = new Date('2026-11-25T06:00:00.000Z');

function counter() {
  const rows: AuditEntry[] = [];
  const audit = {
    rows: () => [],
    append: (entry: AuditEntry) => {
      rows.push(entry);
      return { ...entry, id: rows.length, prevHash: '', hash: '' };
    },
  };
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return { rows, refusals: new RefusalCounter({ now: () => NOW }, audit, logger) };
}

describe('the link page rate limit', () => {
  it('when behind the proxy one client sends ten wrong tokens, then that client is slowed down and another contact behind the same proxy is not', () => {
    const { refusals } = counter();
    const guesser = clientOf('127.0.0.1', '10.0.0.1, 203.0.113.9', true);
    const contact = clientOf('127.0.0.1', '198.51.100.4', true);
    for (let i = 0; i < 10; i += 1) refusals.count(guesser, 'unknown');
    expect(refusals.blocked(guesser)).toBe(true);
    expect(refusals.blocked(contact)).toBe(false);
  });

  it('when X-Forwarded-For comes without the proxy setting or from a peer off this machine, then it is ignored', () => {
    expect(clientOf('127.0.0.1', '203.0.113.9', false)).toBe('127.0.0.1');
    expect(clientOf('192.0.2.7', '203.0.113.9', true)).toBe('192.0.2.7');
    expect(clientOf('::ffff:127.0.0.1', '203.0.113.9', true)).toBe('xff:203.0.113.9');
    expect(clientOf('127.0.0.1', undefined, true)).toBe('127.0.0.1');
  });

  it('when tokens that were once real come back expired, then they are counted in the audit log and slow nobody down', () => {
    const { refusals, rows } = counter();
    for (let i = 0; i < 20; i += 1) refusals.count('127.0.0.1', 'expired');
    expect(refusals.blocked('127.0.0.1')).toBe(false);
    refusals.flush();
    const counted = rows.map((row) => (row.data as { count: number }).count).reduce((a, b) => a + b, 0);
    expect(counted).toBe(20);
  });
});
