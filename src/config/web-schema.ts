/**
 * The link mode's keys (`deliver`, `web`): how notifications carry the signal, and where the page
 * that shows it once is served. The cross-field rule (HTTPS off loopback) is `webChecks`.
 */
import * as z from 'zod';
import { show } from './errors.js';
import { expecting, field } from './fields.js';
import { isLoopbackHost } from '../core/loopback.js';
import { isPinHash } from '../core/pin-hash.js';
import type { DeliverMode, WebConfig } from './types.js';

export const DELIVER_DEFAULT: DeliverMode = 'mail';
export const MAX_REVEALS_DEFAULT = 5;

export const deliverField = z
  .enum(['mail', 'link'], {
    error: expecting('mail or link', "write deliver: mail (the child's data in the e-mail) or deliver: link"),
  })
  .optional()
  .transform((v): DeliverMode => v ?? DELIVER_DEFAULT);

/** host:port, with an IPv6 host in brackets ([::1]:8443). */
export function parseListen(value: unknown): { host: string; port: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

const listen = field(
  'host:port such as 127.0.0.1:8443 or 0.0.0.0:8443',
  { missing: 'add web.listen: 127.0.0.1:8443, where hwc run serves the page' },
  parseListen,
);

const baseUrl = field(
  'an http(s) URL such as https://hwc.school.example.nl',
  {
    missing:
      'add web.baseUrl: the address at which the contacts reach the page, e.g. https://hwc.school.example.nl',
  },
  (value, fail) => {
    if (typeof value !== 'string') return undefined;
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.search || url.hash || url.username || url.password) {
      fail(`expected a URL without query, fragment or user, got ${show(value)}`);
      return undefined;
    }
    return url.href.replace(/\/+$/, '');
  },
);

const pinHash = field(
  'a PIN hash as printed by `hwc pin-hash` (scrypt$...)',
  { missing: 'write the hash printed by `hwc pin-hash`, or remove the entry' },
  (value, fail) => {
    if (typeof value !== 'string') return undefined;
    if (/^\d{3,12}$/.test(value.trim())) {
      fail('expected a PIN hash, got a PIN in plain text; run `hwc pin-hash` and write its output here');
      return undefined;
    }
    return isPinHash(value.trim()) ? value.trim() : undefined;
  },
);

const tls = z.union(
  [
    z.literal('proxy'),
    z.strictObject({
      cert: z.string({
        error: expecting('the path of a PEM certificate file', 'add web.tls.cert: /path/cert.pem'),
      }),
      key: z.string({ error: expecting('the path of a PEM key file', 'add web.tls.key: /path/key.pem') }),
    }),
  ],
  {
    error: expecting(
      '{ cert: FILE, key: FILE }, or proxy (a reverse proxy on this machine terminates TLS)',
      '',
    ),
  },
);

export const webSchema = z
  .strictObject(
    {
      listen,
      baseUrl,
      tls: tls.optional(),
      pins: z
        .strictObject(
          { primary: pinHash.optional(), backup: pinHash.optional() },
          { error: expecting('a mapping such as { primary: scrypt$... }', '') },
        )
        .optional(),
      maxReveals: field('a whole number of times, such as 5', { default: MAX_REVEALS_DEFAULT }, (value) =>
        typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100
          ? value
          : undefined,
      ),
    },
    {
      error: expecting(
        'a mapping with listen and baseUrl',
        'add web: { listen: 127.0.0.1:8443, baseUrl: https://hwc.school.example.nl }',
      ),
    },
  )
  .optional();

export function toWebConfig(o: z.output<typeof webSchema>): WebConfig | undefined {
  if (!o) return undefined;
  const pins = Object.fromEntries(Object.entries(o.pins ?? {}).filter(([, v]) => v !== undefined));
  return {
    listen: o.listen,
    baseUrl: o.baseUrl,
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
    pins,
    maxReveals: o.maxReveals,
  };
}

/**
 * Link mode needs `web`; off loopback the page needs TLS, from a certificate or from a reverse proxy
 * on this machine (which then reaches hwc over loopback, and the contacts over https).
 */
export function webChecks(input: Record<string, unknown>, errors: string[]): void {
  const deliver = deliverField.safeParse(input['deliver']);
  const web = webSchema.safeParse(input['web']);
  if (!deliver.success || !web.success) return;
  if (deliver.data === 'link' && web.data === undefined) {
    errors.push(
      'web: missing; deliver: link needs web: { listen: 127.0.0.1:8443, baseUrl: https://hwc.school.example.nl } for the page the links open',
    );
    return;
  }
  const w = web.data;
  if (!w) return;
  const baseHost = new URL(w.baseUrl).hostname;
  const https = w.baseUrl.startsWith('https:');
  const loopback = isLoopbackHost(w.listen.host) && isLoopbackHost(baseHost);
  if (w.tls === 'proxy') {
    if (!https)
      errors.push(
        `web.baseUrl: expected an https URL behind a TLS-terminating proxy, got ${show(w.baseUrl)}; write https://`,
      );
    if (!isLoopbackHost(w.listen.host))
      errors.push(
        `web.listen: with tls: proxy hwc serves plain HTTP, so it must listen on loopback, got ${show(input['web'] && (input['web'] as Record<string, unknown>)['listen'])}; write web.listen: 127.0.0.1:PORT and run the proxy on this machine, or give web.tls.cert and web.tls.key`,
      );
    return;
  }
  if (w.tls) {
    if (!https)
      errors.push(`web.baseUrl: the page is served over TLS; write https:// instead of ${show(w.baseUrl)}`);
    return;
  }
  if (!loopback) {
    errors.push(
      'web.tls: missing; off loopback the page needs HTTPS: add web.tls: { cert: FILE, key: FILE }, or web.tls: proxy when a reverse proxy on this machine terminates TLS',
    );
  }
}
