import { createServer, type AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { canaryForms, scanForCanaries } from './canary.js';
import { listFolders, listMessages, type MailUser } from './mailstack.js';
import { CANARY } from './school.js';

export const LINK_PATTERN = /https?:\/\/[^\s]+\/s\/[A-Za-z0-9_-]{43}/;

/** A TCP port that was free a moment ago, for web.listen. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Every message in every folder of these mailboxes (INBOX, Sent, Trash, Junk, ...), raw and
 * decoded, searched for every form of the canary child; returns "address folder" per hit.
 */
export async function canaryInMailboxes(users: MailUser[]): Promise<string[]> {
  const forms = canaryForms([CANARY.name], [CANARY.isoDate]);
  const hits: string[] = [];
  for (const user of users) {
    for (const folder of await listFolders(user)) {
      for (const message of await listMessages(user, folder.path)) {
        const parsed = await simpleParser(message.source);
        const found = scanForCanaries(forms, [], {
          raw: message.source.toString('latin1'),
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
        });
        if (found.hits.length > 0) hits.push(`${user.address} ${folder.path}`);
      }
    }
  }
  return [...new Set(hits)];
}
