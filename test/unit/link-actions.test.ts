import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite-store.js';
import { confirm, handOn, reveal, showButton, type LinkActionDeps } from '../../src/web/link-actions.js';
import { hashPin } from '../../src/web/pin.js';
import type { SignalRecord } from '../../src/core/ports.js';

const NOW = new Date('2026-11-25T06:00:00.000Z');
const KEY = 'a'.repeat(64);

async function setup(pin?: string) {
  const store = SqliteStore.inMemory();
  const record: SignalRecord = {
    key: KEY,
    uidValidity: '1',
    uid: 1,
    receivedAt: '2026-11-25T05:40:00.000Z',
    notified: { primary: '2026-11-25T05:41:00.000Z' },
    refused: {},
    needsReview: false,
    children: 1,
  };
  store.putSignal(record);
  const tokens = store.linkTokens();
  const token = tokens.issue(KEY, 'primary', new Date('2026-11-25T13:40:00.000Z'));
  let opened = 0;
  const deps: LinkActionDeps = {
    school: 'Basisschool De Reuzepas',
    timezone: 'Europe/Amsterdam',
    notify: 'escalate',
    maxMessageBytes: 1_000_000,
    maxReveals: 5,
    pins: pin ? { primary: await hashPin(pin) } : {},
    store,
    tokens,
    opener: {
      open: () => {
        opened += 1;
        return Promise.reject(new Error('the mailbox is down'));
      },
    },
    parser: { parse: () => Promise.reject(new Error('not reached')) },
    clock: { now: () => NOW },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    exclusive: <T>(write: () => T) => Promise.resolve(write()),
    checkNow: () => undefined,
  };
  return { deps, token, store, opened: () => opened };
}

describe('the link page actions', () => {
  it('when a contact has a PIN and gives a wrong one, then the mailbox is not opened, no reveal is counted, and the refusal counts for the rate limit', async () => {
    const { deps, token, store, opened } = await setup('4821');
    expect(showButton(deps, token).html).toContain('<label for="pin">Uw pincode</label>');
    const wrong = await reveal(deps, token, '1111');
    expect(wrong.status).toBe(403);
    expect(wrong.refused).toBe('unknown');
    expect(wrong.html).toContain('De pincode klopt niet');
    expect(opened()).toBe(0);
    expect(store.linkTokens().find(token)?.reveals).toBe(0);
    // The right PIN goes on to the mailbox; that it is down shows a page to try again, nothing else.
    const right = await reveal(deps, token, '4821');
    expect(right.status).toBe(503);
    expect(right.html).toContain('Probeer het over een paar minuten opnieuw');
    expect(opened()).toBe(1);
  });

  it('when the mailbox cannot be read, then the page says so and the signal stays unconfirmed', async () => {
    const { deps, token, store } = await setup();
    const answer = await reveal(deps, token, undefined);
    expect(answer.status).toBe(503);
    expect(store.getSignal(KEY)?.confirmedAt).toBeUndefined();
  });

  it('when a contact confirms without having revealed the signal on this link, then nothing is confirmed and the button page is shown', async () => {
    const { deps, token, store } = await setup();
    const blind = await confirm(deps, token, undefined);
    expect(blind.status).toBe(409);
    expect(blind.html).toContain('Toon het signaal');
    // Another token revealed it: still not this one.
    store.putSignal({ ...(store.getSignal(KEY) as SignalRecord), revealedAt: NOW.toISOString() });
    expect((await confirm(deps, token, undefined)).status).toBe(409);
    expect(store.getSignal(KEY)?.confirmedAt).toBeUndefined();
    // Handing on only tells the backup: it needs no reveal.
    expect((await handOn(deps, token)).status).toBe(200);
    expect(store.getSignal(KEY)?.handedOnAt).toBeDefined();
  });

  it('when a contact with a PIN revealed the signal and confirms with a wrong or no PIN, then nothing is confirmed; with the PIN it is', async () => {
    const { deps, token, store } = await setup('4821');
    store.linkTokens().countReveal(token, 5);
    store.putSignal({ ...(store.getSignal(KEY) as SignalRecord), revealedAt: NOW.toISOString() });
    for (const pin of ['1111', undefined]) {
      const refused = await confirm(deps, token, pin);
      expect(refused.status).toBe(403);
      expect(refused.refused).toBe('unknown');
      expect(store.getSignal(KEY)?.confirmedAt).toBeUndefined();
    }
    expect((await confirm(deps, token, '4821')).status).toBe(200);
    expect(store.getSignal(KEY)?.confirmedAt).toBeDefined();
  });
});
