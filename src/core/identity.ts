import { createHmac } from 'node:crypto';
import type { ContactRole } from './vocabulary.js';

/**
 * How a signal is known without keeping anything that identifies it to an outsider:
 * an HMAC of its Message-ID under a per-install secret. Our own outgoing mails derive their
 * Message-IDs from that key under the same secret, so that after a crash every copy (in \Sent, say)
 * can be found again without having stored a single Message-ID, while an id that leaves the school
 * (the receipt, the MDN) reveals nothing of the key, of the reference or of any other id.
 */

export type OwnMailKind = 'notify-primary' | 'notify-backup' | 'ack' | 'mdn';

const OWN_KINDS: readonly OwnMailKind[] = ['notify-primary', 'notify-backup', 'ack', 'mdn'];

/**
 * The key of a signal: the HMAC of its Message-ID and of its body's digest. The Message-ID alone
 * does not make a signal: a sender's system that reuses one would hide a second signal behind the
 * first. The body, not the whole message, because the server that delivers or copies a message
 * adds headers (Received, Authentication-Results) but never changes its body; so the same signal
 * delivered twice, copied to \Junk, or moved back from it is still one signal.
 */
export function signalKeyOf(secret: Buffer, messageId: string | undefined, bodyDigest: string): string {
  const material = `${messageId ? `mid:${messageId}\n` : ''}body:${bodyDigest}`;
  return createHmac('sha256', secret).update(material).digest('hex');
}

/**
 * The key form before signalKeyOf: the HMAC of the Message-ID alone, or of the whole message's
 * digest when it has none. Still looked up (for the message at the same folder, UIDVALIDITY and
 * UID only), so that a signal in flight at an upgrade keeps its reference, codes and Message-IDs.
 */
export function signalKey(secret: Buffer, messageId: string | undefined, contentDigest: string): string {
  const material = messageId ? `mid:${messageId}` : `sha256:${contentDigest}`;
  return createHmac('sha256', secret).update(material).digest('hex');
}

// Crockford-like alphabet without 0/O and 1/I/L, so that a person can read a reference aloud.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

function inAlphabet(hex: string, length: number): string {
  let value = BigInt(`0x${hex}`);
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out += ALPHABET[Number(value % BigInt(ALPHABET.length))];
    value /= BigInt(ALPHABET.length);
  }
  return out;
}

/** A short reference for people, e.g. HWC-7K2P9Q: derived from the key, so it is never stored. */
export function referenceOf(key: string): string {
  return `HWC-${inAlphabet(key.slice(0, 15), 6)}`;
}

/**
 * The code that proves a reply comes from the contact who read the notification: it is in that
 * notification's body only (never a subject, never anything that leaves the school), one per
 * contact, and follows from nothing an outsider sees. Ten characters of a 31-letter alphabet are
 * about 49 bits; every wrong guess is a reply that a person is asked to look at.
 */
export function confirmationCode(secret: Buffer, key: string, role: ContactRole): string {
  const hex = createHmac('sha256', secret).update(`confirm:${role}:${key}`).digest('hex');
  const code = inAlphabet(hex.slice(0, 20), 10);
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

const KEY_PREFIX_LENGTH = 24;
const OWN_ID_HEX_LENGTH = 32;

/**
 * RFC 5322 3.6.4: msg-id = "<" id-left "@" id-right ">"; we return it without the brackets.
 * 128 bits of HMAC: indistinguishable from a random id to anyone without the secret.
 */
export function ownMessageId(secret: Buffer, kind: OwnMailKind, key: string, domain: string): string {
  const hex = createHmac('sha256', secret).update(`own-mid:${kind}:${key}`).digest('hex');
  return `hwc.${hex.slice(0, OWN_ID_HEX_LENGTH)}@${domain}`;
}

/** The form used before Message-IDs were HMACs: recognised and purged for signals sent then. */
export function legacyMessageId(kind: OwnMailKind, key: string, domain: string): string {
  return `hwc.${kind}.${key.slice(0, KEY_PREFIX_LENGTH)}@${domain}`;
}

/** Every Message-ID our mails about this signal can carry, the current form first. */
export function ownMessageIds(secret: Buffer, key: string, domain: string): string[] {
  return [
    ...OWN_KINDS.map((kind) => ownMessageId(secret, kind, key, domain)),
    ...OWN_KINDS.map((kind) => legacyMessageId(kind, key, domain)),
  ];
}

/** One of our own mails, as found in a reply or a bounce: which signal, which mail. */
export interface OwnMailRef {
  key: string;
  kind: OwnMailKind;
}

/**
 * Our own mails about the signals we know, computed from their keys: a reply or a bounce is
 * matched by comparing the ids it names with these, never by reading a key out of an id.
 */
export interface OwnMailIndex {
  domain: string;
  byId: ReadonlyMap<string, OwnMailRef>;
  byReference: ReadonlyMap<string, string>;
  codes: ReadonlyMap<string, Readonly<Record<ContactRole, string>>>;
}

export function indexOwnMail(secret: Buffer, keys: readonly string[], domain: string): OwnMailIndex {
  const byId = new Map<string, OwnMailRef>();
  const byReference = new Map<string, string>();
  const codes = new Map<string, Record<ContactRole, string>>();
  for (const key of keys) {
    for (const kind of OWN_KINDS) {
      byId.set(ownMessageId(secret, kind, key, domain).toLowerCase(), { key, kind });
      byId.set(legacyMessageId(kind, key, domain).toLowerCase(), { key, kind });
    }
    byReference.set(referenceOf(key), key);
    codes.set(key, {
      primary: confirmationCode(secret, key, 'primary'),
      backup: confirmationCode(secret, key, 'backup'),
    });
  }
  return { domain: domain.toLowerCase(), byId, byReference, codes };
}

// Both forms of our ids: hwc.<32 hex>@domain and hwc.<kind>.<24 hex>@domain.
const OWN_ID_SHAPE =
  /hwc\.(?:(?:notify-primary|notify-backup|ack|mdn)\.[0-9a-f]{24}|[0-9a-f]{32})@[a-z0-9.-]+/gi;

/** The first of our known mails named anywhere in a string (a header, or the text of a bounce). */
export function findOwnMail(text: string, index: OwnMailIndex): OwnMailRef | undefined {
  for (const match of text.matchAll(OWN_ID_SHAPE)) {
    const ref = index.byId.get(match[0].toLowerCase());
    if (ref) return ref;
  }
  return undefined;
}

/** An id in the shape of ours, on our domain, whether or not we still know its signal. */
export function looksOwn(text: string, domain: string): boolean {
  for (const match of text.matchAll(OWN_ID_SHAPE)) {
    if (match[0].toLowerCase().endsWith(`@${domain.toLowerCase()}`)) return true;
  }
  return false;
}

const REFERENCE = /\bHWC-([2-9A-HJ-NP-Z]{6})\b/;

/** The reference in a subject, for mail clients that drop In-Reply-To and References. */
export function findReference(subject: string): string | undefined {
  const match = REFERENCE.exec(subject.toUpperCase());
  return match?.[1] ? `HWC-${match[1]}` : undefined;
}

/** Letters and digits only, upper-case: how a code is compared, however it was typed or quoted. */
function squeeze(text: string): string {
  return text.toUpperCase().replace(/[^0-9A-Z]+/g, '');
}

/** Whether a text holds the code, with any spacing, hyphens, case or quote marks ("> ") around it. */
export function containsCode(text: string, code: string): boolean {
  const wanted = squeeze(code);
  return wanted.length > 0 && squeeze(text).includes(wanted);
}
