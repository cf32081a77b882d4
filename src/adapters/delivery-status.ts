/**
 * The structure of a delivery status notification (RFC 3464), read from the raw mail: the text
 * that mailparser returns runs every part together, so "Action: failed" in a human-readable part
 * would look the same as in the report itself. Only a message/delivery-status part (or RFC 6533
 * message/global-delivery-status) directly inside a top-level multipart/report is read.
 */

import type { DeliveryStatusRecipient } from '../core/types.js';

const MAX_RECIPIENTS = 100;

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))/i.exec(contentType);
  const value = m ? (m[1] ?? m[2]) : undefined;
  return value === undefined || value === '' ? undefined : value;
}

/** Splits a part into its unfolded header fields and its body. */
function splitPart(part: string): { headers: Map<string, string>; body: string } {
  const end = /\r?\n\r?\n/.exec(part);
  const head = end ? part.slice(0, end.index) : part;
  const body = end ? part.slice(end.index + end[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decode(body: string, encoding: string | undefined): string {
  const cte = (encoding ?? '').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('latin1');
  if (cte === 'quoted-printable') {
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

/** RFC 3464 2.3: per-recipient field groups follow the per-message group, each after a blank line. */
function recipients(report: string): DeliveryStatusRecipient[] {
  const groups = report.split(/\r?\n[ \t]*\r?\n/).slice(1);
  const found: DeliveryStatusRecipient[] = [];
  for (const group of groups.slice(0, MAX_RECIPIENTS)) {
    const { headers } = splitPart(`${group}\n\n`);
    const recipient: DeliveryStatusRecipient = {};
    const final = headers.get('final-recipient');
    if (final !== undefined) {
      const address = final
        .slice(final.indexOf(';') + 1)
        .trim()
        .replace(/^<|>$/g, '');
      if (address !== '') recipient.finalRecipient = address.toLowerCase();
    }
    const action = headers.get('action');
    if (action !== undefined) recipient.action = action.split(/[\s;(]/)[0]?.toLowerCase() ?? '';
    if (recipient.finalRecipient !== undefined || recipient.action !== undefined) found.push(recipient);
  }
  return found;
}

/** The recipients of the DSN in `raw`, when its top-level Content-Type is `contentType`. */
export function readDeliveryStatus(raw: Buffer, contentType: string): DeliveryStatusRecipient[] | undefined {
  if (!/^\s*multipart\/report\b/i.test(contentType)) return undefined;
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return undefined;
  const text = raw.toString('latin1');
  const headerEnd = /\r?\n\r?\n/.exec(text);
  const delimiter = `--${boundary}`;
  const lines = (headerEnd ? text.slice(headerEnd.index + headerEnd[0].length) : '').split(/\r?\n/);
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) break;
    if (trimmed === delimiter) {
      if (current) parts.push(current.join('\n'));
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  if (current) parts.push(current.join('\n'));
  for (const part of parts) {
    const { headers, body } = splitPart(part);
    const type = headers.get('content-type') ?? '';
    if (!/^\s*message\/(?:global-)?delivery-status\b/i.test(type)) continue;
    return recipients(decode(body, headers.get('content-transfer-encoding')));
  }
  return [];
}
