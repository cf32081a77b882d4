/**
 * Whether a signal comes from a sender the school trusts. It fails closed: a signal is acted on
 * only on evidence an outsider cannot forge.
 *
 * - The address in the From header must be in `senders`; its display name never counts
 *   ("Veilig Thuis <a@evil.test>" as a name proves nothing).
 * - With the school's receiving server named (`trustedAuthservId` and/or `receivingServer`), the
 *   Authentication-Results (RFC 8601) that server stamped must hold an aligned DKIM pass or a
 *   DMARC pass for the From domain. Anything else (no header, dkim=none, spf only, a pass for
 *   another domain, a header of another host) is not trusted.
 * - Without it, From is all there is; but where the envelope sender (Return-Path) or a Sender
 *   header names a domain outside the From domain's organisation, the signal is not trusted.
 *
 * Reasons are fixed phrases without addresses.
 */

import type { MailFacts } from './types.js';

/**
 * The receiving servers schools use, each with its own way of stamping (see trustedResults):
 * - `microsoft365`: Exchange Online writes Authentication-Results without an authserv-id
 *   (https://learn.microsoft.com/en-us/defender-office-365/message-headers-eop-mdo#authentication-results-message-header,
 *   https://github.com/emersion/go-msgauth/issues/64).
 * - `google`: Gmail and Google Workspace stamp as `mx.google.com`, DKIM by header.i
 *   (https://spfwise.com/en/article/how-to-read-authentication-results-header).
 * - `postfix`: Postfix with OpenDKIM and OpenDMARC, whose AuthservID is `trustedAuthservId`
 *   (http://www.opendkim.org/opendkim.conf.5.html).
 */
export const RECEIVING_SERVERS = ['microsoft365', 'google', 'postfix'] as const;
export type ReceivingServer = (typeof RECEIVING_SERVERS)[number];

/** The authserv-id Google stamps with, for Gmail and Workspace alike. */
export const GOOGLE_AUTHSERV_ID = 'mx.google.com';

export interface TrustPolicy {
  /** Exact addresses ("signaal@veiligthuis.test") or domains ("@veiligthuis.test", which includes subdomains). */
  senders: string[];
  /** The authserv-id of the school's own receiving server. */
  trustedAuthservId?: string;
  /** A preset for the receiving server; it decides which Authentication-Results header counts. */
  receivingServer?: ReceivingServer;
}

export interface TrustAssessment {
  trusted: boolean;
  reasons: string[];
}

// One plain address: a local part, one "@", and a domain of dot-separated labels. Anything else
// (a second "@", spaces, brackets, a comma-separated list) is not an address we can trust.
const ADDRESS =
  /^[^\s@<>(),;:"[\]\\]+@((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}-]{2,63})$/u;

function domainOf(address: string): string | undefined {
  const m = ADDRESS.exec(address);
  return m ? (m[1] ?? '').toLowerCase() : undefined;
}

function isSameOrSubdomain(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}

/**
 * Relaxed alignment (RFC 7489 3.1.1) without a public suffix list: the same domain, a subdomain
 * of the From domain, or a parent of it that still has two labels (so never a bare TLD). Sibling
 * subdomains, which RFC 7489 would align through their organizational domain, are refused: that
 * costs at most a signal set aside for a person, never a forged one acted on.
 */
export function sameOrganization(domain: string, fromDomain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  if (d === '' || !d.includes('.')) return false;
  return isSameOrSubdomain(d, fromDomain) || isSameOrSubdomain(fromDomain, d);
}

function matchesSender(address: string, domain: string, senders: string[]): boolean {
  return senders.some((raw) => {
    const sender = raw.trim().toLowerCase();
    if (sender.startsWith('@')) {
      const parent = sender.slice(1).replace(/\.$/, '');
      return parent !== '' && isSameOrSubdomain(domain, parent);
    }
    return sender !== '' && sender === address;
  });
}

/** Removes RFC 5322 comments "(...)", nested ones included, outside quoted strings. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i += 1;
    } else if (quoted) {
      out += c;
      if (c === '"') quoted = false;
    } else if (c === '(') {
      depth += 1;
    } else if (c === ')' && depth > 0) {
      depth -= 1;
    } else if (depth === 0) {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}

/** Splits at ";" outside quoted strings. */
function splitResults(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\' && quoted) {
      current += c + (value[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

export interface AuthResult {
  /** "dkim", "dmarc", "spf", ... lower-case. */
  method: string;
  /** "pass", "fail", "none", ... lower-case. */
  result: string;
  /** Properties such as header.d, header.from, lower-cased, comments and quotes removed. */
  properties: Map<string, string[]>;
}

export interface ParsedAuthResults {
  /** The authserv-id, lower-case; absent in Exchange Online's form, which has none. */
  authservId?: string;
  results: AuthResult[];
}

const RESULT = /^([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z0-9_-]+)(.*)$/is;

function parseResult(text: string): AuthResult | undefined {
  const m = RESULT.exec(text);
  if (!m) return undefined;
  const properties = new Map<string, string[]>();
  for (const p of (m[3] ?? '').matchAll(
    /([a-z0-9_-]{1,64}\.[a-z0-9_.-]{1,64})[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^\s;]+)/gi,
  )) {
    const key = (p[1] ?? '').toLowerCase();
    const value = (p[2] ?? '').replace(/^"|"$/g, '').toLowerCase();
    properties.set(key, [...(properties.get(key) ?? []), value]);
  }
  return { method: (m[1] ?? '').toLowerCase(), result: (m[2] ?? '').toLowerCase(), properties };
}

/**
 * One Authentication-Results value (RFC 8601 2.2): `authserv-id [version]; method=result ...`.
 * Exchange Online leaves the authserv-id out and starts with `spf=...`; an authserv-id is a token
 * and cannot contain "=", so the two forms cannot be confused. Parts that are not `method=result`
 * (Exchange writes stray `; domain.example;` parts) are skipped.
 */
export function parseAuthenticationResults(header: string): ParsedAuthResults {
  const parts = splitResults(stripComments(header).trim());
  const first = parts[0] ?? '';
  const hasId = first !== '' && !RESULT.test(first);
  const results = (hasId ? parts.slice(1) : parts)
    .map(parseResult)
    .filter((r): r is AuthResult => r !== undefined);
  if (!hasId) return { results };
  // OpenDKIM's AuthservIDWithJobID writes "host/jobid"; the version ("host 1") follows a space.
  const id = (/^[^\s;]+/.exec(first)?.[0] ?? '').toLowerCase().replace(/\/.*$/, '');
  return { authservId: id, results };
}

/** The domain named by a property value: "example.test", "@example.test" or "user@example.test". */
function propertyDomain(value: string): string {
  const at = value.lastIndexOf('@');
  return (at >= 0 ? value.slice(at + 1) : value).replace(/\.$/, '');
}

/**
 * Which of the Authentication-Results the receiving server wrote. An attacker can put their own
 * headers, with the school's authserv-id, into the mail; the server SHOULD remove them (RFC 8601
 * section 5), and OpenDKIM, Exchange Online and Gmail do, but a server that does not would let
 * them through. Every server prepends its stamp (RFC 8601 section 2.1, like a trace field), so the
 * forged ones always stand below the real one, and below the Received header the receiving server
 * added when the mail came in. So only the topmost stamp counts:
 * - microsoft365: the topmost Authentication-Results header of the message, in Exchange Online's
 *   form without authserv-id (it holds spf, dkim, dmarc and compauth in one header);
 * - google: the topmost header with authserv-id mx.google.com (Google writes one header);
 * - postfix (and a bare trustedAuthservId): OpenDKIM and OpenDMARC each write their own header,
 *   both above the Received header Postfix added, so the topmost header with the authserv-id and
 *   those with it that stand under the same number of Received headers; of those, per method, only
 *   the topmost header that carries that method, so a forged line directly below cannot add one.
 */
export function trustedResults(facts: MailFacts, policy: TrustPolicy): AuthResult[] {
  const headers = facts.authenticationResults.map((value, i) => ({
    parsed: parseAuthenticationResults(value),
    receivedAbove: facts.authenticationResultsReceivedAbove?.[i] ?? 0,
  }));
  if (policy.receivingServer === 'microsoft365') {
    const top = headers[0];
    return top && top.parsed.authservId === undefined ? top.parsed.results : [];
  }
  const id = (policy.trustedAuthservId ?? (policy.receivingServer === 'google' ? GOOGLE_AUTHSERV_ID : ''))
    .trim()
    .toLowerCase();
  if (id === '') return [];
  const own = headers.filter((h) => h.parsed.authservId === id);
  const top = own[0];
  if (!top) return [];
  if (policy.receivingServer === 'google') return top.parsed.results;
  const block = own.filter((h) => h.receivedAbove === top.receivedAbove);
  const methods = [...new Set(block.flatMap((h) => h.parsed.results.map((r) => r.method)))];
  return methods.flatMap((method) => {
    const first = block.find((h) => h.parsed.results.some((r) => r.method === method));
    return first ? first.parsed.results.filter((r) => r.method === method) : [];
  });
}

/**
 * An aligned pass for `domain` among the results: dmarc=pass with header.from equal to it, or
 * dkim=pass whose signing domain (header.d, else the domain of header.i) is in its organisation.
 * DMARC's own "bestguesspass" (Exchange, no DMARC record) is not a pass.
 */
export function alignedPass(results: AuthResult[], domain: string): 'dmarc' | 'dkim' | undefined {
  const d = domain.toLowerCase();
  const dmarc = results.some(
    (r) =>
      r.method === 'dmarc' &&
      r.result === 'pass' &&
      (r.properties.get('header.from') ?? []).some((v) => propertyDomain(v) === d),
  );
  if (dmarc) return 'dmarc';
  const dkim = results.some((r) => {
    if (r.method !== 'dkim' || r.result !== 'pass') return false;
    const signer = r.properties.get('header.d')?.[0] ?? r.properties.get('header.i')?.[0];
    return signer !== undefined && sameOrganization(propertyDomain(signer), d);
  });
  return dkim ? 'dkim' : undefined;
}

/** Whether an address is in `senders`, by the same rule as assessTrust; for triage before parsing. */
export function isListedSender(address: string, senders: string[]): boolean {
  const normalized = address.trim().toLowerCase();
  const domain = domainOf(normalized);
  return domain !== undefined && matchesSender(normalized, domain, senders);
}

/** Whether the policy names a receiving server whose Authentication-Results are read. */
export function readsAuthenticationResults(policy: Omit<TrustPolicy, 'senders'>): boolean {
  return policy.receivingServer !== undefined || (policy.trustedAuthservId ?? '').trim() !== '';
}

/** Every address in a header value such as "<a@b.test>", "Name <a@b.test>, c@d.test" or "<>". */
function addressesIn(value: string): string[] {
  const clean = stripComments(value).replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...clean.matchAll(/<([^<>]*)>|([^\s<>,;:]+@[^\s<>,;]+)/g)].map((m) =>
    (m[1] ?? m[2] ?? '').trim().toLowerCase(),
  );
}

/**
 * Without authentication results, the envelope is the only other evidence. A null reverse-path
 * ("<>") is for delivery reports and auto-replies only (RFC 5321 4.5.5); on a signal it means a
 * mail that hides where it came from, so it is not trusted either.
 */
function envelopeMismatch(facts: MailFacts, fromDomain: string): string | undefined {
  const returnPath = facts.headers['return-path'];
  if (returnPath !== undefined) {
    const paths = addressesIn(returnPath);
    if (paths.length === 0 || paths.some((p) => p === '')) return 'null envelope sender on a signal';
    if (paths.some((p) => !sameOrganization(domainOf(p) ?? '', fromDomain))) {
      return 'envelope sender is outside the From domain';
    }
  }
  const sender = facts.headers['sender'];
  if (sender !== undefined) {
    const senders = addressesIn(sender);
    if (senders.length === 0 || senders.some((s) => !sameOrganization(domainOf(s) ?? '', fromDomain))) {
      return 'Sender header is outside the From domain';
    }
  }
  return undefined;
}

function fromCheck(facts: MailFacts, policy: TrustPolicy): { domain: string } | TrustAssessment {
  const rawFrom = facts.headers['from'];
  const address = (facts.fromAddress ?? '').trim().toLowerCase();
  if (address === '') {
    return {
      trusted: false,
      reasons: [rawFrom === undefined ? 'no From address' : 'not exactly one From address'],
    };
  }
  // The parser keeps only the first From; the raw header shows whether there were more addresses.
  if (rawFrom !== undefined && countAddresses(rawFrom) > 1) {
    return { trusted: false, reasons: ['not exactly one From address'] };
  }
  const domain = domainOf(address);
  if (domain === undefined) return { trusted: false, reasons: ['From address is malformed'] };
  if (!matchesSender(address, domain, policy.senders)) {
    return { trusted: false, reasons: ['sender is not in the trusted list'] };
  }
  return { domain };
}

export function assessTrust(facts: MailFacts, policy: TrustPolicy): TrustAssessment {
  const from = fromCheck(facts, policy);
  if ('trusted' in from) return from;
  const reasons = ['sender is in the trusted list'];
  if (!readsAuthenticationResults(policy)) {
    const mismatch = envelopeMismatch(facts, from.domain);
    if (mismatch) return { trusted: false, reasons: [mismatch] };
    return { trusted: true, reasons: [...reasons, 'no authentication results are read: From header only'] };
  }
  const pass = alignedPass(trustedResults(facts, policy), from.domain);
  if (!pass) {
    return { trusted: false, reasons: ['no aligned DKIM or DMARC pass from the receiving server'] };
  }
  return {
    trusted: true,
    reasons: [...reasons, pass === 'dmarc' ? 'DMARC passed for the From domain' : 'aligned DKIM pass'],
  };
}

/**
 * Whether the receiving server reported an aligned DKIM or DMARC pass for `domain` (a contact's,
 * for a confirmation or a bounce), by the same reading rule as for signals. False when the policy
 * names no receiving server: then there is no evidence to read.
 */
export function authenticatedFor(
  facts: MailFacts,
  policy: Omit<TrustPolicy, 'senders'>,
  domain: string,
): boolean {
  if (!readsAuthenticationResults(policy)) return false;
  return alignedPass(trustedResults(facts, { senders: [], ...policy }), domain) !== undefined;
}

/** Addresses in a raw From header (several From lines are joined with a comma by the parser). */
export function countAddresses(raw: string): number {
  const withoutQuoted = stripComments(raw).replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return (withoutQuoted.match(/@/g) ?? []).length;
}

/**
 * An aligned pass from the trusted server for `domain` (the From domain of a reply or a bounce),
 * read by the same rule as for signals: only the server's own topmost stamp counts.
 */
export function authenticatedDomainPass(facts: MailFacts, authservId: string, domain: string): boolean {
  if (domain === '') return false;
  return authenticatedFor(facts, { trustedAuthservId: authservId }, domain);
}

/**
 * An explicit dkim=fail or dmarc=fail from the trusted server about `domain`. A verdict that names
 * no domain counts for it: DMARC is always about the From domain, and a DKIM fail without one is
 * too doubtful to ignore.
 */
export function authenticatedDomainFail(facts: MailFacts, authservId: string, domain: string): boolean {
  if (authservId.trim() === '' || domain === '') return false;
  const d = domain.toLowerCase();
  return trustedResults(facts, { senders: [], trustedAuthservId: authservId }).some((r) => {
    if ((r.method !== 'dkim' && r.method !== 'dmarc') || r.result !== 'fail') return false;
    const named = ['header.d', 'header.from', 'header.i'].flatMap((key) => r.properties.get(key) ?? []);
    return named.length === 0 || named.some((value) => sameOrganization(propertyDomain(value), d));
  });
}
