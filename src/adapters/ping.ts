/**
 * Push monitoring: after each check the school's monitoring URL is called, so that a board's
 * monitoring notices a daemon that stopped (no ping) as well as a check that failed.
 *
 * - Healthchecks.io: GET `<url>` after success, POST `<url>/fail` (body: the error code) after a
 *   failure, GET `<url>/start` when a check begins if `pingStart` is set
 *   (https://healthchecks.io/docs/http_api/).
 * - Uptime Kuma: GET its push URL with `status=up|down` and `msg=OK|<error code>`
 *   (https://github.com/louislam/uptime-kuma/wiki, "Push" monitors).
 *
 * A ping never carries content: an error code at most. A ping that fails is logged (without the
 * URL, which holds the monitor's token) and never fails the check.
 */
import type { MonitoringConfig } from '../config/types.js';
import type { Logger } from '../core/ports.js';

export type PingEvent = { kind: 'start' } | { kind: 'success' } | { kind: 'failure'; code: string };

/** The ping's request; pure, so that the conventions are tested without a server. */
export function pingRequest(
  monitoring: MonitoringConfig,
  event: PingEvent,
  schoolName?: string,
): { url: string; method: 'GET' | 'POST'; body?: string } | undefined {
  const base = schoolName
    ? monitoring.pingUrl.replaceAll('{school}', encodeURIComponent(schoolName))
    : monitoring.pingUrl;
  const url = new URL(base);
  if (monitoring.style === 'uptime-kuma') {
    if (event.kind === 'start') return undefined;
    url.searchParams.set('status', event.kind === 'success' ? 'up' : 'down');
    url.searchParams.set('msg', event.kind === 'success' ? 'OK' : event.code);
    return { url: url.toString(), method: 'GET' };
  }
  if (event.kind === 'start' && !monitoring.pingStart) return undefined;
  const suffix = event.kind === 'success' ? '' : `/${event.kind === 'start' ? 'start' : 'fail'}`;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${suffix}`;
  return event.kind === 'failure'
    ? { url: url.toString(), method: 'POST', body: event.code }
    : { url: url.toString(), method: 'GET' };
}

const PING_TIMEOUT_MS = 10_000;

/** Sends one ping; resolves in any case, within PING_TIMEOUT_MS. */
export async function sendPing(
  monitoring: MonitoringConfig | undefined,
  event: PingEvent,
  logger: Logger,
  schoolName?: string,
): Promise<void> {
  if (!monitoring) return;
  const request = pingRequest(monitoring, event, schoolName);
  if (!request) return;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      ...(request.body !== undefined
        ? { body: request.body, headers: { 'content-type': 'text/plain' } }
        : {}),
      signal: AbortSignal.timeout(PING_TIMEOUT_MS),
      redirect: 'error',
    });
    await response.body?.cancel();
    if (!response.ok) {
      logger.warn(
        { step: 'ping', outcome: 'failed', kind: event.kind, responseCode: response.status },
        'the monitoring URL answered with an error; the check itself is not affected',
      );
      return;
    }
    logger.info({ step: 'ping', outcome: 'sent', kind: event.kind }, 'monitoring pinged');
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    logger.warn(
      { step: 'ping', outcome: 'failed', kind: event.kind, code: typeof cause === 'string' ? cause : name },
      'the monitoring URL could not be reached; the check itself is not affected',
    );
  }
}
