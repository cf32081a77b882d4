/**
 * `monitoring:`: the push-monitoring URL a school's checks report to (Healthchecks.io or Uptime
 * Kuma conventions; src/adapters/ping.ts sends the pings). Only the URL, the style and whether to
 * signal the start are configured; what a ping carries is fixed (an error code at most).
 */
import * as z from 'zod';
import { show } from './errors.js';
import { bool, expecting, field } from './fields.js';
import type { MonitoringConfig, MonitoringStyle } from './types.js';

export const MONITORING_STYLES = ['healthchecks', 'uptime-kuma'] as const satisfies MonitoringStyle[];

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const pingUrl = field(
  'an https:// URL such as https://hc-ping.com/<uuid> (http:// only on loopback)',
  { missing: 'add the push URL of your monitoring, or remove monitoring:' },
  (value, fail) => {
    if (typeof value !== 'string') return undefined;
    let url: URL;
    try {
      // `{school}` is replaced by the school's name in a config directory; a URL parses with it.
      url = new URL(value.trim());
    } catch {
      fail('expected a URL such as https://hc-ping.com/<uuid>, got a text that is not a URL');
      return undefined;
    }
    if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
      return value.trim();
    }
    // The URL may hold the monitor's secret token: describe it, never show it.
    fail(
      `expected an https:// URL (http:// only on loopback), got a ${url.protocol.replace(':', '')} URL; use the https address your monitoring shows`,
    );
    return undefined;
  },
);

export const monitoringSchema = z
  .strictObject(
    {
      pingUrl,
      style: z
        .enum(MONITORING_STYLES, { error: expecting(`one of ${MONITORING_STYLES.join(', ')}`, '') })
        .optional(),
      pingStart: bool('').optional(),
    },
    {
      error: expecting(
        'a mapping such as { pingUrl: https://hc-ping.com/<uuid>, style: healthchecks }',
        'write monitoring: { pingUrl: … }, or remove the key',
        (value) => (typeof value === 'string' ? 'a text' : show(value)),
      ),
    },
  )
  .optional()
  .transform((m): MonitoringConfig | undefined =>
    m ? { pingUrl: m.pingUrl, style: m.style ?? 'healthchecks', pingStart: m.pingStart ?? false } : undefined,
  );
