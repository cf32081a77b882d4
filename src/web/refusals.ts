import { isLoopbackHost } from '../core/loopback.js';
import type { AuditLog, Clock, Logger } from '../core/ports.js';

const WINDOW_MS = 15 * 60_000;
/** Wrong tokens one peer may try per window; a person mistyping never gets near it. */
const PER_PEER = 10;
/** Wrong tokens all peers together may try per window (behind a proxy every peer is the proxy). */
const OVERALL = 100;
/** At most one audit row per this long; the count of the wrong tokens since the last one. */
const AUDIT_EVERY_MS = 10 * 60_000;

/**
 * Who a request comes from, for the rate limit. Behind the school's reverse proxy (`web.tls: proxy`)
 * every connection comes from the proxy on this machine, so there the client is the last address
 * of X-Forwarded-For, the one the proxy itself appended; anywhere else that header could be forged.
 */
export function clientOf(
  peer: string,
  forwardedFor: string | string[] | undefined,
  behindProxy: boolean,
): string {
  const bare = peer.replace(/^::ffff:/, '');
  if (!behindProxy || !isLoopbackHost(bare) || forwardedFor === undefined) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = header.split(',').pop()?.trim() ?? '';
  return last === '' ? peer : `xff:${last}`;
}

/**
 * Wrong and malformed tokens: counted per peer and overall to slow guessing down, and
 * counted in the audit log (a number, never a token or an address), at most one row per ten minutes.
 * Expired tokens are counted in the audit log only.
 */
export class RefusalCounter {
  private readonly peers = new Map<string, number[]>();
  private all: number[] = [];
  private pending = 0;
  private lastRow = 0;

  constructor(
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  blocked(peer: string): boolean {
    const now = this.clock.now().getTime();
    const recent = (this.peers.get(peer) ?? []).filter((t) => now - t < WINDOW_MS);
    this.all = this.all.filter((t) => now - t < WINDOW_MS);
    return recent.length >= PER_PEER || this.all.length >= OVERALL;
  }

  count(peer: string, reason: 'unknown' | 'expired'): void {
    const now = this.clock.now().getTime();
    // A well-formed token that expired was once real: it shows its own page and slows nobody down.
    if (reason === 'unknown') {
      const recent = (this.peers.get(peer) ?? []).filter((t) => now - t < WINDOW_MS);
      recent.push(now);
      this.peers.set(peer, recent);
      this.all.push(now);
    }
    this.pending += 1;
    this.logger.warn({ step: 'link', outcome: 'refused', reason }, 'a link token was refused');
    if (now - this.lastRow >= AUDIT_EVERY_MS) this.flush();
  }

  /** Writes the pending count as one audit row. */
  flush(): void {
    if (this.pending === 0) return;
    const now = this.clock.now();
    this.audit.append({
      at: now.toISOString(),
      type: 'signal',
      data: { event: 'link-refused', count: this.pending },
    });
    this.pending = 0;
    this.lastRow = now.getTime();
  }
}
