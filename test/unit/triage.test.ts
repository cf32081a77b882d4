import { describe, expect, it } from 'vitest';
import { triage, type TriageCandidate } from '../../src/core/triage.js';
import { KEYWORD } from '../../src/core/decide.js';

const policy = {
  senders: ['@veiligthuis.test'],
  contacts: ['zorg@school.test', 'backup@school.test'],
  limit: 3,
};

function candidate(uid: number, from: string[], options: { folder?: string; flags?: string[] } = {}) {
  return {
    folder: options.folder ?? 'INBOX',
    uidValidity: '1',
    entry: { uid, size: 100, flags: options.flags ?? [], from },
  } satisfies TriageCandidate;
}

const uids = (list: TriageCandidate[]) => list.map((c) => `${c.folder}:${c.entry.uid}`);

describe('triage', () => {
  it('when a trusted sender, a contact reply and junk are listed, then the trusted sender comes first, then the reply, then the rest, oldest first', () => {
    const plan = triage(
      [
        candidate(1, ['promo@example.test']),
        candidate(2, ['zorg@school.test']),
        candidate(3, ['promo@example.test']),
        candidate(4, ['signaal@regio.veiligthuis.test']),
      ],
      { ...policy, limit: 10 },
    );
    expect(uids(plan.read)).toEqual(['INBOX:4', 'INBOX:2', 'INBOX:1', 'INBOX:3']);
    expect(plan.urgent).toBe(2);
    expect(plan.deferred).toBe(0);
  });

  it('when more messages are listed than the limit, then only the limit is read, signals first, and the rest is deferred', () => {
    const junk = Array.from({ length: 50 }, (_, i) => candidate(i + 1, [`spam${i}@example.test`]));
    const plan = triage([...junk, candidate(51, ['signaal@veiligthuis.test'])], policy);
    expect(uids(plan.read)).toEqual(['INBOX:51', 'INBOX:1', 'INBOX:2']);
    expect(plan.deferred).toBe(48);
  });

  it('when a message is already set aside, then it is skipped and does not count against the limit', () => {
    const plan = triage(
      [
        candidate(1, ['promo@example.test'], { flags: [KEYWORD.setAside] }),
        candidate(2, ['promo@example.test']),
      ],
      { ...policy, limit: 1 },
    );
    expect(uids(plan.skipped)).toEqual(['INBOX:1']);
    expect(uids(plan.read)).toEqual(['INBOX:2']);
    expect(plan.deferred).toBe(0);
  });

  it('when Junk holds a trusted sender and a newsletter, then only the trusted sender is a candidate, after INBOX signals', () => {
    const plan = triage(
      [
        candidate(7, ['nieuws@example.test'], { folder: 'Junk' }),
        candidate(8, ['signaal@veiligthuis.test'], { folder: 'Junk' }),
        candidate(9, ['zorg@school.test'], { folder: 'Junk' }),
        candidate(20, ['signaal@veiligthuis.test']),
      ],
      { ...policy, limit: 10 },
    );
    expect(uids(plan.read)).toEqual(['INBOX:20', 'Junk:8']);
    expect(plan.skipped).toEqual([]);
    expect(plan.deferred).toBe(0);
  });

  it('when the From is a look-alike of a trusted domain, then it is not ranked as a trusted sender', () => {
    const plan = triage(
      [candidate(1, ['promo@example.test']), candidate(2, ['signaal@veiligthuis.test.evil.test'])],
      { ...policy, limit: 1 },
    );
    expect(uids(plan.read)).toEqual(['INBOX:1']);
  });

  it('when a bounce has no From or comes from MAILER-DAEMON, then it is read before other mail', () => {
    const plan = triage(
      [candidate(1, ['promo@example.test']), candidate(2, []), candidate(3, ['mailer-daemon@school.test'])],
      { ...policy, limit: 2 },
    );
    expect(uids(plan.read)).toEqual(['INBOX:2', 'INBOX:3']);
  });
});
