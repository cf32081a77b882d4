import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ImapMailboxOpener } from '../../src/adapters/imap-mailbox.js';
import { OAuth2TokenProvider } from '../../src/adapters/oauth2-token.js';
import { SmtpMailer } from '../../src/adapters/smtp-mailer.js';
import { Secret, type ResolvedOAuth2Config } from '../../src/config/schema.js';
import { runHwc } from '../support/hwc.js';
import { deliver, listMessages, mailstackEnv, waitForMessages } from '../support/mailstack.js';
import {
  startOAuth2Server,
  type TestClient,
  type TestOAuth2Server,
  type TestRefreshClient,
  type TestServiceAccountKey,
} from '../support/oauth2-server.js';
import { createSchool, headerOf, signalMail, textOf, type School } from '../support/school.js';

let idp: TestOAuth2Server;

beforeAll(async () => {
  idp = await startOAuth2Server();
});

afterAll(async () => {
  await idp.stop();
});

/** A school whose daemon signs in with OAuth2 client credentials only (by default to both servers). */
async function oauth2School(
  options: { grant?: 'mailbox' | 'none'; servers?: ('imap' | 'smtp')[] } = {},
): Promise<School & { client: TestClient }> {
  const school = await createSchool({ notify: 'both' });
  const client = idp.addClient(options.grant === 'none' ? undefined : school.hwc.address);
  signInWithOAuth2(
    school,
    options.servers ?? ['imap', 'smtp'],
    {
      tokenUrl: idp.tokenUrl,
      clientId: client.clientId,
      clientSecret: { env: 'HWC_OAUTH2_CLIENT_SECRET' },
      scope: 'mail',
    },
    { HWC_OAUTH2_CLIENT_SECRET: client.clientSecret },
  );
  return { ...school, client };
}

/**
 * A school whose daemon signs in to both servers with a Google service account, its JSON key in a
 * file (chmod 600, outside the state and temp directories) or in an environment variable.
 */
async function googleSchool(
  options: { delegation?: 'mailbox' | 'none'; keyIn?: 'file' | 'env' } = {},
): Promise<School & { key: TestServiceAccountKey }> {
  const school = await createSchool({ notify: 'both' });
  const key = idp.addServiceAccount(options.delegation === 'none' ? undefined : school.hwc.address);
  if (options.keyIn === 'env') {
    signInWithOAuth2(
      school,
      ['imap', 'smtp'],
      { provider: 'google', serviceAccountKey: { env: 'HWC_GOOGLE_SERVICE_ACCOUNT_KEY' } },
      { HWC_GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(key) },
    );
  } else {
    const keyFile = join(school.install.dir, 'google-key.json');
    writeFileSync(keyFile, JSON.stringify(key, null, 2), { mode: 0o600 });
    signInWithOAuth2(school, ['imap', 'smtp'], {
      provider: 'google',
      serviceAccountKey: { file: keyFile },
    });
  }
  return { ...school, key };
}

/**
 * A school whose daemon signs in to both servers with a stored Google refresh token, its client
 * secret in an environment variable and the refresh token in a file (chmod 600, outside the state
 * and temp directories). `tokenUrl` points the grant at the local server instead of Google's.
 */
async function googleRefreshSchool(): Promise<School & { client: TestRefreshClient }> {
  const school = await createSchool({ notify: 'both' });
  const client = idp.addRefreshClient(school.hwc.address);
  const refreshTokenFile = join(school.install.dir, 'google-refresh-token');
  writeFileSync(refreshTokenFile, `${client.refreshToken}\n`, { mode: 0o600 });
  signInWithOAuth2(
    school,
    ['imap', 'smtp'],
    {
      provider: 'google',
      clientId: client.clientId,
      clientSecret: { env: 'HWC_OAUTH2_CLIENT_SECRET' },
      refreshToken: { file: refreshTokenFile },
      tokenUrl: idp.tokenUrl,
    },
    { HWC_OAUTH2_CLIENT_SECRET: client.clientSecret },
  );
  return { ...school, client };
}

/** Writes `oauth2` into the config for the given servers, and drops their passwords from the env. */
function signInWithOAuth2(
  school: School,
  servers: ('imap' | 'smtp')[],
  oauth2: Record<string, unknown>,
  secretEnv: Record<string, string> = {},
): void {
  const config = parse(readFileSync(school.install.configFile, 'utf8')) as Record<
    'imap' | 'smtp',
    Record<string, unknown>
  >;
  for (const server of servers) config[server].auth = { user: school.hwc.address, oauth2 };
  writeFileSync(school.install.configFile, stringify(config));
  // No password where OAuth2 is used: a fallback to PLAIN would fail.
  const { HWC_IMAP_PASSWORD: imapPassword, HWC_SMTP_PASSWORD: smtpPassword, ...env } = school.install.env;
  school.install.env = {
    ...env,
    ...(servers.includes('imap') || imapPassword === undefined ? {} : { HWC_IMAP_PASSWORD: imapPassword }),
    ...(servers.includes('smtp') || smtpPassword === undefined ? {} : { HWC_SMTP_PASSWORD: smtpPassword }),
    ...secretEnv,
  };
}

/**
 * The secrets of a client or service account found in the outputs: its client secret and refresh
 * token, or its private key's base64 lines (a leak inside a JSON log line has its line breaks
 * escaped) and the signatures of the assertions it sent; and every access token issued.
 */
function secretsIn(
  outputs: string[],
  credential: TestClient | TestRefreshClient | TestServiceAccountKey,
): string[] {
  const text = outputs.join('\n');
  const own =
    'clientSecret' in credential
      ? [credential.clientSecret, ...('refreshToken' in credential ? [credential.refreshToken] : [])]
      : [
          ...credential.private_key
            .split('\n')
            .filter((line) => line.length >= 40 && !line.startsWith('-----')),
          ...idp.assertions(credential.client_email).map((assertion) => assertion.split('.')[2] ?? assertion),
        ];
  return [...own, ...idp.issuedTokens()].filter((secret) => text.includes(secret));
}

/** Every file the program wrote (state, temp files), as text, for secretsIn. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'));
}

function stackLog(name: string): string {
  return readFileSync(join(mailstackEnv().dir, 'log', name), 'utf8');
}

/** The log line of the failed check, parsed. */
function failureOf(stdout: string): unknown {
  return JSON.parse(stdout.split('\n').find((line) => line.includes('"outcome":"failed"')) ?? '{}');
}

async function deliverSignal(s: School, id: string): Promise<void> {
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
}

/**
 * Runs a morning check signed in with OAuth2 for IMAP and SMTP, and checks the whole story: both
 * contacts notified, Veilig Thuis acknowledged, the inbox purged, one token for IMAP and one for
 * SMTP (`id` is what the token endpoint counts requests for), token sign-ins in the servers' logs,
 * and no secret of `credential` or token in the output or in any file written.
 */
async function expectCheckSignedInWithOAuth2(
  s: School,
  signalId: string,
  id: string,
  credential: TestClient | TestRefreshClient | TestServiceAccountKey,
): Promise<void> {
  await deliverSignal(s, signalId);
  const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
  expect(run.code, run.stdout + run.stderr).toBe(0);

  for (const contact of [s.zorg, s.backup]) {
    const [notification] = await waitForMessages(contact, 'INBOX', 1, 10_000);
    expect(await textOf(notification)).toContain('Codewoord: Handle with Care');
  }
  const [ack] = await waitForMessages(s.vt, 'INBOX', 1, 10_000);
  expect(ack && headerOf(ack.source, 'In-Reply-To')).toBe(`<${signalId}>`);
  expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(0);
  expect(idp.tokenRequests(id)).toBe(2);
  // The servers saw token sign-ins, not passwords.
  expect(stackLog('dovecot.log')).toMatch(
    new RegExp(`imap-login: Info: Login: user=<${s.hwc.address}>, method=(OAUTHBEARER|XOAUTH2)`),
  );
  expect(stackLog('postfix.log')).toMatch(new RegExp(`sasl_method=XOAUTH2, sasl_username=${s.hwc.address}`));
  const written = [...filesUnder(s.install.storage), ...filesUnder(s.install.tmp)];
  expect(written.length).toBeGreaterThan(0);
  expect(secretsIn([run.stdout, run.stderr, ...written], credential)).toEqual([]);
}

/**
 * Signs in in-process with tokens that live 2 s: a second IMAP sign-in reuses the token; once it
 * has expired, IMAP refuses it, and the next sign-ins to IMAP and SMTP fetch and use a fresh one.
 * `id` is the client id or service account that the token endpoint counts requests for.
 */
async function expectRefreshAfterExpiry(s: School, config: ResolvedOAuth2Config, id: string): Promise<void> {
  const env = mailstackEnv();
  const ca = readFileSync(env.caFile, 'utf8');
  idp.lifetimeSeconds = 2;
  try {
    const tokens = new OAuth2TokenProvider(config, { key: 'imap.auth.oauth2', user: s.hwc.address });
    const oauth2 = { tokens, refusalHint: 'grant it' };
    const server = { host: env.host, secure: false, rejectUnauthorized: true, ca, user: s.hwc.address };
    const opener = new ImapMailboxOpener({ ...server, port: env.imapPort, oauth2 }, { delaysMs: [] });

    await (await opener.open({ readOnly: true })).close();
    await (await opener.open({ readOnly: true })).close();
    expect(idp.tokenRequests(id)).toBe(1);
    const first = await tokens.token();

    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const stale = new ImapFlow({
      host: env.host,
      port: env.imapPort,
      secure: false,
      doSTARTTLS: true,
      tls: { ca: [ca] },
      auth: { user: s.hwc.address, accessToken: first },
      logger: false,
    });
    stale.on('error', () => undefined);
    await expect(stale.connect()).rejects.toMatchObject({ authenticationFailed: true });

    await (await opener.open({ readOnly: true })).close();
    expect(idp.tokenRequests(id)).toBe(2);

    const mailer = new SmtpMailer({
      ...server,
      port: env.submissionPort,
      oauth2,
      from: { address: s.hwc.address },
    });
    try {
      const sent = await mailer.send({
        kind: 'alert',
        to: [s.zorg.address],
        subject: 'test',
        text: 'test',
        messageId: `oauth2-refresh@${s.hwc.address.split('@')[1] ?? ''}`,
      });
      expect(sent.accepted).toEqual([s.zorg.address]);
    } finally {
      mailer.close();
    }
  } finally {
    idp.lifetimeSeconds = 3600;
  }
}

describe('OAuth2 sign-in against the real Dovecot and Postfix', () => {
  it('when the daemon signs in with OAuth2 client credentials, then the signal is notified over SMTP XOAUTH2 and purged over IMAP, and no token or secret is printed', async () => {
    const s = await oauth2School();
    await expectCheckSignedInWithOAuth2(s, 'oauth2-1@veiligthuis.test', s.client.clientId, s.client);
  });

  it('when a token expires, then a fresh one is fetched before the next sign-in, and the expired one is refused', async () => {
    const s = await oauth2School();
    await expectRefreshAfterExpiry(
      s,
      {
        kind: 'client-credentials',
        tokenUrl: idp.tokenUrl,
        clientId: s.client.clientId,
        clientSecret: new Secret(s.client.clientSecret),
        scope: 'mail',
      },
      s.client.clientId,
    );
  });

  it('when the OAuth2 client is revoked, then hwc check exits 1 with a log line that names the keys to check, and prints no token or secret', async () => {
    const s = await oauth2School();
    const ok = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    idp.revoke(s.client.clientId);

    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    const failure = run.stdout.split('\n').find((line) => line.includes('"outcome":"failed"')) ?? '';
    expect(JSON.parse(failure)).toMatchObject({
      step: 'check',
      err: { code: 'OAUTH2_CLIENT_REFUSED' },
      msg: expect.stringContaining(
        'the OAuth2 token endpoint refused the client (invalid_client); check imap.auth.oauth2.clientId and imap.auth.oauth2.clientSecret',
      ) as unknown,
    });
    expect(secretsIn([ok.stdout, ok.stderr, run.stdout, run.stderr], s.client)).toEqual([]);
  });

  it('when the app was not given the mailbox, then the token is fetched once more and the log line names the missing permission', async () => {
    const s = await oauth2School({ grant: 'none' });
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('"code":"IMAP_OAUTH2_REFUSED"');
    expect(run.stdout).toContain(
      'IMAP refused the OAuth2 token for the mailbox in imap.auth.user; check that the app may use IMAP',
    );
    // The first token, then one forced refresh for IMAP; nothing with backoff after that. SMTP may
    // ask too, for the dead-man alarm after the deadline.
    expect(idp.tokenRequests(s.client.clientId)).toBeGreaterThanOrEqual(2);
    expect(idp.tokenRequests(s.client.clientId)).toBeLessThanOrEqual(4);
    expect(secretsIn([run.stdout, run.stderr], s.client)).toEqual([]);
  });

  it('when SMTP refuses the token for sending, then nothing is purged and the log line names the sending permission', async () => {
    const s = await oauth2School({ grant: 'none', servers: ['smtp'] });
    await deliverSignal(s, 'oauth2-smtp-1@veiligthuis.test');
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SMTP refused the OAuth2 token for the mailbox in smtp.auth.user');
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(secretsIn([run.stdout, run.stderr], s.client)).toEqual([]);
  });
});

describe('Google service account sign-in (JWT bearer grant, RFC 7523) against the real Dovecot and Postfix', () => {
  it('when a school signs in with a Google service account, then the morning check notifies over SMTP XOAUTH2, acknowledges and purges over IMAP, and no token or key material is printed or written', async () => {
    const s = await googleSchool();
    await expectCheckSignedInWithOAuth2(s, 'google-sa-1@veiligthuis.test', s.key.client_email, s.key);
    // Each signed assertion was for the HwC mailbox, at the key's own token endpoint.
    const claims = idp
      .assertions(s.key.client_email)
      .map((assertion) =>
        JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')),
      );
    expect(claims).toEqual([
      expect.objectContaining({ sub: s.hwc.address, aud: s.key.token_uri }),
      expect.objectContaining({ sub: s.hwc.address, aud: s.key.token_uri }),
    ]);
  });

  it('when the token expires between checks, then a new assertion is signed and the next sign-ins to IMAP and SMTP work', async () => {
    const s = await googleSchool();
    await expectRefreshAfterExpiry(
      s,
      { kind: 'google-service-account', serviceAccountKey: new Secret(JSON.stringify(s.key)) },
      s.key.client_email,
    );
    const [first, second] = idp.assertions(s.key.client_email);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('when domain-wide delegation is missing, then hwc check exits 1 with a log line that names the Admin console fix, and nothing is purged', async () => {
    const s = await googleSchool({ delegation: 'none' });
    await deliverSignal(s, 'google-sa-2@veiligthuis.test');

    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    expect(failureOf(run.stdout)).toMatchObject({
      step: 'check',
      err: { code: 'OAUTH2_CLIENT_REFUSED' },
      msg: expect.stringContaining(
        "the OAuth2 token endpoint refused the client (unauthorized_client); in the Google Admin console, allow domain-wide delegation for the service account's client ID with the scope https://mail.google.com/",
      ) as unknown,
    });
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(secretsIn([run.stdout, run.stderr], s.key)).toEqual([]);
  });

  it.each([
    [
      'service account key',
      {
        keyIn: 'file' as const,
        remove: (key: TestServiceAccountKey) => idp.deleteKey(key.private_key_id),
        code: 'OAUTH2_GRANT_REFUSED',
        message:
          'the OAuth2 token endpoint refused the grant (invalid_grant); check that the key in imap.auth.oauth2.serviceAccountKey has not been deleted',
      },
    ],
    [
      'service account',
      {
        keyIn: 'env' as const,
        remove: (key: TestServiceAccountKey) => idp.revoke(key.client_email),
        code: 'OAUTH2_CLIENT_REFUSED',
        message:
          'the OAuth2 token endpoint refused the client (invalid_client); check that the service account and its key in imap.auth.oauth2.serviceAccountKey still exist',
      },
    ],
  ] as const)(
    'when the %s was deleted, then hwc check exits 1 with a log line that names serviceAccountKey, and prints no token or key material',
    async (_what, { keyIn, remove, code, message }) => {
      const s = await googleSchool({ keyIn });
      const ok = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      remove(s.key);

      const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(run.code).toBe(1);
      expect(failureOf(run.stdout)).toMatchObject({
        step: 'check',
        err: { code },
        msg: expect.stringContaining(message) as unknown,
      });
      expect(secretsIn([ok.stdout, ok.stderr, run.stdout, run.stderr], s.key)).toEqual([]);
    },
  );
});

describe('Google sign-in with a stored refresh token (RFC 6749 6) against the real Dovecot and Postfix', () => {
  it('when a school signs in with a stored Google refresh token, then the check notifies over SMTP XOAUTH2, acknowledges and purges over IMAP, and no token, refresh token or client secret is printed or written', async () => {
    const s = await googleRefreshSchool();
    // Each refresh is accepted only with this client's refresh token.
    await expectCheckSignedInWithOAuth2(s, 'google-rt-1@veiligthuis.test', s.client.clientId, s.client);
  });

  it('when the access token expires between checks, then the refresh token is used again and the next sign-ins to IMAP and SMTP work', async () => {
    const s = await googleRefreshSchool();
    await expectRefreshAfterExpiry(
      s,
      {
        kind: 'google-refresh-token',
        clientId: s.client.clientId,
        clientSecret: new Secret(s.client.clientSecret),
        refreshToken: new Secret(s.client.refreshToken),
        tokenUrl: idp.tokenUrl,
      },
      s.client.clientId,
    );
  });

  it('when the refresh token was revoked, then hwc check exits 1 with a log line that names refreshToken and says to create a new one, nothing is purged, and no token or secret is printed', async () => {
    const s = await googleRefreshSchool();
    const ok = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    idp.revokeRefreshToken(s.client.clientId);
    await deliverSignal(s, 'google-rt-2@veiligthuis.test');

    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code).toBe(1);
    expect(failureOf(run.stdout)).toMatchObject({
      step: 'check',
      err: { code: 'OAUTH2_GRANT_REFUSED' },
      msg: expect.stringContaining(
        'the OAuth2 token endpoint refused the grant (invalid_grant); the refresh token in imap.auth.oauth2.refreshToken was revoked or has expired; create a new one',
      ) as unknown,
    });
    expect(await listMessages(s.hwc, 'INBOX')).toHaveLength(1);
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(secretsIn([ok.stdout, ok.stderr, run.stdout, run.stderr], s.client)).toEqual([]);
  });
});

describe('hwc doctor with OAuth2 sign-in against the real Dovecot and Postfix', () => {
  function doctor(s: School, extra: string[] = []) {
    return runHwc(['doctor', '--config', s.install.configFile, ...extra], { env: s.install.env });
  }

  it('when a school signs in with OAuth2 client credentials, then the IMAP and SMTP logins are OK, --send-test reaches both contacts, and no token or secret is printed', async () => {
    const s = await oauth2School();
    const run = await doctor(s, ['--send-test']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^OK {4}imap login: logged in; UIDPLUS; folders it will purge: INBOX/m);
    expect(run.stdout).toMatch(/^OK {4}smtp login: logged in at /m);
    expect(run.stdout).toMatch(/^OK {4}test mail: accepted for the primary and the backup contact/m);
    for (const contact of [s.zorg, s.backup]) {
      const [mail] = await waitForMessages(contact, 'INBOX', 1, 10_000);
      expect(await textOf(mail)).toContain('Dit is een testbericht van hwc-watcher');
    }
    expect(stackLog('postfix.log')).toMatch(
      new RegExp(`sasl_method=XOAUTH2, sasl_username=${s.hwc.address}`),
    );
    expect(secretsIn([run.stdout, run.stderr], s.client)).toEqual([]);
  });

  it('when the servers refuse the token because the app was not given the mailbox, then both logins FAIL naming the permission to grant, and it exits 1', async () => {
    const s = await oauth2School({ grant: 'none' });
    const run = await doctor(s, ['--send-test']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'FAIL  imap login: IMAP refused the OAuth2 token for the mailbox in imap.auth.user; check that the app may use IMAP for the mailbox in imap.auth.user and that imap.auth.oauth2.scope grants mail access\n',
    );
    expect(run.stdout).toContain(
      'FAIL  smtp login: SMTP refused the OAuth2 token for the mailbox in smtp.auth.user; check that the app may use SMTP for the mailbox in smtp.auth.user and that smtp.auth.oauth2.scope grants mail access\n',
    );
    expect(run.stdout).toMatch(/^FAIL {2}test mail: not sent, because the SMTP login failed/m);
    expect(await listMessages(s.zorg, 'INBOX')).toHaveLength(0);
    expect(secretsIn([run.stdout, run.stderr], s.client)).toEqual([]);
  });

  it('when the OAuth2 client is revoked, then the IMAP login FAILs naming the client settings to check', async () => {
    const s = await oauth2School();
    idp.revoke(s.client.clientId);
    const run = await doctor(s);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL {2}imap login: the OAuth2 token endpoint refused the client \(invalid_client\); check imap\.auth\.oauth2\.clientId and imap\.auth\.oauth2\.clientSecret/m,
    );
    expect(run.stdout).toMatch(
      /^FAIL {2}smtp login: the OAuth2 token endpoint refused the client \(invalid_client\); check smtp\.auth\.oauth2\.clientId and smtp\.auth\.oauth2\.clientSecret/m,
    );
    expect(secretsIn([run.stdout, run.stderr], s.client)).toEqual([]);
  });
});
