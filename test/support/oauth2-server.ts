/**
 * A local OAuth2 identity provider for the OAuth2 integration tests, on loopback only.
 *
 * - The token endpoint for client credentials and for Google's stored refresh token (the
 *   refresh_token grant, RFC 6749 6) is oauth2-mock-server's, made strict: a client must be
 *   registered here with its secret (RFC 6749 2.3.1, in the body), a revoked client gets
 *   `invalid_client`, and tokens carry the client's id and live as long as `lifetimeSeconds` says.
 *   A refresh token that was not issued to the client, or was revoked, gets `invalid_grant` (400),
 *   as Google answers one that is revoked or expired; like Google's, the answer carries no new
 *   refresh token.
 * - The JWT bearer token endpoint (RFC 7523) for Google service accounts runs here on node:http,
 *   because oauth2-mock-server answers `invalid_grant` to that grant. Each service account gets
 *   its own RSA key and a Google-style JSON key whose `token_uri` is this endpoint. It checks an
 *   assertion the way Google's does and answers as Google does (as reported in Google client
 *   libraries' issue trackers): an unknown service account gets `invalid_client` (401); a deleted
 *   key, a bad signature or a wrong `aud`, `iat` or `exp` gets `invalid_grant` ("Invalid JWT
 *   Signature"); a service account without domain-wide delegation for the mail scope gets
 *   `unauthorized_client` (401); a `sub` other than the delegated mailbox gets `invalid_grant`
 *   ("Invalid email or User ID"). Its access tokens are opaque, like Google's.
 * - The introspection endpoint (RFC 7662) is the one that the mail stack's Dovecot asks
 *   (`HWC_TEST_OAUTH2_INTROSPECTION_PORT`, see scripts/mailstack.d/dovecot-oauth2.conf.ext.in).
 *   oauth2-mock-server's own one only parses JSON bodies and always says active, so it runs here
 *   on node:http: it checks a JWT's RS256 signature against the mock server's key and its expiry,
 *   or looks an opaque token up, and answers with the mailbox the client was granted, the way
 *   Add-MailboxPermission grants an Entra ID app one mailbox. A token of a client without a grant,
 *   expired or revoked, or refreshed with a refresh token that was revoked since, is inactive.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

/** A Google OAuth client and the refresh token that a sign-in as the mailbox gave it. */
export interface TestRefreshClient extends TestClient {
  refreshToken: string;
}

interface Registration {
  secret: string;
  mailbox: string | undefined;
  revoked: boolean;
  refreshToken: string | undefined;
  refreshTokenRevoked: boolean;
}

/** A service account's JSON key, as the Google Cloud console hands it out. */
export interface TestServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

interface ServiceAccount {
  keyId: string;
  publicKey: KeyObject;
  /** The mailbox that domain-wide delegation allows it to act as (none: no delegation). */
  mailbox: string | undefined;
  keyDeleted: boolean;
  deleted: boolean;
}

interface OpaqueToken {
  clientEmail: string;
  mailbox: string;
  expiresAt: number;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GOOGLE_MAIL_SCOPE = 'https://mail.google.com/';

export interface TestOAuth2Server {
  tokenUrl: string;
  /** Lifetime of the tokens issued from now on. */
  lifetimeSeconds: number;
  /** Registers a client; `mailbox` is the one mailbox its tokens may open (none: no grant). */
  addClient(mailbox: string | undefined): TestClient;
  /** Registers a client with a refresh token for `mailbox` (none: no grant). */
  addRefreshClient(mailbox: string | undefined): TestRefreshClient;
  /**
   * Creates a service account and a JSON key for it; `mailbox` is the one mailbox that domain-wide
   * delegation lets it act as (none: no delegation).
   */
  addServiceAccount(mailbox: string | undefined): TestServiceAccountKey;
  /** Revokes a client (by its id), or deletes a service account (by its client_email). */
  revoke(id: string): void;
  /**
   * Revokes a client's refresh token, and with it the access tokens granted with it, as Google
   * does when the mailbox's password changes or its user removes the app's access.
   */
  revokeRefreshToken(clientId: string): void;
  /** Deletes a service account's key (by its private_key_id), as the Cloud console's Keys tab does. */
  deleteKey(privateKeyId: string): void;
  /** Token requests per client id or service account client_email, answered or refused. */
  tokenRequests(id: string): number;
  /** The JWT assertions that a service account sent, in order. */
  assertions(clientEmail: string): string[];
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
  const serviceAccounts = new Map<string, ServiceAccount>();
  const opaqueTokens = new Map<string, OpaqueToken>();
  const assertionsBy = new Map<string, string[]>();
  const requests = new Map<string, number>();
  const issued: string[] = [];
  const jwtBearer = createServer((req, res) => answerRequest(req, res, jwtBearerAnswer));
  await listen(jwtBearer, 0);
  const jwtBearerUrl = `http://127.0.0.1:${(jwtBearer.address() as AddressInfo).port}/token`;
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
      clients.set(client.clientId, {
        secret: client.clientSecret,
        mailbox,
        revoked: false,
        refreshToken: undefined,
        refreshTokenRevoked: false,
      });
      return client;
    },
    addRefreshClient(mailbox: string | undefined): TestRefreshClient {
      const client = {
        clientId: `hwc-test-${randomBytes(6).toString('hex')}.apps.googleusercontent.com`,
        clientSecret: randomBytes(18).toString('base64url'),
        // Google's refresh tokens start with 1//.
        refreshToken: `1//${randomBytes(48).toString('base64url')}`,
      };
      clients.set(client.clientId, {
        secret: client.clientSecret,
        mailbox,
        revoked: false,
        refreshToken: client.refreshToken,
        refreshTokenRevoked: false,
      });
      return client;
    },
    addServiceAccount(mailbox: string | undefined): TestServiceAccountKey {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const name = `hwc-test-${randomBytes(6).toString('hex')}`;
      const key: TestServiceAccountKey = {
        type: 'service_account',
        project_id: 'hwc-test',
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: `${name}@hwc-test.iam.gserviceaccount.com`,
        // Google's client IDs of service accounts are 21 digits.
        client_id: `1${randomBytes(8).readBigUInt64BE().toString().padStart(20, '0')}`,
        token_uri: jwtBearerUrl,
      };
      serviceAccounts.set(key.client_email, {
        keyId: key.private_key_id,
        publicKey,
        mailbox,
        keyDeleted: false,
        deleted: false,
      });
      return key;
    },
    revoke(id: string): void {
      const client = clients.get(id);
      if (client) client.revoked = true;
      const account = serviceAccounts.get(id);
      if (account) account.deleted = true;
    },
    revokeRefreshToken(clientId: string): void {
      const client = clients.get(clientId);
      if (client) client.refreshTokenRevoked = true;
    },
    deleteKey(privateKeyId: string): void {
      for (const account of serviceAccounts.values()) {
        if (account.keyId === privateKeyId) account.keyDeleted = true;
      }
    },
    tokenRequests: (id: string) => requests.get(id) ?? 0,
    assertions: (clientEmail: string) => [...(assertionsBy.get(clientEmail) ?? [])],
    issuedTokens: () => [...issued],
    stop: async () => {
      await mock.stop();
      await Promise.all(
        [introspection, jwtBearer].map(
          (server) => new Promise<void>((resolve) => server.close(() => resolve())),
        ),
      );
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
      if (body['grant_type'] === 'refresh_token') {
        if (
          client.refreshToken === undefined ||
          client.refreshTokenRevoked ||
          body['refresh_token'] !== client.refreshToken
        ) {
          response.statusCode = 400;
          response.body = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };
          return;
        }
        // oauth2-mock-server rotates refresh tokens and adds an ID token; Google does neither here.
        delete response.body['refresh_token'];
        delete response.body['id_token'];
      }
      response.body['expires_in'] = state.lifetimeSeconds;
      issued.push(String(response.body['access_token']));
    },
  );

  const decode = (part: string): Record<string, unknown> => {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  };

  const activeMailbox = (token: string): string | undefined => {
    const opaque = opaqueTokens.get(token);
    if (opaque) {
      const account = serviceAccounts.get(opaque.clientEmail);
      return account && !account.deleted && Date.now() < opaque.expiresAt ? opaque.mailbox : undefined;
    }
    const [head, payload, signature] = token.split('.');
    if (head === undefined || payload === undefined || signature === undefined) return undefined;
    const header = decode(head) as { kid?: string };
    const jwk = mock.issuer.keys.get(header.kid);
    if (!jwk) return undefined;
    const publicKey = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    if (
      !verify('sha256', Buffer.from(`${head}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))
    ) {
      return undefined;
    }
    const claims = decode(payload) as { exp?: number; client_id?: string };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return undefined;
    const client = clients.get(String(claims.client_id));
    return client && !client.revoked && !client.refreshTokenRevoked ? client.mailbox : undefined;
  };

  const refused = (status: number, error: string, description: string) => ({
    status,
    body: { error, error_description: description },
  });

  /** The token endpoint's answer to a JWT bearer grant, checked the way Google checks it. */
  function jwtBearerAnswer(req: IncomingMessage, form: URLSearchParams) {
    if (req.method !== 'POST' || req.url !== '/token') return refused(404, 'not_found', 'no such endpoint');
    if (form.get('grant_type') !== JWT_BEARER) {
      return refused(400, 'unsupported_grant_type', 'only the JWT bearer grant is served here');
    }
    const assertion = form.get('assertion') ?? '';
    const [head, payload, signature, ...rest] = assertion.split('.');
    if (head === undefined || payload === undefined || signature === undefined || rest.length > 0) {
      return refused(400, 'invalid_grant', 'Invalid JWT');
    }
    const header = decode(head);
    const claims = decode(payload);
    const clientEmail = String(claims['iss']);
    requests.set(clientEmail, (requests.get(clientEmail) ?? 0) + 1);
    assertionsBy.set(clientEmail, [...(assertionsBy.get(clientEmail) ?? []), assertion]);
    const account = serviceAccounts.get(clientEmail);
    if (!account || account.deleted) return refused(401, 'invalid_client', 'The OAuth client was not found.');
    const signed =
      header['alg'] === 'RS256' &&
      (header['kid'] === undefined || header['kid'] === account.keyId) &&
      !account.keyDeleted &&
      verify(
        'sha256',
        Buffer.from(`${head}.${payload}`),
        account.publicKey,
        Buffer.from(signature, 'base64url'),
      );
    if (!signed) return refused(400, 'invalid_grant', 'Invalid JWT Signature.');
    const now = Date.now() / 1000;
    const { iat, exp } = claims;
    if (
      claims['aud'] !== jwtBearerUrl ||
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp <= iat ||
      exp - iat > 3600 ||
      exp <= now ||
      iat > now + 60
    ) {
      return refused(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      );
    }
    if (account.mailbox === undefined || claims['scope'] !== GOOGLE_MAIL_SCOPE) {
      return refused(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    if (claims['sub'] !== account.mailbox) return refused(400, 'invalid_grant', 'Invalid email or User ID');
    const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
    opaqueTokens.set(accessToken, {
      clientEmail,
      mailbox: account.mailbox,
      expiresAt: Date.now() + state.lifetimeSeconds * 1000,
    });
    issued.push(accessToken);
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: state.lifetimeSeconds },
    };
  }

  const introspection = createServer((req, res) =>
    answerRequest(req, res, (request, form) => {
      let mailbox: string | undefined;
      try {
        mailbox =
          request.method === 'POST' && request.url === '/introspect'
            ? activeMailbox(form.get('token') ?? '')
            : undefined;
      } catch {
        // A token that is not even well-formed is simply not active.
        mailbox = undefined;
      }
      return { status: 200, body: mailbox ? { active: true, username: mailbox } : { active: false } };
    }),
  );
  await listen(introspection, introspectionPort());
  return state;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Reads a form body and answers with JSON; a body that cannot be read is a bad request. */
function answerRequest(
  req: IncomingMessage,
  res: ServerResponse,
  answer: (req: IncomingMessage, form: URLSearchParams) => Answer,
): void {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (raw += chunk));
  req.on('end', () => {
    let result: Answer;
    try {
      result = answer(req, new URLSearchParams(raw));
    } catch {
      result = { status: 400, body: { error: 'invalid_request' } };
    }
    // RFC 6749 5.1: token responses are never cached.
    res.writeHead(result.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(result.body));
  });
}
