import { describe, expect, it } from 'vitest';
import {
  findOwnMessageRef,
  findReference,
  keyMatches,
  ownMessageId,
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

  it('when a reply names our notification, then the signal key is found from it', () => {
    const key = signalKey(secret, 'abc@vt.test', 'd');
    const id = ownMessageId('notify-primary', key, 'school.test');
    const ref = findOwnMessageRef(`Re: something <${id}>`);
    expect(ref?.kind).toBe('notify-primary');
    expect(ref && keyMatches(key, ref)).toBe(true);
  });

  it('when a mail client drops the headers, then the reference in the subject is still found', () => {
    const reference = referenceOf(signalKey(secret, 'abc@vt.test', 'd'));
    expect(reference).toMatch(/^HWC-[2-9A-HJ-NP-Z]{6}$/);
    expect(findReference(`RE: Handle with Care-signaal [${reference.toLowerCase()}]`)).toBe(reference);
    expect(findReference('Re: iets anders')).toBeUndefined();
  });
});
