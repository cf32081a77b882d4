import { createHmac } from 'node:crypto';

/**
 * How a signal is known without keeping anything that identifies it to an outsider:
 * an HMAC of its Message-ID under a per-install secret. Our own outgoing mails derive their
 * Message-IDs from that key, so that after a crash every copy (in \Sent, say) can be found again
 * without having stored a single Message-ID.
 */

export type OwnMailKind = 'notify-primary' | 'notify-backup' | 'ack' | 'mdn';

const OWN_KINDS: readonly OwnMailKind[] = ['notify-primary', 'notify-backup', 'ack', 'mdn'];

/** The key of a signal: the HMAC of its Message-ID, or of its content digest when it has none. */
export function signalKey(secret: Buffer, messageId: string | undefined, contentDigest: string): string {
  const material = messageId ? `mid:${messageId}` : `sha256:${contentDigest}`;
  return createHmac('sha256', secret).update(material).digest('hex');
}

// Crockford-like alphabet without 0/O and 1/I/L, so that a person can read a reference aloud.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A short reference for people, e.g. HWC-7K2P9Q: derived from the key, so it is never stored. */
export function referenceOf(key: string): string {
  let value = BigInt(`0x${key.slice(0, 15)}`);
  let out = '';
  for (let i = 0; i < 6; i += 1) {
    out += ALPHABET[Number(value % BigInt(ALPHABET.length))];
    value /= BigInt(ALPHABET.length);
  }
  return `HWC-${out}`;
}

const KEY_PREFIX_LENGTH = 24;

/** RFC 5322 3.6.4: msg-id = "<" id-left "@" id-right ">"; we return it without the brackets. */
export function ownMessageId(kind: OwnMailKind, key: string, domain: string): string {
  return `hwc.${kind}.${key.slice(0, KEY_PREFIX_LENGTH)}@${domain}`;
}

export function ownMessageIds(key: string, domain: string): string[] {
  return OWN_KINDS.map((kind) => ownMessageId(kind, key, domain));
}

export interface OwnMessageRef {
  kind: OwnMailKind;
  keyPrefix: string;
}

const OWN_ID = /hwc\.(notify-primary|notify-backup|ack|mdn)\.([0-9a-f]{24})@/i;

/** Recognises one of our Message-IDs anywhere in a string (a header, or the text of a bounce). */
export function findOwnMessageRef(text: string): OwnMessageRef | undefined {
  const match = OWN_ID.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  return { kind: match[1].toLowerCase() as OwnMailKind, keyPrefix: match[2].toLowerCase() };
}

const REFERENCE = /\bHWC-([2-9A-HJ-NP-Z]{6})\b/;

/** The reference in a subject, for mail clients that drop In-Reply-To and References. */
export function findReference(subject: string): string | undefined {
  const match = REFERENCE.exec(subject.toUpperCase());
  return match?.[1] ? `HWC-${match[1]}` : undefined;
}

export function keyMatches(key: string, ref: OwnMessageRef): boolean {
  return key.startsWith(ref.keyPrefix);
}
