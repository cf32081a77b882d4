import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OAuth2Error, OAuth2TokenProvider, oauth2RefusalHint } from '../../src/adapters/oauth2-token.js';
import { Secret, type ResolvedOAuth2Config } from '../../src/config/schema.js';

const SECRET = 'client-secret-canary-3b8f';

interface Call {
  url: string;
  body: URLSearchParams;
}

/** A token endpoint that answers from a queue and records each request. */
function fakeEndpoint(answers: { status: number; json: unknown }[]) {
  const calls: Call[] = [];
  let n = 0;
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), body: new URLSearchParams(String(init?.body)) });
    const answer = answers[Math.min(n, answers.length - 1)];
    n += 1;
    if (!answer) throw new TypeError('fetch failed');
    return new Response(JSON.stringify(answer.json), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { calls, fetch: fetchImpl as typeof fetch };
}

const token = (value: string, expiresIn: number) => ({
  status: 200,
  json: { access_token: value, token_type: 'Bearer', expires_in: expiresIn },
});

const clientCredentials: ResolvedOAuth2Config = {
  kind: 'client-credentials',
  tokenUrl: 'https://idp.example.nl/token',
  clientId: 'hwc-app',
  clientSecret: new Secret(SECRET),
  scope: 'mail',
};

function provider(
  config: ResolvedOAuth2Config,
  endpoint: ReturnType<typeof fakeEndpoint>,
  clock = { now: 0 },
) {
  return new OAuth2TokenProvider(config, {
    key: 'imap.auth.oauth2',
    user: 'hwc@school.example.nl',
    fetch: endpoint.fetch,
    now: () => clock.now,
  });
}

async function refusal(p: Promise<unknown>): Promise<OAuth2Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof OAuth2Error)) throw new Error('expected an OAuth2Error');
  return err;
}

describe('OAuth2TokenProvider', () => {
  it('when a token is asked for twice within its lifetime, then it is fetched once with client credentials', async () => {
    const endpoint = fakeEndpoint([token('t1', 3600)]);
    const p = provider(clientCredentials, endpoint);
    expect(await p.token()).toBe('t1');
    expect(await p.token()).toBe('t1');
    expect(endpoint.calls).toHaveLength(1);
    expect(endpoint.calls[0]?.url).toBe('https://idp.example.nl/token');
    expect(Object.fromEntries(endpoint.calls[0]?.body ?? [])).toEqual({
      grant_type: 'client_credentials',
      client_id: 'hwc-app',
      client_secret: SECRET,
      scope: 'mail',
    });
  });

  it('when less than 60 s of a one-hour token is left, then a new one is fetched', async () => {
    const clock = { now: 1_000_000 };
    const endpoint = fakeEndpoint([token('t1', 3600), token('t2', 3600)]);
    const p = provider(clientCredentials, endpoint, clock);
    expect(await p.token()).toBe('t1');
    clock.now += 3_539_000;
    expect(await p.token()).toBe('t1');
    clock.now += 2_000;
    expect(await p.token()).toBe('t2');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('when a token lives 2 s, then it is renewed once less than 10% of its lifetime is left', async () => {
    const clock = { now: 0 };
    const endpoint = fakeEndpoint([token('t1', 2), token('t2', 2)]);
    const p = provider(clientCredentials, endpoint, clock);
    expect(await p.token()).toBe('t1');
    clock.now = 1_700;
    expect(await p.token()).toBe('t1');
    clock.now = 1_850;
    expect(await p.token()).toBe('t2');
  });

  it('when a refresh is forced, then a new token is fetched even though the old one is still valid', async () => {
    const endpoint = fakeEndpoint([token('t1', 3600), token('t2', 3600)]);
    const p = provider(clientCredentials, endpoint);
    expect(await p.token()).toBe('t1');
    expect(await p.token({ forceRefresh: true })).toBe('t2');
    expect(await p.token()).toBe('t2');
  });

  it('when IMAP and SMTP ask at the same time, then one request is made', async () => {
    const endpoint = fakeEndpoint([token('t1', 3600)]);
    const p = provider(clientCredentials, endpoint);
    expect(await Promise.all([p.token(), p.token()])).toEqual(['t1', 't1']);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('when the client is refused, then the error is permanent, names the keys and holds no secret', async () => {
    const endpoint = fakeEndpoint([
      { status: 401, json: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } },
    ]);
    const err = await refusal(provider(clientCredentials, endpoint).token());
    expect(err.code).toBe('OAUTH2_CLIENT_REFUSED');
    expect(err.permanent).toBe(true);
    expect(err.message).toBe(
      'the OAuth2 token endpoint refused the client (invalid_client); check imap.auth.oauth2.clientId and imap.auth.oauth2.clientSecret, and that the app and its client secret still exist and have not expired',
    );
    expect(err.message).not.toContain(SECRET);
  });

  it('when the token endpoint cannot be reached or fails, then the error is transient and names the key', async () => {
    const down = await refusal(provider(clientCredentials, fakeEndpoint([])).token());
    expect(down).toMatchObject({ code: 'OAUTH2_UNREACHABLE', permanent: false });
    expect(down.message).toContain('imap.auth.oauth2.tokenUrl');
    const busy = await refusal(
      provider(clientCredentials, fakeEndpoint([{ status: 503, json: {} }])).token(),
    );
    expect(busy).toMatchObject({ code: 'OAUTH2_SERVER_ERROR', permanent: false });
  });

  it('when the answer has no access token, then it is a bad response, and a later request tries again', async () => {
    const endpoint = fakeEndpoint([{ status: 200, json: { token_type: 'Bearer' } }, token('t2', 3600)]);
    const p = provider(clientCredentials, endpoint);
    expect((await refusal(p.token())).code).toBe('OAUTH2_BAD_RESPONSE');
    expect(await p.token()).toBe('t2');
  });

  it('when the provider is Microsoft, then the tenant token endpoint is asked for the Exchange Online default scope', async () => {
    const endpoint = fakeEndpoint([token('t1', 3600)]);
    const p = provider(
      {
        kind: 'microsoft',
        tenantId: 'school.onmicrosoft.com',
        clientId: 'app',
        clientSecret: new Secret(SECRET),
      },
      endpoint,
    );
    await p.token();
    expect(endpoint.calls[0]?.url).toBe(
      'https://login.microsoftonline.com/school.onmicrosoft.com/oauth2/v2.0/token',
    );
    expect(endpoint.calls[0]?.body.get('scope')).toBe('https://outlook.office365.com/.default');
    expect(endpoint.calls[0]?.body.get('grant_type')).toBe('client_credentials');
  });

  const googleRefresh: ResolvedOAuth2Config = {
    kind: 'google-refresh-token',
    clientId: 'app.apps.googleusercontent.com',
    clientSecret: new Secret(SECRET),
    refreshToken: new Secret('1//refresh'),
  };

  it("when Google uses a stored refresh token without tokenUrl, then the refresh-token grant goes to Google's token endpoint", async () => {
    const endpoint = fakeEndpoint([token('t1', 3600)]);
    await provider(googleRefresh, endpoint).token();
    expect(endpoint.calls[0]?.url).toBe('https://oauth2.googleapis.com/token');
    expect(Object.fromEntries(endpoint.calls[0]?.body ?? [])).toEqual({
      grant_type: 'refresh_token',
      client_id: 'app.apps.googleusercontent.com',
      client_secret: SECRET,
      refresh_token: '1//refresh',
    });
    const down = await refusal(provider(googleRefresh, fakeEndpoint([])).token());
    expect(down.message).toContain("imap.auth.oauth2 (Google's token endpoint)");
  });

  it('when the Google refresh-token form has a tokenUrl, then the grant goes there, and an unreachable one is named', async () => {
    const configured = { ...googleRefresh, tokenUrl: 'http://127.0.0.1:8080/token' };
    const endpoint = fakeEndpoint([token('t1', 3600)]);
    expect(await provider(configured, endpoint).token()).toBe('t1');
    expect(endpoint.calls.map((call) => call.url)).toEqual(['http://127.0.0.1:8080/token']);
    expect(endpoint.calls[0]?.body.get('grant_type')).toBe('refresh_token');
    const down = await refusal(provider(configured, fakeEndpoint([])).token());
    expect(down).toMatchObject({ code: 'OAUTH2_UNREACHABLE', permanent: false });
    expect(down.message).toContain('imap.auth.oauth2.tokenUrl');
  });

  it('when Google uses a service account, then an RS256 JWT for the mailbox with the mail scope is sent (RFC 7523)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = {
      type: 'service_account',
      client_email: 'hwc@school-project.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      private_key_id: 'kid-1',
      token_uri: 'https://oauth2.googleapis.com/token',
    };
    const clock = { now: 1_764_000_000_000 };
    const endpoint = fakeEndpoint([token('t1', 3600)]);
    await provider(
      { kind: 'google-service-account', serviceAccountKey: new Secret(JSON.stringify(key)) },
      endpoint,
      clock,
    ).token();
    const call = endpoint.calls[0];
    expect(call?.url).toBe('https://oauth2.googleapis.com/token');
    expect(call?.body.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [header, claims, signature] = (call?.body.get('assertion') ?? '').split('.');
    const decode = (part: string | undefined) =>
      JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    expect(decode(claims)).toEqual({
      iss: key.client_email,
      sub: 'hwc@school.example.nl',
      scope: 'https://mail.google.com/',
      aud: 'https://oauth2.googleapis.com/token',
      iat: 1_764_000_000,
      exp: 1_764_003_600,
    });
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${claims}`),
        publicKey,
        Buffer.from(signature ?? '', 'base64url'),
      ),
    ).toBe(true);
  });

  it("when Google refuses a service account, then the message names the fix for Google's answer: delegation, a deleted key, or a deleted service account", async () => {
    const key = {
      type: 'service_account',
      client_email: 'hwc@school-project.iam.gserviceaccount.com',
      private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    };
    const serviceAccount: ResolvedOAuth2Config = {
      kind: 'google-service-account',
      serviceAccountKey: new Secret(JSON.stringify(key)),
    };
    const refusedWith = (status: number, error: string) =>
      refusal(provider(serviceAccount, fakeEndpoint([{ status, json: { error } }])).token());

    expect(await refusedWith(401, 'unauthorized_client')).toMatchObject({
      code: 'OAUTH2_CLIENT_REFUSED',
      permanent: true,
      message:
        "the OAuth2 token endpoint refused the client (unauthorized_client); in the Google Admin console, allow domain-wide delegation for the service account's client ID with the scope https://mail.google.com/",
    });
    expect(await refusedWith(400, 'invalid_grant')).toMatchObject({
      code: 'OAUTH2_GRANT_REFUSED',
      permanent: true,
      message:
        "the OAuth2 token endpoint refused the grant (invalid_grant); check that the key in imap.auth.oauth2.serviceAccountKey has not been deleted (Google Cloud console, the service account's Keys), that the mailbox in imap.auth.user exists, and that this machine's clock is right",
    });
    expect(await refusedWith(401, 'invalid_client')).toMatchObject({
      code: 'OAUTH2_CLIENT_REFUSED',
      permanent: true,
      message:
        'the OAuth2 token endpoint refused the client (invalid_client); check that the service account and its key in imap.auth.oauth2.serviceAccountKey still exist',
    });
  });

  it('when an error or the provider is printed, then no token or secret shows', async () => {
    const endpoint = fakeEndpoint([token('access-token-canary', 3600)]);
    const p = provider(clientCredentials, endpoint);
    await p.token();
    const printed = JSON.stringify(p) + String(p) + JSON.stringify(clientCredentials);
    expect(printed).not.toContain('access-token-canary');
    expect(printed).not.toContain(SECRET);
  });

  it('when Microsoft refuses a token at IMAP, then the hint names IMAP.AccessAsApp and Add-MailboxPermission', () => {
    const hint = oauth2RefusalHint(
      { kind: 'microsoft', tenantId: 't', clientId: 'c', clientSecret: new Secret(SECRET) },
      'IMAP',
      'imap.auth.oauth2',
    );
    expect(hint).toContain('IMAP.AccessAsApp');
    expect(hint).toContain('Add-MailboxPermission');
  });
});
