import { ImapFlow } from 'imapflow';
import { describe, expect, inject, it } from 'vitest';
import {
  caCertificates,
  createUser,
  createUserIn,
  deliver,
  listFolders,
  mailboxSnapshot,
  mailstackEnv,
  submit,
  waitForMessages,
  appendMessage,
  listMessages,
} from '../support/mailstack.js';

function message(from: string, to: string, subject: string): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W+/g, '-')}-${Date.now()}@example.test>`,
    'Date: Tue, 25 Nov 2025 09:00:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Dit is een test.',
    '',
  ].join('\r\n');
}

describe('the private mail stack', () => {
  it('when the global setup ran, then the connection details are in process.env and provided', () => {
    const env = mailstackEnv();
    expect(env.host).toBe('127.0.0.1');
    expect(inject('mailstack')).toEqual(env);
  });

  it('when a mail arrives on the inbound port, then it reaches the INBOX of the recipient', async () => {
    const user = await createUser('inbound');
    const sender = await createUserIn('veiligthuis.test', 'vt');
    await deliver(message(sender.address, user.address, 'Handle with Care'), {
      from: sender.address,
      to: [user.address],
    });
    const [received] = await waitForMessages(user, 'INBOX', 1);
    expect(received?.headers).toContain('Subject: Handle with Care');
    expect(received?.source.toString('utf8')).toContain('Dit is een test.');
  });

  it('when a user submits a mail with AUTH on the submission port, then it reaches another user', async () => {
    const alice = await createUser('alice');
    const bob = await createUserIn('gemeente.test', 'bob');
    await submit(alice, message(alice.address, bob.address, 'Submitted'), {
      from: alice.address,
      to: [bob.address],
    });
    const [received] = await waitForMessages(bob, 'INBOX', 1);
    expect(received?.headers).toContain('Subject: Submitted');
  });

  it('when a mail is sent to an unknown user, then the RCPT is rejected with a 5xx', async () => {
    const user = await createUser('known');
    const unknown = `nobody-${Date.now()}@school.test`;
    const error: unknown = await deliver(message(user.address, unknown, 'Lost'), {
      from: user.address,
      to: [unknown],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const { responseCode, command } = error as { responseCode?: number; command?: string };
    expect(command).toBe('RCPT TO');
    expect(responseCode).toBeGreaterThanOrEqual(500);
    expect(responseCode).toBeLessThan(600);
  });

  it('when a user is fresh, then Sent, Trash, Junk and Drafts exist with their special-use flags', async () => {
    const user = await createUser('folders');
    const folders = await listFolders(user);
    expect(folders).toEqual(
      expect.arrayContaining([
        { path: 'INBOX', specialUse: '\\Inbox' },
        { path: 'Sent', specialUse: '\\Sent' },
        { path: 'Trash', specialUse: '\\Trash' },
        { path: 'Junk', specialUse: '\\Junk' },
        { path: 'Drafts', specialUse: '\\Drafts' },
      ]),
    );
  });

  it('when a message is appended, then it is listed with its flags and the snapshot changes', async () => {
    const user = await createUser('append');
    const before = await mailboxSnapshot(user);
    expect(await mailboxSnapshot(user)).toEqual(before);
    const uid = await appendMessage(user, 'Drafts', message(user.address, user.address, 'Draft'), ['\\Seen']);
    const drafts = await listMessages(user, 'Drafts');
    expect(drafts.map((m) => [m.uid, m.flags])).toEqual([[uid, ['\\Seen']]]);
    expect(await mailboxSnapshot(user)).not.toEqual(before);
  });

  it('when IMAP login uses a wrong password, then it fails in under a second', async () => {
    const user = await createUser('wrongpw');
    const env = mailstackEnv();
    for (let attempt = 0; attempt < 3; attempt++) {
      const client = new ImapFlow({
        host: env.host,
        port: env.imapPort,
        secure: false,
        doSTARTTLS: true,
        tls: { ca: caCertificates(env) },
        auth: { user: user.address, pass: 'wrong-password' },
        logger: false,
      });
      const started = performance.now();
      await expect(client.connect()).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(1000);
      client.close();
    }
  });
});
