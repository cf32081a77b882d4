import { describe, expect, it } from 'vitest';
import {
  confirmationCode,
  containsCode,
  findOwnMail,
  findReference,
  indexOwnMail,
  legacyMessageId,
  looksOwn,
  ownMessageId,
  ownMessageIds,
  referenceOf,
  signalKey,
} from '../../src/core/identity.js';

const secret = Buffer.alloc(32, 7);

describe('signal identity', () => {
  it('when the same Message-ID is seen twice, then it has the same key, and another install a different one', () => {
    const key = signalKey(secret, 'abc@vt.test', 'digest');
    expect(signalKey(secret, 'abc@vt.test', 'other-digest')).toBe(key);
    expect(signalKey(Buffer.alloc(32, 8), 'abc@vt.test', 'digest')).not.toBe(key);
    expect(key).not.toContain('abc');
  });

  it('when a reply names our notification, then the signal is found by comparing with the ids we computed', () => {
    const key = signalKey(secret, 'abc@vt.test', 'd');
    const index = indexOwnMail(secret, [key], 'school.test');
    const id = ownMessageId(secret, 'notify-primary', key, 'school.test');
    expect(findOwnMail(`Re: something <${id}>`, index)).toEqual({ key, kind: 'notify-primary' });
    expect(findOwnMail(`<${ownMessageId(secret, 'ack', 'f'.repeat(64), 'school.test')}>`, index)).toBe(
      undefined,
    );
  });

  it('when a Message-ID of ours leaves the school, then it holds nothing of the key, the reference or another id', () => {
    const key = signalKey(secret, 'abc@vt.test', 'd');
    const ack = ownMessageId(secret, 'ack', key, 'school.test');
    const notify = ownMessageId(secret, 'notify-primary', key, 'school.test');
    expect(ack).toMatch(/^hwc\.[0-9a-f]{32}@school\.test$/);
    expect(ack).not.toContain(key.slice(0, 8));
    expect(ack).not.toContain(referenceOf(key).slice(4));
    expect(ack.slice(4, 36)).not.toBe(notify.slice(4, 36));
    // Another install with the same signal gets other ids.
    expect(ownMessageId(Buffer.alloc(32, 9), 'ack', key, 'school.test')).not.toBe(ack);
  });

  it('when a signal was sent before the upgrade, then its old-form ids are still recognised and purged', () => {
    const key = signalKey(secret, 'old@vt.test', 'd');
    const legacy = legacyMessageId('notify-backup', key, 'school.test');
    expect(legacy).toBe(`hwc.notify-backup.${key.slice(0, 24)}@school.test`);
    expect(findOwnMail(`<${legacy}>`, indexOwnMail(secret, [key], 'school.test'))).toEqual({
      key,
      kind: 'notify-backup',
    });
    expect(ownMessageIds(secret, key, 'school.test')).toContain(legacy);
    expect(looksOwn(`<${legacy}>`, 'school.test')).toBe(true);
    expect(looksOwn(`<${legacy}>`, 'other.test')).toBe(false);
  });

  it('when a mail client drops the headers, then the reference in the subject is still found', () => {
    const reference = referenceOf(signalKey(secret, 'abc@vt.test', 'd'));
    expect(reference).toMatch(/^HWC-[2-9A-HJ-NP-Z]{6}$/);
    expect(findReference(`RE: Handle with Care-signaal [${reference.toLowerCase()}]`)).toBe(reference);
    expect(findReference('Re: iets anders')).toBeUndefined();
  });

  it('when each contact gets a code, then the codes differ per contact and per install and are found however typed', () => {
    const key = signalKey(secret, 'abc@vt.test', 'd');
    const primary = confirmationCode(secret, key, 'primary');
    expect(primary).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
    expect(confirmationCode(secret, key, 'backup')).not.toBe(primary);
    expect(confirmationCode(Buffer.alloc(32, 9), key, 'primary')).not.toBe(primary);
    expect(primary).not.toContain(referenceOf(key).slice(4));
    expect(containsCode(`> Bevestigingscode: ${primary} (laat deze code staan)`, primary)).toBe(true);
    expect(containsCode(`code ${primary.toLowerCase().replace('-', ' ')}`, primary)).toBe(true);
    expect(containsCode(`> ${primary.slice(0, 6)}\n> ${primary.slice(6)}`, primary)).toBe(true);
    expect(containsCode(`Gezien. ${referenceOf(key)}`, primary)).toBe(false);
    expect(containsCode(primary.slice(0, 9), primary)).toBe(false);
  });
});
