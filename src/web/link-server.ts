import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TOKEN_PATTERN } from '../core/link-token.js';
import { isLoopbackHost } from '../core/loopback.js';
import { PAGES, STYLE_HASH } from '../core/link-page.js';
import { confirm, handOn, reveal, showButton, type LinkActionDeps, type PageAnswer } from './link-actions.js';
import { clientOf, RefusalCounter } from './refusals.js';

export interface LinkServerOptions {
  host: string;
  port: number;
  /** PEM certificate and key: HTTPS. Without them the server speaks HTTP, to loopback peers only. */
  tls?: { cert: string; key: string };
  /** TLS ends at a reverse proxy on this machine: send HSTS although this hop is plain HTTP. */
  behindProxy?: boolean;
}

const MAX_BODY = 2048;

// No script, no frame, nothing from elsewhere; forms post only to this page's own origin.
const CSP = [
  "default-src 'none'",
  `style-src '${STYLE_HASH}'`,
  "img-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function send(res: ServerResponse, answer: PageAnswer, secure: boolean, head = false): void {
  res.statusCode = answer.status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  res.end(head ? undefined : answer.html);
}

/** The form's fields, from at most MAX_BODY bytes of application/x-www-form-urlencoded. */
function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(undefined));
  });
}

async function post(deps: LinkActionDeps, req: IncomingMessage, token: string): Promise<PageAnswer> {
  const form = await readForm(req);
  // The token in the body as well as in the path: a form on another site cannot know it (CSRF).
  if (!form || form.get('t') !== token) return { status: 400, html: PAGES.invalid(), refused: 'unknown' };
  const action = form.get('action');
  if (action === 'reveal') return reveal(deps, token, form.get('pin') ?? undefined);
  if (action === 'confirm') return confirm(deps, token, form.get('pin') ?? undefined);
  if (action === 'hand-on') return handOn(deps, token);
  return { status: 400, html: PAGES.notFound() };
}

async function route(
  deps: LinkActionDeps,
  refusals: RefusalCounter,
  req: IncomingMessage,
  peer: string,
): Promise<PageAnswer> {
  const path = (req.url ?? '/').split('?')[0] as string;
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD'))
    return { status: 200, html: 'ok' };
  const match = /^\/s\/([^/]+)$/.exec(path);
  if (!match) return { status: 404, html: PAGES.notFound() };
  if (refusals.blocked(peer)) return { status: 429, html: PAGES.slowDown() };
  const token = match[1] as string;
  if (!TOKEN_PATTERN.test(token)) return { status: 404, html: PAGES.invalid(), refused: 'unknown' };
  if (req.method === 'GET' || req.method === 'HEAD') return showButton(deps, token);
  if (req.method === 'POST') return post(deps, req, token);
  return { status: 405, html: PAGES.notFound() };
}

export interface LinkServer {
  /** The port it listens on (the configured one, or the one the system chose for port 0). */
  port: number;
  close(): Promise<void>;
}

/** Serves the link pages; resolves once it listens. */
export async function startLinkServer(deps: LinkActionDeps, options: LinkServerOptions): Promise<LinkServer> {
  const refusals = new RefusalCounter(deps.clock, deps.store, deps.logger);
  const secure = Boolean(options.tls) || Boolean(options.behindProxy);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const peer = req.socket.remoteAddress ?? '';
    // Without TLS here, only a peer on this machine (the proxy, or a test) may fetch a page.
    if (!options.tls && !isLoopbackHost(peer.replace(/^::ffff:/, ''))) {
      req.resume();
      send(res, { status: 403, html: PAGES.httpsOnly() }, false);
      return;
    }
    const client = clientOf(peer, req.headers['x-forwarded-for'], Boolean(options.behindProxy));
    route(deps, refusals, req, client).then(
      (answer) => {
        if (answer.refused) refusals.count(client, answer.refused);
        send(res, answer, secure, req.method === 'HEAD');
      },
      (err: unknown) => {
        deps.logger.error({ step: 'link', outcome: 'failed', err }, 'the link page failed');
        send(res, { status: 500, html: PAGES.unavailable() }, secure);
      },
    );
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, handler)
    : createHttpServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        refusals.flush();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
