/**
 * The mailbox connection a check starts before its local work (ImapMailboxOpener.prepare), on the
 * real Dovecot: taken by the check's open() as its first attempt, signed out when no open() came,
 * and closed at once when the server never answers; and `hwc check`'s, started before its lock
 * (commands/check-command.ts): ended while the check waits for another, never kept.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapMailboxOpener } from '../../src/adapters/imap-mailbox.js';
import { CHECK_LOCK_FILE } from '../../src/adapters/storage-lock.js';
import { MailboxError } from '../../src/core/errors.js';
import { runHwc, spawnHwc } from '../support/hwc.js';
import { startRawlog } from '../support/imap-rawlog.js';
import { createUser, mailstackEnv, type MailUser } from '../support/mailstack.js';
import { createSchool } from '../support/school.js';

function openerFor(user: MailUser, port?: number): ImapMailboxOpener {
  const env = mailstackEnv();
  return new ImapMailboxOpener(
    {
      host: env.host,
      port: port ?? env.imapPort,
      secure: false,
      rejectUnauthorized: true,
      ca: readFileSync(env.caFile, 'utf8'),
      user: user.address,
      pass: user.password,
    },
    { delaysMs: [] },
  );
}

/** Dovecot writes a session's raw log as it goes: wait for the LOGOUT that ends it. */
async function untilLoggedOut(commands: () => string[]): Promise<string[]> {
  for (let i = 0; i < 100 && !commands().includes('LOGOUT'); i += 1) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return commands();
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('a prepared mailbox connection', () => {
  it('when a connection is prepared and the check then opens the mailbox, then that one session is used: one LIST, one SELECT, one LOGOUT', async () => {
    const user = await createUser('prepared');
    const rawlog = startRawlog(user);
    try {
      const opener = openerFor(user);
      opener.prepare({ readOnly: false });
      const mailbox = await opener.open({ readOnly: false });
      expect(mailbox.folders).toMatchObject({ inbox: 'INBOX', junk: 'Junk', trash: 'Trash' });
      await mailbox.close();
      await opener.discard();
      const commands = await untilLoggedOut(() => rawlog.commands());
      expect(commands.filter((c) => c.startsWith('LIST '))).toHaveLength(1);
      expect(commands.filter((c) => c.startsWith('SELECT '))).toEqual(['SELECT INBOX']);
      expect(commands.filter((c) => c === 'LOGOUT')).toHaveLength(1);
    } finally {
      rawlog.stop();
    }
  });

  it('when a prepared connection is never opened, then discard signs it out, having only listed the folders and examined INBOX (read-only)', async () => {
    const user = await createUser('prepared');
    const rawlog = startRawlog(user);
    try {
      const opener = openerFor(user);
      opener.prepare({ readOnly: true });
      // Long enough for the sign-in to finish, as when the check failed after its local work.
      await new Promise((r) => setTimeout(r, 300));
      await opener.discard();
      const commands = await untilLoggedOut(() => rawlog.commands());
      // imapflow's own start (ID, NAMESPACE, ENABLE) aside.
      expect(commands.filter((c) => !/^(ID|ENABLE) /.test(c) && c !== 'NAMESPACE')).toEqual([
        'LIST "" "*" RETURN (SPECIAL-USE CHILDREN SUBSCRIBED)',
        'EXAMINE INBOX',
        'LOGOUT',
      ]);
    } finally {
      rawlog.stop();
    }
  });

  it('when the server accepts the connection but never greets, then discard closes it at once instead of waiting for the greeting timeout', async () => {
    const user = await createUser('prepared');
    const accepted: Socket[] = [];
    const closed = new Promise<void>((resolve) => {
      const server = createServer((socket) => {
        accepted.push(socket);
        socket.on('close', () => resolve());
      });
      servers.push(server);
      server.listen(0, '127.0.0.1');
    });
    const server = servers[0] as Server;
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const opener = openerFor(user, port);
    opener.prepare({ readOnly: false });
    for (let i = 0; i < 100 && accepted.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(accepted).toHaveLength(1);
    await opener.discard();
    await closed;
    expect(accepted[0]?.destroyed || accepted[0]?.readableEnded).toBe(true);
  });

  it('when the prepared attempt fails to connect, then open() reports that failure as it would its own first attempt', async () => {
    const user = await createUser('prepared');
    // A port nobody listens on: the connection is refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const opener = openerFor(user, port);
    opener.prepare({ readOnly: false });
    const failure = await opener.open({ readOnly: false }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MailboxError);
    await opener.discard();
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process's established TCP connections to `port`, from /proc: its socket fds, matched in /proc/net/tcp. */
function connectionsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // An fd closed while it was listed.
    }
  }
  const remote = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['tcp', 'tcp6']
    .flatMap((table) => readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[2]?.endsWith(remote) && cols[3] === '01' && inodes.has(cols[9] ?? '')).length;
}

describe("hwc check's connection, started before its lock", () => {
  it('when another process holds the check lock, then hwc check ends the connection it started while it waits, and signs in again once the lock is free', async () => {
    const s = await createSchool();
    const rawlog = startRawlog(s.hwc);
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    // Held the way another hwc check holds it (BEGIN EXCLUSIVE, pid beside it).
    const holder = new Database(join(s.install.storage, CHECK_LOCK_FILE), { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    writeFileSync(join(s.install.storage, `${CHECK_LOCK_FILE}.pid`), `${process.pid}\n`);
    let held = true;
    try {
      const check = spawnHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      for (let i = 0; i < 200 && !check.output().stdout.includes('"outcome":"waiting"'); i += 1)
        await sleep(25);
      expect(check.output().stdout).toContain('"outcome":"waiting"');
      // Time enough for a connection that was kept to finish its sign-in and sit idle.
      await sleep(1_500);
      expect(connectionsTo(check.child.pid ?? 0, mailstackEnv().imapPort)).toBe(0);
      const freedAt = Date.now();
      holder.exec('ROLLBACK');
      held = false;
      const run = await check.exited;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      let sessions = rawlog.sessions();
      for (let i = 0; i < 100 && !sessions.at(-1)?.commands.includes('LOGOUT'); i += 1) {
        await sleep(50);
        sessions = rawlog.sessions();
      }
      // The check's own session began after the lock was free; one that began before did nothing since.
      const working = sessions.filter((session) => session.commands.includes('SELECT Junk'));
      expect(working).toHaveLength(1);
      expect(working[0]?.firstAt).toBeGreaterThanOrEqual(freedAt - 5);
      for (const early of sessions.filter((session) => !working.includes(session))) {
        expect(early.lastAt).toBeLessThan(freedAt);
      }
    } finally {
      if (held) holder.exec('ROLLBACK');
      holder.close();
      rawlog.stop();
    }
  }, 60_000);

  it('when hwc.lock is damaged, then hwc check names that file, not the state database, and what to do, and exits 1', async () => {
    const s = await createSchool();
    mkdirSync(s.install.storage, { recursive: true, mode: 0o700 });
    const lock = join(s.install.storage, CHECK_LOCK_FILE);
    writeFileSync(lock, 'not a database, but long enough to be read as one '.repeat(20), { mode: 0o600 });
    const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain(`cannot use the lock file ${lock} (SQLITE_NOTADB)`);
    expect(run.stderr).not.toContain('state database');
  }, 60_000);

  it('when the storage directory cannot be used, then hwc check says so, ends the connection it started and exits 1 without reading the mailbox', async () => {
    const s = await createSchool();
    const rawlog = startRawlog(s.hwc);
    // A file where the storage directory should be.
    writeFileSync(s.install.storage, 'not a directory\n');
    try {
      const run = await runHwc(['check', '--config', s.install.configFile], { env: s.install.env });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toContain(`cannot use the storage directory ${s.install.storage}`);
      await sleep(300);
      expect(rawlog.commands().filter((c) => c.startsWith('SELECT') || c.startsWith('SEARCH'))).toEqual([]);
    } finally {
      rawlog.stop();
    }
  }, 60_000);
});
