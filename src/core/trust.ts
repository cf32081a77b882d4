/**
 * Whether a signal comes from a sender the school trusts. Only the address in the From header
 * counts, never its display name ("Veilig Thuis <a@evil.test>" as a name proves nothing). When
 * the school's own mail server is named (trustedAuthservId), its Authentication-Results (RFC 8601)
 * may veto the sender with dkim=fail or dmarc=fail for the From domain.
 * Reasons are fixed phrases without addresses.
 */

import type { MailFacts } from './types.js';

export interface TrustPolicy {
  /** Exact addresses ("signaal@veiligthuis.test") or domains ("@veiligthuis.test", which includes subdomains). */
  senders: string[];
  /** The authserv-id of the school's own receiving server; without it Authentication-Results is ignored. */
  trustedAuthservId?: string;
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

interface ResultInfo {
  method: string;
  result: string;
  properties: Map<string, string[]>;
}

function parseResult(text: string): ResultInfo | undefined {
  const m = /^([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z0-9_-]+)(.*)$/is.exec(text);
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

/** The domain named by a property value: "example.test", "@example.test" or "user@example.test". */
function propertyDomain(value: string): string {
  const at = value.lastIndexOf('@');
  return (at >= 0 ? value.slice(at + 1) : value).replace(/\.$/, '');
}

// A DKIM or DMARC domain "for" the From domain: the same, a parent (relaxed alignment) or a subdomain.
function relatesTo(propertyValue: string, fromDomain: string): boolean {
  const domain = propertyDomain(propertyValue);
  return domain !== '' && (isSameOrSubdomain(fromDomain, domain) || isSameOrSubdomain(domain, fromDomain));
}

const IDENTITY_PROPERTIES = ['header.d', 'header.from', 'header.i'];

/**
 * A fail verdict from the trusted server about the From domain. A verdict that names no domain at
 * all counts for the From domain: DMARC is always about it, and a DKIM fail without a domain is too
 * doubtful to ignore. Headers of other servers are skipped; a forged copy of the trusted one can only
 * add a fail (it is never read as a pass), so it cannot make an untrusted mail trusted.
 */
function failsFor(header: string, authservId: string, fromDomain: string): string[] {
  const clean = stripComments(header).trim();
  const id = /^[^\s;]+/.exec(clean)?.[0] ?? '';
  if (id.toLowerCase() !== authservId.trim().toLowerCase()) return [];
  const fails: string[] = [];
  for (const part of splitResults(clean).slice(1)) {
    const info = parseResult(part);
    if (!info || info.result !== 'fail' || (info.method !== 'dkim' && info.method !== 'dmarc')) continue;
    const named = IDENTITY_PROPERTIES.flatMap((key) => info.properties.get(key) ?? []);
    if (named.length === 0 || named.some((value) => relatesTo(value, fromDomain))) fails.push(info.method);
  }
  return fails;
}

export function assessTrust(facts: MailFacts, policy: TrustPolicy): TrustAssessment {
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
  const reasons = ['sender is in the trusted list'];
  if (policy.trustedAuthservId === undefined || policy.trustedAuthservId.trim() === '') {
    return { trusted: true, reasons };
  }
  const fails = new Set(
    facts.authenticationResults.flatMap((h) => failsFor(h, policy.trustedAuthservId ?? '', domain)),
  );
  if (fails.has('dmarc')) return { trusted: false, reasons: ['DMARC failed for the From domain'] };
  if (fails.has('dkim')) return { trusted: false, reasons: ['DKIM failed for the From domain'] };
  return { trusted: true, reasons: [...reasons, 'no authentication failure reported'] };
}

/** Addresses in a raw From header (several From lines are joined with a comma by the parser). */
export function countAddresses(raw: string): number {
  const withoutQuoted = stripComments(raw).replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return (withoutQuoted.match(/@/g) ?? []).length;
}

/**
 * An aligned pass from the trusted server for `domain` (the From domain of the mail): dkim=pass
 * with header.d or header.i for that domain (or a parent or subdomain: relaxed alignment), or
 * dmarc=pass with header.from for it. For each method only the topmost header of the trusted server
 * that reports it is read: the server prepends its own, so a copy an outsider wrote lower down
 * (RFC 8601 5 asks the server to remove such copies as well) cannot turn a fail or a none into a pass.
 */
export function authenticatedDomainPass(facts: MailFacts, authservId: string, domain: string): boolean {
  const trusted = authservId.trim().toLowerCase();
  if (trusted === '' || domain === '') return false;
  const decided = new Set<string>();
  for (const header of facts.authenticationResults) {
    const clean = stripComments(header).trim();
    const id = /^[^\s;]+/.exec(clean)?.[0] ?? '';
    if (id.toLowerCase() !== trusted) continue;
    const results = splitResults(clean)
      .slice(1)
      .map(parseResult)
      .filter((info): info is ResultInfo => info !== undefined);
    for (const method of ['dkim', 'dmarc']) {
      const reported = results.filter((info) => info.method === method);
      if (decided.has(method) || reported.length === 0) continue;
      decided.add(method);
      const keys = method === 'dkim' ? ['header.d', 'header.i'] : ['header.from'];
      const pass = reported.some(
        (info) =>
          info.result === 'pass' &&
          keys.some((key) => (info.properties.get(key) ?? []).some((value) => relatesTo(value, domain))),
      );
      if (pass) return true;
    }
  }
  return false;
}

/** An explicit dkim=fail or dmarc=fail from the trusted server for `domain` (see failsFor). */
export function authenticatedDomainFail(facts: MailFacts, authservId: string, domain: string): boolean {
  if (authservId.trim() === '' || domain === '') return false;
  return facts.authenticationResults.some((header) => failsFor(header, authservId, domain).length > 0);
}
