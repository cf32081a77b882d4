import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { OAuth2TokenProvider } from '../../src/adapters/oauth2-token.js';
import { loadConfig } from '../../src/config/load-config.js';
import { parseConfig } from '../../src/config/parse-config.js';
import type { Config } from '../../src/config/schema.js';

const ENV = {
  HWC_IMAP_PASSWORD: 'imap-secret-value',
  HWC_OAUTH2_CLIENT_SECRET: 'client-secret-value',
  HWC_OAUTH2_REFRESH_TOKEN: 'refresh-token-value',
};

function base(oauth2: unknown, server: 'imap' | 'smtp' = 'imap'): Record<string, unknown> {
  const raw = parse(
    readFileSync(resolve(import.meta.dirname, '../../config/hwc.example.yaml'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  raw.imap!.auth = { user: 'hwc@school.example.nl', pass: { env: 'HWC_IMAP_PASSWORD' } };
  raw.smtp!.auth = { user: 'hwc@school.example.nl', pass: { env: 'HWC_IMAP_PASSWORD' } };
  raw[server]!.auth = { user: 'hwc@school.example.nl', oauth2 };
  return raw;
}

function errorsOf(raw: unknown, env: Record<string, string> = ENV): string[] {
  const result = parseConfig(raw, env);
  if (!('errors' in result)) throw new Error('expected errors, got a config');
  return result.errors;
}

function ok(raw: unknown): Config {
  const result = parseConfig(raw, ENV);
  if ('errors' in result) throw new Error(`unexpected errors:\n${result.errors.join('\n')}`);
  return result.config;
}

const secret = { env: 'HWC_OAUTH2_CLIENT_SECRET' };

/** The Google refresh-token form, with `extra` keys. */
const googleRefresh = (extra: Record<string, unknown> = {}) => ({
  provider: 'google',
  clientId: 'c',
  clientSecret: secret,
  refreshToken: { env: 'HWC_OAUTH2_REFRESH_TOKEN' },
  ...extra,
});

describe('parseConfig: auth.oauth2', () => {
  it('when oauth2 names Microsoft with tenant, client and secret, then it is accepted without a password', () => {
    const config = ok(
      base({
        provider: 'microsoft',
        tenantId: 'school.onmicrosoft.com',
        clientId: 'app-id',
        clientSecret: secret,
      }),
    );
    expect(config.imap.auth).toEqual({
      user: 'hwc@school.example.nl',
      oauth2: {
        kind: 'microsoft',
        tenantId: 'school.onmicrosoft.com',
        clientId: 'app-id',
        clientSecret: secret,
      },
    });
  });

  it('when oauth2 names Google with a service account key or a refresh token, then each is accepted', () => {
    expect(
      ok(base({ provider: 'google', serviceAccountKey: { file: 'key.json' } })).imap.auth.oauth2,
    ).toEqual({
      kind: 'google-service-account',
      serviceAccountKey: { file: 'key.json' },
    });
    expect(
      ok(
        base({
          provider: 'google',
          clientId: 'c',
          clientSecret: secret,
          refreshToken: { env: 'HWC_OAUTH2_REFRESH_TOKEN' },
        }),
      ).imap.auth.oauth2,
    ).toMatchObject({ kind: 'google-refresh-token', refreshToken: { env: 'HWC_OAUTH2_REFRESH_TOKEN' } });
  });

  it('when the Google refresh-token form has no tokenUrl, then the parsed config has none either', () => {
    expect(ok(base(googleRefresh())).imap.auth.oauth2).toStrictEqual({
      kind: 'google-refresh-token',
      clientId: 'c',
      clientSecret: secret,
      refreshToken: { env: 'HWC_OAUTH2_REFRESH_TOKEN' },
    });
  });

  it("when the Google refresh-token form has a tokenUrl that is Google's or on loopback, then it is accepted", () => {
    for (const tokenUrl of [
      'https://oauth2.googleapis.com/token',
      'http://127.0.0.1:8080/token',
      'https://localhost/token',
      'http://[::1]:9/token',
    ]) {
      expect(ok(base(googleRefresh({ tokenUrl }))).imap.auth.oauth2, tokenUrl).toMatchObject({
        kind: 'google-refresh-token',
        tokenUrl,
      });
    }
  });

  it('when the Google refresh-token form has a tokenUrl on another host, then it is refused, as the client secret and refresh token would go there', () => {
    for (const tokenUrl of [
      'https://evil.example/token',
      'http://127.0.0.1.example.nl/',
      'http://oauth2.googleapis.com/token',
      'https://idp.example.nl#.googleapis.com/',
      'not a url',
    ]) {
      expect(errorsOf(base(googleRefresh({ tokenUrl }))), tokenUrl).toEqual([
        `imap.auth.oauth2.tokenUrl: expected Google's token endpoint (the default; leave tokenUrl out) or a loopback URL, got ${JSON.stringify(tokenUrl)}`,
      ]);
    }
    expect(errorsOf(base(googleRefresh({ tokenUrl: 42 })))).toEqual([
      "imap.auth.oauth2.tokenUrl: expected Google's token endpoint (the default; leave tokenUrl out) or a loopback URL, got 42",
    ]);
  });

  it("when a service account has a tokenUrl, then the error says that the key's token_uri names the endpoint", () => {
    expect(
      errorsOf(
        base({
          provider: 'google',
          serviceAccountKey: { file: 'key.json' },
          tokenUrl: 'http://127.0.0.1:8080/token',
        }),
      ),
    ).toEqual([
      'imap.auth.oauth2.tokenUrl: unknown key with serviceAccountKey; the key\'s "token_uri" names the token endpoint',
    ]);
  });

  it('when oauth2 has a token URL, client, secret and scope, then it is generic client credentials', () => {
    const auth = ok(
      base(
        { tokenUrl: 'https://idp.example.nl/token', clientId: 'c', clientSecret: secret, scope: 'mail' },
        'smtp',
      ),
    ).smtp.auth;
    expect(auth.oauth2?.kind).toBe('client-credentials');
  });

  it('when both pass and oauth2 are given, then the error says to keep one', () => {
    const raw = base({ provider: 'microsoft', tenantId: 't', clientId: 'c', clientSecret: secret });
    (raw['imap'] as { auth: Record<string, unknown> }).auth['pass'] = { env: 'HWC_IMAP_PASSWORD' };
    expect(errorsOf(raw)).toEqual([
      'imap.auth: expected exactly one of pass and oauth2, got both; remove pass to sign in with OAuth2, or oauth2 to sign in with the password',
    ]);
  });

  it('when neither pass nor oauth2 is given, then the error names both', () => {
    const raw = base(undefined);
    expect(errorsOf(raw)).toEqual([
      'imap.auth.pass: missing; add pass: { env: NAME }, { file: PATH } or { credential: NAME }, or oauth2: to sign in with OAuth2 (see "OAuth2 sign-in" in the README)',
    ]);
  });

  it('when a Microsoft sign-in lacks its tenant and secret, then each missing key is named with where to find it', () => {
    expect(errorsOf(base({ provider: 'microsoft', clientId: 'c' }))).toEqual([
      'imap.auth.oauth2.tenantId: missing; add tenantId: the directory (tenant) ID from the app registration in Entra ID',
      'imap.auth.oauth2.clientSecret: missing; add clientSecret: { env: NAME }, { file: PATH } or { credential: NAME }, the client secret of the app registration',
    ]);
  });

  it('when the provider is unknown or a key is misspelt, then the key and the fix are named', () => {
    expect(errorsOf(base({ provider: 'yahoo' }))).toEqual([
      'imap.auth.oauth2.provider: expected microsoft or google, got "yahoo"; for another provider remove provider: and give tokenUrl, clientId, clientSecret and scope',
    ]);
    expect(
      errorsOf(base({ provider: 'microsoft', tenantId: 't', clientID: 'c', clientSecret: secret })),
    ).toEqual([
      'imap.auth.oauth2.clientID: unknown key; did you mean "clientId"?',
      'imap.auth.oauth2.clientId: missing; add clientId: the application (client) ID from the app registration in Entra ID',
    ]);
  });

  it('when the token URL is plain http to another host, then it is refused', () => {
    expect(
      errorsOf(
        base({ tokenUrl: 'http://idp.example.nl/token', clientId: 'c', clientSecret: secret, scope: 's' }),
      ),
    ).toEqual([
      'imap.auth.oauth2.tokenUrl: expected an https:// URL, got "http://idp.example.nl/token"; the client secret must not cross a network in clear text',
    ]);
  });

  it('when the client secret is written in plain text, then it is refused without being echoed', () => {
    const errors = errorsOf(
      base({ provider: 'microsoft', tenantId: 't', clientId: 'c', clientSecret: 'very-secret-text' }),
    );
    expect(errors).toEqual([
      'imap.auth.oauth2.clientSecret: a client secret in plain text is refused; use { env: NAME }, { file: PATH } or { credential: NAME } (systemd LoadCredential), or set allowPlaintextPassword: true at the top level to accept the risk',
    ]);
    expect(errors.join('\n')).not.toContain('very-secret-text');
  });

  it('when the client secret names an unset environment variable, then that is said at once', () => {
    expect(
      errorsOf(base({ provider: 'microsoft', tenantId: 't', clientId: 'c', clientSecret: { env: 'NOPE' } })),
    ).toEqual([
      'imap.auth.oauth2.clientSecret: environment variable NOPE is not set; set it, or use { file: /path }',
    ]);
  });
});

describe('loadConfig: auth.oauth2', () => {
  function install(oauth2: unknown, files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'hwc-oauth2-config-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const raw = base(oauth2);
    writeFileSync(join(dir, 'hwc.yaml'), stringify({ ...raw, storage: 'state' }));
    return join(dir, 'hwc.yaml');
  }

  it('when the client secret is in a file, then it is resolved as a Secret', async () => {
    const path = install(
      {
        tokenUrl: 'http://127.0.0.1:9/token',
        clientId: 'c',
        clientSecret: { file: 'client-secret' },
        scope: 's',
      },
      { 'client-secret': 'from-the-file\n' },
    );
    const result = await loadConfig(path, { env: ENV, cwd: '/' });
    if (!('config' in result)) throw new Error(result.errors.join('\n'));
    const oauth2 = result.config.imap.auth.oauth2;
    expect(oauth2?.kind === 'client-credentials' && oauth2.clientSecret.reveal()).toBe('from-the-file');
    expect(JSON.stringify(result.config)).not.toContain('from-the-file');
  });

  it("when the Google refresh-token form is loaded, then the token provider asks Google's token endpoint, or the loopback tokenUrl when one is given", async () => {
    for (const [extra, expected] of [
      [{}, 'https://oauth2.googleapis.com/token'],
      [{ tokenUrl: 'http://127.0.0.1:8080/token' }, 'http://127.0.0.1:8080/token'],
    ] as const) {
      const result = await loadConfig(install(googleRefresh(extra), {}), { env: ENV, cwd: '/' });
      if (!('config' in result)) throw new Error(result.errors.join('\n'));
      const oauth2 = result.config.imap.auth.oauth2;
      if (oauth2 === undefined) throw new Error('expected oauth2');
      const urls: string[] = [];
      const fetchStub = (input: string | URL | Request): Promise<Response> => {
        urls.push(String(input));
        return Promise.resolve(Response.json({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
      };
      const tokens = new OAuth2TokenProvider(oauth2, {
        key: 'imap.auth.oauth2',
        user: 'hwc@school.example.nl',
        fetch: fetchStub as typeof fetch,
      });
      expect(await tokens.token()).toBe('t');
      expect(urls).toEqual([expected]);
    }
  });

  it('when the service account key is a valid JSON key, then it loads; when it is not one, then the key is named without its content', async () => {
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const good = install(
      { provider: 'google', serviceAccountKey: { file: 'key.json' } },
      {
        'key.json': JSON.stringify({
          type: 'service_account',
          client_email: 'a@b.iam.gserviceaccount.com',
          private_key: privateKey,
        }),
      },
    );
    expect('config' in (await loadConfig(good, { env: ENV, cwd: '/' }))).toBe(true);

    const bad = install(
      { provider: 'google', serviceAccountKey: { file: 'key.json' } },
      { 'key.json': JSON.stringify({ type: 'authorized_user', client_secret: 'leak-me-not' }) },
    );
    const result = await loadConfig(bad, { env: ENV, cwd: '/' });
    expect('errors' in result && result.errors).toEqual([
      'imap.auth.oauth2.serviceAccountKey: not a service account key (its "type" is not "service_account"); in the Google Cloud console, create a JSON key for the service account (Keys, Add key, JSON) and point serviceAccountKey at that file',
    ]);
  });

  it("when the key's token_uri is on loopback, then it loads; when it is another host, then it is refused, as the key would send its signed assertion there", async () => {
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const withTokenUri = (tokenUri: string) =>
      install(
        { provider: 'google', serviceAccountKey: { file: 'key.json' } },
        {
          'key.json': JSON.stringify({
            type: 'service_account',
            client_email: 'a@b.iam.gserviceaccount.com',
            private_key: privateKey,
            token_uri: tokenUri,
          }),
        },
      );
    for (const accepted of [
      'https://oauth2.googleapis.com/token',
      'https://accounts.google.com/o/oauth2/token',
      'http://127.0.0.1:8080/token',
      'https://localhost/token',
      'http://[::1]:9/token',
    ]) {
      const result = await loadConfig(withTokenUri(accepted), { env: ENV, cwd: '/' });
      expect('errors' in result ? result.errors : [], accepted).toEqual([]);
    }
    for (const refused of [
      'http://127.0.0.1.example.nl/token',
      'https://idp.example.nl/token',
      'http://oauth2.googleapis.com/token',
      'https://idp.example.nl#.googleapis.com/',
      'https://idp.example.nl\\.googleapis.com/',
      'file:///etc/hwc/token',
      'not a url',
    ]) {
      const result = await loadConfig(withTokenUri(refused), { env: ENV, cwd: '/' });
      expect('errors' in result && result.errors, refused).toEqual([
        'imap.auth.oauth2.serviceAccountKey: the key\'s "token_uri" is neither a Google https:// endpoint nor on loopback; in the Google Cloud console, create a JSON key for the service account (Keys, Add key, JSON) and point serviceAccountKey at that file',
      ]);
    }
  });
});
