import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { deliver, listMessages, waitForMessages } from '../support/mailstack.js';
import { startHwc, type RunningHwc } from '../support/daemon.js';
import { CANARY, createSchool, signalMail, textOf, type School } from '../support/school.js';
import { canaryForms, scanForCanaries } from '../support/canary.js';
import { canaryInMailboxes, freePort, LINK_PATTERN } from '../support/link-mode.js';
import { DATABASE_FILE, SqliteStore } from '../../src/adapters/sqlite-store.js';
import { startLinkServer } from '../../src/web/link-server.js';
import type { LinkActionDeps } from '../../src/web/link-actions.js';
import { networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const skip = !present && process.env.CI !== 'true';
if (skip)
  console.warn(`link-mode: skipped because ${CHROMIUM} is missing; apt-get install chromium to run it`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

interface LinkSchool {
  s: School;
  hwc: RunningHwc;
  base: string;
}

/** A school in link mode whose signal was waiting before `hwc run` started. */
async function linkSchool(
  id: string,
  web: Record<string, unknown> = {},
  notify = 'escalate',
): Promise<LinkSchool> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const s = await createSchool({
    deliver: 'link',
    web: { listen: `127.0.0.1:${port}`, baseUrl: base, maxReveals: 3, ...web },
    notify,
    escalateAfter: '1h',
    schedule: { checks: ['23:59'], days: EVERY_DAY, deadline: '23:59' },
  });
  await deliver(signalMail(s.vt.address, s.hwc.address, { id }), { from: s.vt.address, to: [s.hwc.address] });
  await waitForMessages(s.hwc, 'INBOX', 1, 10_000);
  const hwc = startHwc(['run', '--config', s.install.configFile], { env: s.install.env });
  await hwc.waitForOutput(/link page listening/);
  return { s, hwc, base };
}

/** The one link in a notification, which must hold nothing of the child. */
async function linkIn(user: School['zorg'], count = 1): Promise<string> {
  const messages = await waitForMessages(user, 'INBOX', count, 30_000);
  const mail = messages[count - 1]!;
  const text = await textOf(mail);
  const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
  expect(scanForCanaries(forms, [], { raw: mail.source.toString('latin1'), text }).hits).toEqual([]);
  const link = LINK_PATTERN.exec(text)?.[0];
  expect(link, text).toBeDefined();
  return link as string;
}

function signalRow(s: School): {
  confirmed_at: string | null;
  purged_at: string | null;
  handed_on_at: string | null;
} {
  const db = new Database(join(s.install.storage, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT confirmed_at, purged_at, handed_on_at FROM signals').get() as never;
  } finally {
    db.close();
  }
}

async function browser(): Promise<{ context: BrowserContext; close: () => Promise<void>; profile: string }> {
  const work = mkdtempSync(join(tmpdir(), 'hwc-link-chromium-'));
  const profile = join(work, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 390, height: 844 },
  });
  return {
    context,
    profile,
    close: async () => {
      await context.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** What a link scanner does: fetch the link, follow nothing, submit nothing. */
async function scannerGet(link: string): Promise<Response> {
  const response = await fetch(link, { redirect: 'manual' });
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  expect(response.headers.get('content-security-policy')).not.toMatch(/script-src|unsafe/);
  return response;
}

async function waitForPurge(s: School): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await listMessages(s.hwc, 'INBOX')).length > 0 || !signalRow(s).purged_at) {
    if (Date.now() > deadline) throw new Error('the signal was not purged');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** After the scenario: the child is in no mailbox at all, and in no file or log hwc wrote. */
async function nothingLeft(s: School, hwc: RunningHwc): Promise<void> {
  expect(await canaryInMailboxes([s.hwc, s.zorg, s.backup, s.vt])).toEqual([]);
  const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
  const out = hwc.output();
  const found = scanForCanaries(forms, [s.install.storage, s.install.tmp], {
    stdout: out.stdout,
    stderr: out.stderr,
  });
  expect(found.filesScanned).toBeGreaterThan(0);
  expect(found.hits).toEqual([]);
}

describe('the link mode end to end (real Dovecot and Postfix, Chromium)', () => {
  it.skipIf(skip)(
    'when a signal waits at start, then the notification holds only a link, a GET reveals and confirms nothing, the button reveals the child, confirming purges it, and the link then says it is gone',
    async () => {
      const { s, hwc } = await linkSchool('link-confirm-1@veiligthuis.test');
      const b = await browser();
      try {
        const link = await linkIn(s.zorg);
        // Before anyone looked, the child is in the HwC mailbox and nowhere else.
        expect(await canaryInMailboxes([s.hwc, s.zorg, s.backup, s.vt])).toEqual([`${s.hwc.address} INBOX`]);

        const scanned = await scannerGet(link);
        const scannedHtml = await scanned.text();
        expect(scanned.status).toBe(200);
        expect(scannedHtml).toContain('Toon het signaal');
        expect(scannedHtml).not.toContain(CANARY.name);
        expect(signalRow(s).confirmed_at).toBeNull();

        const requests: string[] = [];
        const page = await b.context.newPage();
        page.on('request', (request) => requests.push(request.url()));
        await page.goto(link);
        expect(await page.content()).not.toContain(CANARY.name);
        await page.getByRole('button', { name: 'Toon het signaal' }).click();
        await page.waitForSelector('dl.child');
        const shown = await page.content();
        expect(shown).toContain(CANARY.name);
        expect(shown).toContain(CANARY.dutchDate);
        expect(signalRow(s).confirmed_at).toBeNull();

        await page.getByRole('button', { name: 'Gezien, ik zorg voor de leerling' }).click();
        await page.getByRole('heading', { name: 'Bevestigd' }).waitFor();
        expect(signalRow(s).confirmed_at).not.toBeNull();
        await waitForPurge(s);

        await page.goto(link);
        const gone = await page.content();
        expect(gone).toContain('afgehandeld en uit de HwC-mailbox verwijderd');
        expect(gone).not.toContain(CANARY.name);
        // Everything the browser asked for was this server's own page.
        expect(requests.every((url) => url.startsWith(new URL(link).origin))).toBe(true);
        // Nobody else was told: the primary confirmed well before escalateAfter.
        expect(await listMessages(s.backup, 'INBOX')).toHaveLength(0);
      } finally {
        await b.close();
        expect((await hwc.stop()).code).toBe(0);
      }
      await nothingLeft(s, hwc);
    },
    120_000,
  );

  it.skipIf(skip)(
    'when the primary contact hands the signal on, then the backup is told at once with a link of its own, confirms there, and the signal is purged',
    async () => {
      const { s, hwc } = await linkSchool('link-handon-1@veiligthuis.test');
      const b = await browser();
      try {
        const primaryLink = await linkIn(s.zorg);
        const page = await b.context.newPage();
        await page.goto(primaryLink);
        await page.getByRole('button', { name: 'Toon het signaal' }).click();
        await page.waitForSelector('dl.child');
        await page.getByRole('button', { name: 'Ik kan dit vandaag niet oppakken' }).click();
        await page.getByRole('heading', { name: 'Doorgegeven aan de achterwacht' }).waitFor();
        expect(signalRow(s).handed_on_at).not.toBeNull();
        expect(signalRow(s).confirmed_at).toBeNull();

        const backupLink = await linkIn(s.backup);
        expect(await textOf((await listMessages(s.backup, 'INBOX'))[0])).toContain('als achterwacht');
        expect(backupLink).not.toBe(primaryLink);
        const scanned = await (await scannerGet(backupLink)).text();
        expect(scanned).not.toContain(CANARY.name);

        await page.goto(backupLink);
        await page.getByRole('button', { name: 'Toon het signaal' }).click();
        await page.waitForSelector('dl.child');
        expect(await page.content()).toContain(CANARY.name);
        // The backup has nobody to hand on to.
        expect(await page.getByRole('button', { name: 'Ik kan dit vandaag niet oppakken' }).count()).toBe(0);
        await page.getByRole('button', { name: 'Gezien, ik zorg voor de leerling' }).click();
        await page.getByRole('heading', { name: 'Bevestigd' }).waitFor();
        await waitForPurge(s);
        for (const link of [primaryLink, backupLink]) {
          await page.goto(link);
          expect(await page.content()).toContain('afgehandeld en uit de HwC-mailbox verwijderd');
        }
      } finally {
        await b.close();
        expect((await hwc.stop()).code).toBe(0);
      }
      await nothingLeft(s, hwc);
    },
    120_000,
  );
});

/** A form post as a script would send it, without a browser. */
function post(link: string, fields: Record<string, string>): Promise<Response> {
  return fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

const tokenOf = (link: string): string => link.slice(link.lastIndexOf('/') + 1);

/** A non-loopback address of this machine, if it has one. */
function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return undefined;
}

describe('the link tokens (real mail stack, plain HTTP requests)', () => {
  it('when tokens are guessed, mixed up, overused or reused after the purge, then no page shows the child and the wrong ones are slowed down and counted', async () => {
    const { s, hwc, base } = await linkSchool('link-tokens-1@veiligthuis.test', {}, 'both');
    let primaryLink = '';
    try {
      const primary = await linkIn(s.zorg);
      const backup = await linkIn(s.backup);
      primaryLink = primary;

      // Another contact's token in the body: the form does not belong to this link.
      const mixed = await post(primary, { t: tokenOf(backup), action: 'reveal' });
      expect(mixed.status).toBe(400);
      expect(await mixed.text()).not.toContain(CANARY.name);
      // The backup's token is bound to the backup: it cannot hand on, and with notify: both nobody can.
      const handOn = await post(backup, { t: tokenOf(backup), action: 'hand-on' });
      expect(handOn.status).toBe(409);
      expect(signalRow(s).handed_on_at).toBeNull();

      // Too many reveals: maxReveals is 3.
      for (let i = 0; i < 3; i += 1) {
        const shown = await post(backup, { t: tokenOf(backup), action: 'reveal' });
        expect(shown.status).toBe(200);
        expect(await shown.text()).toContain(CANARY.name);
      }
      const fourth = await post(backup, { t: tokenOf(backup), action: 'reveal' });
      expect(fourth.status).toBe(429);
      expect(await fourth.text()).not.toContain(CANARY.name);

      // A guessed token of the right form opens nothing.
      const guess = `${base}/s/${randomBytes(32).toString('base64url')}`;
      for (const answer of [await fetch(guess), await post(guess, { t: tokenOf(guess), action: 'reveal' })]) {
        expect(answer.status).toBe(404);
        expect(await answer.text()).not.toContain(CANARY.name);
      }

      // A confirm without a reveal on this link confirms nothing.
      const blind = await post(primary, { t: tokenOf(primary), action: 'confirm' });
      expect(blind.status).toBe(409);
      expect(signalRow(s).confirmed_at).toBeNull();
      expect((await post(primary, { t: tokenOf(primary), action: 'reveal' })).status).toBe(200);
      const confirmed = await post(primary, { t: tokenOf(primary), action: 'confirm' });
      expect(confirmed.status).toBe(200);
      await waitForPurge(s);
      // Reused after the purge: only that it was handled, for both contacts' links.
      for (const link of [primary, backup]) {
        const again = await post(link, { t: tokenOf(link), action: 'reveal' });
        expect(again.status).toBe(410);
        const html = await again.text();
        expect(html).toContain('afgehandeld');
        expect(html).not.toContain(CANARY.name);
      }

      // Guessing on: after ten wrong tokens this peer is refused for a while.
      for (let i = 0; i < 10; i += 1) await fetch(`${base}/s/${randomBytes(32).toString('base64url')}`);
      expect((await fetch(guess)).status).toBe(429);
    } finally {
      expect((await hwc.stop()).code).toBe(0);
    }
    const store = SqliteStore.open(s.install.storage);
    try {
      const refused = store
        .rows()
        .filter((row) => row.data.event === 'link-refused')
        .reduce((sum, row) => sum + Number(row.data.count), 0);
      expect(refused).toBeGreaterThanOrEqual(10);
      // The database holds hashes: no token of the links appears in it.
      expect(
        readFileSync(join(s.install.storage, DATABASE_FILE)).includes(Buffer.from(tokenOf(primaryLink))),
      ).toBe(false);
    } finally {
      store.close();
    }
    await nothingLeft(s, hwc);
  }, 120_000);

  const outside = outsideAddress();
  it.skipIf(!outside)(
    'when the page is served without TLS and fetched from off loopback, then it refuses and shows nothing',
    async () => {
      // The route is never reached: the refusal comes before any token is looked at.
      const allowed: Record<string, unknown> = {
        clock: { now: () => new Date() },
        store: SqliteStore.inMemory(),
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      };
      const deps = new Proxy(allowed, {
        get: (target, name: string) => {
          if (name in target) return target[name];
          throw new Error(`the page must not be looked at (${name})`);
        },
      }) as unknown as LinkActionDeps;
      const server = await startLinkServer(deps, { host: '0.0.0.0', port: 0 });
      try {
        const answer = await fetch(
          `http://${outside}:${server.port}/s/${randomBytes(32).toString('base64url')}`,
        );
        expect(answer.status).toBe(403);
        expect(await answer.text()).toContain('Alleen via HTTPS');
        expect(answer.headers.get('cache-control')).toBe('no-store');
      } finally {
        await server.close();
      }
    },
  );
});

describe('hwc doctor in link mode', () => {
  it('when web.baseUrl answers with the page, then doctor says OK; when nothing listens there, it warns and names the fix', async () => {
    const { webFinding } = await import('../../src/commands/doctor/web-check.js');
    const store = SqliteStore.inMemory();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const deps = { clock: { now: () => new Date() }, store, logger: silent } as unknown as LinkActionDeps;
    const server = await startLinkServer(deps, { host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect(await webFinding(`${base}/healthz`, base)).toEqual({
        status: 'OK',
        what: 'web page',
        line: `${base} answers`,
      });
    } finally {
      await server.close();
      store.close();
    }
    const down = await webFinding(`${base}/healthz`, base);
    expect(down.status).toBe('WARN');
    expect(down.line).toMatch(/does not answer \(ECONNREFUSED\).*start hwc run/);
  });
});

describe('the link page over HTTPS', () => {
  it('when web.tls gives a certificate, then the page is served over TLS with HSTS, and a client that does not trust it gets nothing', async () => {
    const { execFileSync } = await import('node:child_process');
    const { request } = await import('node:https');
    const dir = mkdtempSync(join(tmpdir(), 'hwc-link-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const store = SqliteStore.inMemory();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const deps = { clock: { now: () => new Date() }, store, logger: silent } as unknown as LinkActionDeps;
    const tls = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    const server = await startLinkServer(deps, { host: '127.0.0.1', port: 0, tls });
    const get = (ca?: string) =>
      new Promise<{ status: number; hsts: string | undefined }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: server.port, path: '/healthz', ...(ca ? { ca } : {}) },
          (res) => {
            res.resume();
            resolve({
              status: res.statusCode ?? 0,
              hsts: res.headers['strict-transport-security'] as string | undefined,
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get(tls.cert)).toEqual({ status: 200, hsts: 'max-age=31536000' });
      await expect(get()).rejects.toThrow(/self.signed|certificate/i);
    } finally {
      await server.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
