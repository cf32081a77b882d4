/**
 * A local OAuth2 identity provider for the OAuth2 integration tests, on loopback only.
 *
 * - The token endpoint is oauth2-mock-server's, made strict: a client must be registered here with
 *   its secret (RFC 6749 2.3.1, in the body), a revoked client gets `invalid_client`, and tokens
 *   carry the client's id and live as long as `lifetimeSeconds` says.
 * - The introspection endpoint (RFC 7662) is the one that the mail stack's Dovecot asks
 *   (`HWC_TEST_OAUTH2_INTROSPECTION_PORT`, see scripts/mailstack.d/dovecot-oauth2.conf.ext.in).
 *   oauth2-mock-server's own one only parses JSON bodies and always says active, so it runs here
 *   on node:http: it checks the JWT's RS256 signature against the mock server's key and its expiry,
 *   and answers with the mailbox the client was granted, the way Add-MailboxPermission grants an
 *   Entra ID app one mailbox. A token of a client without a grant, expired or revoked is inactive.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

interface Registration {
  secret: string;
  mailbox: string | undefined;
  revoked: boolean;
}

export interface TestOAuth2Server {
  tokenUrl: string;
  /** Lifetime of the tokens issued from now on. */
  lifetimeSeconds: number;
  /** Registers a client; `mailbox` is the one mailbox its tokens may open (none: no grant). */
  addClient(mailbox: string | undefined): TestClient;
  revoke(clientId: string): void;
  /** Token requests per client id, answered or refused. */
  tokenRequests(clientId: string): number;
  /** Every access token issued, to search outputs for. */
  issuedTokens(): string[];
  stop(): Promise<void>;
}

function introspectionPort(): number {
  const port = Number(process.env.HWC_TEST_OAUTH2_INTROSPECTION_PORT);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error('HWC_TEST_OAUTH2_INTROSPECTION_PORT is not set: run the integration project');
  }
  return port;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export async function startOAuth2Server(): Promise<TestOAuth2Server> {
  const clients = new Map<string, Registration>();
  const requests = new Map<string, number>();
  const issued: string[] = [];
  const mock = new OAuth2Server();
  await mock.issuer.keys.generate('RS256');
  await mock.start(0, '127.0.0.1');
  const tokenUrl = `${mock.issuer.url ?? ''}/token`;

  const state = {
    tokenUrl,
    lifetimeSeconds: 3600,
    addClient(mailbox: string | undefined): TestClient {
      const client = {
        clientId: `hwc-test-${randomBytes(6).toString('hex')}`,
        clientSecret: randomBytes(18).toString('base64url'),
      };
      clients.set(client.clientId, { secret: client.clientSecret, mailbox, revoked: false });
      return client;
    },
    revoke(clientId: string): void {
      const client = clients.get(clientId);
      if (client) client.revoked = true;
    },
    tokenRequests: (clientId: string) => requests.get(clientId) ?? 0,
    issuedTokens: () => [...issued],
    stop: async () => {
      await mock.stop();
      await new Promise<void>((resolve) => introspection.close(() => resolve()));
    },
  };

  const bodyOf = (req: unknown): Record<string, unknown> => {
    const body = (req as { body?: unknown }).body;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  };

  mock.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: unknown) => {
    const iat = Number(token.payload['iat']);
    token.payload['client_id'] = bodyOf(req)['client_id'];
    token.payload['exp'] = iat + state.lifetimeSeconds;
  });
  mock.service.on(
    'beforeResponse',
    (response: { statusCode: number; body: Record<string, unknown> }, req: unknown) => {
      const body = bodyOf(req);
      const clientId = String(body['client_id'] ?? '');
      requests.set(clientId, (requests.get(clientId) ?? 0) + 1);
      const client = clients.get(clientId);
      if (!client || client.revoked || client.secret !== body['client_secret']) {
        response.statusCode = 401;
        response.body = { error: 'invalid_client', error_description: 'client authentication failed' };
        return;
      }
      response.body['expires_in'] = state.lifetimeSeconds;
      issued.push(String(response.body['access_token']));
    },
  );

  const activeMailbox = (token: string): string | undefined => {
    const [head, payload, signature] = token.split('.');
    if (head === undefined || payload === undefined || signature === undefined) return undefined;
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { kid?: string };
    const jwk = mock.issuer.keys.get(header.kid);
    if (!jwk) return undefined;
    const publicKey = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    if (
      !verify('sha256', Buffer.from(`${head}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))
    ) {
      return undefined;
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: number;
      client_id?: string;
    };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return undefined;
    const client = clients.get(String(claims.client_id));
    return client && !client.revoked ? client.mailbox : undefined;
  };

  const introspection = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const token = new URLSearchParams(raw).get('token') ?? '';
      let mailbox: string | undefined;
      try {
        mailbox = req.method === 'POST' && req.url === '/introspect' ? activeMailbox(token) : undefined;
      } catch {
        mailbox = undefined;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(mailbox ? { active: true, username: mailbox } : { active: false }));
    });
  });
  await listen(introspection, introspectionPort());
  return state;
}
