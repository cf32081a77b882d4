/**
 * The mailbox connection a check starts before its local work (ImapMailboxOpener.prepare), on the
 * real Dovecot: taken by the check's open() as its first attempt, signed out when no open() came,
 * and closed at once when the server never answers.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapMailboxOpener } from '../../src/adapters/imap-mailbox.js';
import { MailboxError } from '../../src/core/errors.js';
import { startRawlog } from '../support/imap-rawlog.js';
import { createUser, mailstackEnv, type MailUser } from '../support/mailstack.js';

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
