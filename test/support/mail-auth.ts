/**
 * Mail with real DKIM signatures and real Authentication-Results from the private mail stack
 * (`scripts/mailstack`; its header comment describes the milters and the test domains' keys).
 *
 * - `sendSigned(raw, { from, to })`           through the sender relay port: OpenDKIM signs with
 *                                             the From domain's key, then the mail enters the
 *                                             school's MX (the inbound port) like any other
 * - `sendSigned(raw, { ..., signAs })`        signed with another domain's key (d= not aligned)
 * - `sendSigned(raw, { ..., wrongKey: true })` signed as the From domain (or signAs) with a key
 *                                             that is not the published one
 * - `sendUnsigned(raw, { from, to })`         straight into the inbound port, no signature
 * - `stampedResults(headers, authservId?)`    the results the stack's MX stamped, by method
 *
 * What the MX (authserv-id `mailstackEnv().authservId`, mx.school.test) stamps, for From
 * veiligthuis.test (p=reject): signed: dkim=pass, dmarc=pass; unsigned: dkim=none, dmarc=fail;
 * signAs attacker.test: dkim=pass header.d=attacker.test, dmarc=fail; wrongKey: dkim=fail,
 * dmarc=fail. Authentication-Results that claim the MX's authserv-id in the sent mail are removed.
 */
import { deliver, mailstackEnv, sendThrough, type Envelope } from './mailstack.js';

/** The header that tells the stack's signer which key to use; the relay removes it after signing. */
const SIGN_AS_HEADER = 'X-Hwc-Test-Sign-As';

export interface SignedEnvelope extends Envelope {
  /** Sign with this domain's key (veiligthuis.test, gemeente.test, example.test, attacker.test). */
  signAs?: string;
  /** Sign as the From domain (or `signAs`) with a key whose public half is published nowhere. */
  wrongKey?: boolean;
}

function headerBlock(raw: string): string {
  const end = /\r?\n\r?\n/.exec(raw);
  return end ? raw.slice(0, end.index) : raw;
}

function fromDomain(raw: string): string {
  const from = /^From:(.*(?:\r?\n[ \t].*)*)/im.exec(headerBlock(raw))?.[1] ?? '';
  const domain = /@([^\s<>()@,;"]+)/.exec(from)?.[1];
  if (!domain) throw new Error('sendSigned: the message has no From address with a domain');
  return domain.toLowerCase();
}

/**
 * Sends a raw message through the sender relay port: it is DKIM-signed (see the options) and then
 * delivered through the school's MX, which verifies it. Resolves once the relay accepted it;
 * delivery follows asynchronously, see `waitForMessages`.
 */
export function sendSigned(raw: string, envelope: SignedEnvelope): Promise<void> {
  const { signAs, wrongKey, ...plain } = envelope;
  let message = raw;
  if (signAs !== undefined || wrongKey) {
    const domain = signAs ?? fromDomain(raw);
    message = `${SIGN_AS_HEADER}: ${wrongKey ? 'wrong-key' : 'dkim'}@${domain}\r\n${raw}`;
  }
  return sendThrough(mailstackEnv().senderPort, message, plain);
}

/** Sends a raw message straight into the school's MX, without a signature (`deliver`). */
export function sendUnsigned(raw: string | Buffer, envelope: Envelope): Promise<void> {
  return deliver(raw, envelope);
}

export interface StampedResult {
  /** `pass`, `fail`, `none`, ... */
  result: string;
  /** The rest of the result, comments included, e.g. `(p=reject dis=none) header.from=...`. */
  details: string;
}

/** Splits at ";" outside quoted strings and comments. */
function splitResults(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (const c of value) {
    if (c === '"' && depth === 0) quoted = !quoted;
    else if (c === '(' && !quoted) depth += 1;
    else if (c === ')' && !quoted && depth > 0) depth -= 1;
    if (c === ';' && !quoted && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

/**
 * Every result in the Authentication-Results headers of `headers` (a raw header block) whose
 * authserv-id is `authservId` (default: the stack's MX), by method: `{ dkim: [...], dmarc: [...] }`.
 */
export function stampedResults(
  headers: string,
  authservId: string = mailstackEnv().authservId,
): Record<string, StampedResult[]> {
  const results: Record<string, StampedResult[]> = {};
  const unfolded = headers.replace(/\r?\n(?=[ \t])/g, '');
  for (const line of unfolded.split(/\r?\n/)) {
    const value = /^Authentication-Results:(.*)$/i.exec(line)?.[1];
    if (value === undefined) continue;
    const [id, ...parts] = splitResults(value);
    if (id?.toLowerCase() !== authservId.toLowerCase()) continue;
    for (const part of parts) {
      const m = /^([a-z0-9_-]+)\s*=\s*([a-z0-9_-]+)\s*(.*)$/is.exec(part);
      if (!m?.[1] || !m[2]) continue;
      const method = m[1].toLowerCase();
      (results[method] ??= []).push({ result: m[2].toLowerCase(), details: m[3] ?? '' });
    }
  }
  return results;
}
