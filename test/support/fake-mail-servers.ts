/**
 * Small scripted servers for what the real mail stack cannot be made to do: a certificate that
 * has expired or is about to, an IMAP server without STARTTLS or UIDPLUS, a mailbox without the
 * usual folders. They answer just what `hwc doctor` and imapflow ask, on a free port.
 *
 * - `makeCertificates()`     a private CA and server certificates for 127.0.0.1/localhost
 * - `startFakeImap(options)` a scripted IMAP server on a free port, or on a socket made elsewhere
 * - `startFakeSmtp(options)` a scripted SMTP server on loopback that answers RCPT or DATA as told
 *                            (a 451 at RCPT, say), for the transient answers Postfix cannot be
 *                            made to give on cue
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';

export interface ServerCertificate {
  cert: string;
  key: string;
}

export interface TestCertificates {
  /** Path of the CA's PEM file, for `imap.tls.ca`. */
  caFile: string;
  /** Valid from `notBefore` to `notAfter`, signed by the CA. */
  issue: (notBefore: Date, notAfter: Date) => ServerCertificate;
}

const OPENSSL_CONFIG = (dir: string) => `
[ req ]
distinguished_name = dn
prompt = no

[ dn ]
CN = hwc test CA

[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ ca ]
default_ca = test_ca

[ test_ca ]
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none

[ any_name ]
commonName = supplied

[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
`;

/** `openssl ca` takes any start and end date, so also one in the past (`x509 -days` cannot). */
const opensslTime = (date: Date): string => date.toISOString().replace(/[-:T]|\.\d+/g, '');

/** A private CA in a temp dir, made with the openssl CLI. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-certs-'));
  const config = join(dir, 'openssl.cnf');
  writeFileSync(config, OPENSSL_CONFIG(dir));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl([
    'req',
    '-x509',
    '-config',
    config,
    '-extensions',
    'ca_ext',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '3650',
  ]);
  let count = 0;
  return {
    caFile,
    issue: (notBefore, notAfter) => {
      count += 1;
      const key = join(dir, `server-${count}.key`);
      const csr = join(dir, `server-${count}.csr`);
      const cert = join(dir, `server-${count}.pem`);
      openssl([
        'req',
        '-new',
        '-config',
        config,
        ...ec,
        '-subj',
        '/CN=localhost',
        '-keyout',
        key,
        '-out',
        csr,
      ]);
      openssl([
        'ca',
        '-batch',
        '-config',
        config,
        '-cert',
        caFile,
        '-keyfile',
        caKey,
        '-in',
        csr,
        '-out',
        cert,
        '-notext',
        '-extensions',
        'server_ext',
        '-startdate',
        opensslTime(notBefore),
        '-enddate',
        opensslTime(notAfter),
      ]);
      return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    },
  };
}

export interface FakeImapOptions {
  certificate: ServerCertificate;
  /** The address to listen on; default 127.0.0.1. */
  host?: string;
  /**
   * A listening socket to serve on instead of a free port on `host`, e.g. one inside a network
   * namespace (see `listenInNetns`). The fake takes it over and closes it.
   */
  listenOn?: Server;
  /** Offer STARTTLS on the plain port; default true. */
  startTls?: boolean;
  /** Capabilities besides IMAP4rev1 (and STARTTLS), e.g. ['UIDPLUS']. */
  capabilities?: string[];
  /** The folders LIST returns, with their flags, e.g. { INBOX: [], Sent: ['\\Sent'] }. */
  folders?: Record<string, string[]>;
}

export interface FakeImapServer {
  port: number;
  close: () => Promise<void>;
}

/** Accepts any login; answers commands it does not know with OK, as a lenient server would. */
export async function startFakeImap(options: FakeImapOptions): Promise<FakeImapServer> {
  const context = createSecureContext(options.certificate);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    imapSession(socket, context, options);
  });
  await new Promise<void>((resolve) =>
    options.listenOn
      ? server.listen(options.listenOn, resolve)
      : server.listen(0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake IMAP server has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function imapSession(plain: Socket, context: SecureContext, options: FakeImapOptions): void {
  const startTls = options.startTls ?? true;
  const folders = options.folders ?? { INBOX: [] };
  let stream: Socket = plain;
  let secure = false;
  let buffer = '';
  // Clients hang up without LOGOUT (doctor's TLS probe does): that is not an error here.
  plain.on('error', () => undefined);

  const send = (...lines: string[]): void => {
    stream.write(lines.map((line) => `${line}\r\n`).join(''));
  };
  const capabilities = (): string =>
    ['IMAP4rev1', ...(startTls && !secure ? ['STARTTLS'] : []), ...(options.capabilities ?? [])].join(' ');

  const onLine = (line: string): void => {
    const [tag = '*', verb = ''] = line.split(' ');
    switch (verb.toUpperCase()) {
      case 'CAPABILITY':
        send(`* CAPABILITY ${capabilities()}`, `${tag} OK CAPABILITY completed`);
        return;
      case 'STARTTLS': {
        if (!startTls || secure) {
          send(`${tag} BAD STARTTLS not available`);
          return;
        }
        send(`${tag} OK begin TLS now`);
        plain.off('data', onData);
        const tls = new TLSSocket(plain, { isServer: true, secureContext: context });
        tls.on('error', () => undefined);
        tls.on('data', onData);
        stream = tls;
        secure = true;
        buffer = '';
        return;
      }
      case 'LOGIN':
        send(`${tag} OK [CAPABILITY ${capabilities()}] logged in`);
        return;
      case 'LIST':
        // LIST "" "" asks only for the hierarchy delimiter (RFC 3501 6.3.8).
        if (line.endsWith(' "" ""')) {
          send('* LIST (\\Noselect) "/" ""', `${tag} OK LIST completed`);
          return;
        }
        send(
          ...Object.entries(folders).map(
            ([name, flags]) => `* LIST (${['\\HasNoChildren', ...flags].join(' ')}) "/" ${name}`,
          ),
          `${tag} OK LIST completed`,
        );
        return;
      case 'LOGOUT':
        send('* BYE logging out', `${tag} OK LOGOUT completed`);
        stream.end();
        return;
      default:
        send(`${tag} OK ${verb} completed`);
    }
  };
  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString('latin1');
    let end = buffer.indexOf('\r\n');
    while (end >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      onLine(line);
      end = buffer.indexOf('\r\n');
    }
  };
  plain.on('data', onData);
  send('* OK fake IMAP server ready');
}

export interface FakeSmtpOptions {
  /** The reply to RCPT TO for this address (lower case), e.g. '451 4.7.1 try again later'; default 250. */
  rcpt?: (address: string) => string | undefined;
  /** The reply after the message data, e.g. '451 4.3.0 queue full'; default 250. */
  data?: string;
}

export interface FakeSmtpServer {
  port: number;
  /** The envelope recipients of every message whose data was accepted. */
  delivered: string[][];
  /** Every RCPT TO address, in order, whatever the answer. */
  rcpts: string[];
  close: () => Promise<void>;
}

/**
 * Plain SMTP on 127.0.0.1 (loopback: no STARTTLS needed), any AUTH accepted, no PIPELINING so
 * that every RCPT gets its own reply; keeps nothing but envelope addresses.
 */
export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const delivered: string[][] = [];
  const rcpts: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    smtpSession(socket, options, delivered, rcpts);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake SMTP server has no port');
  return {
    port: address.port,
    delivered,
    rcpts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function smtpSession(socket: Socket, options: FakeSmtpOptions, delivered: string[][], rcpts: string[]): void {
  let buffer = '';
  let inData = false;
  let envelope: string[] = [];
  const send = (line: string): void => {
    socket.write(`${line}\r\n`);
  };
  const onLine = (line: string): void => {
    const verb = line.split(/[ :]/)[0]?.toUpperCase() ?? '';
    if (verb === 'EHLO') {
      socket.write('250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n');
    } else if (verb === 'HELO') send('250 fake.test');
    else if (verb === 'AUTH') send('235 2.7.0 authenticated');
    else if (verb === 'MAIL') {
      envelope = [];
      send('250 2.1.0 ok');
    } else if (verb === 'RCPT') {
      const to = (/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase();
      rcpts.push(to);
      const reply = options.rcpt?.(to) ?? '250 2.1.5 ok';
      if (reply.startsWith('2')) envelope.push(to);
      send(reply);
    } else if (verb === 'DATA') {
      inData = true;
      send('354 go ahead');
    } else if (verb === 'RSET') {
      envelope = [];
      send('250 2.0.0 ok');
    } else if (verb === 'QUIT') {
      send('221 2.0.0 bye');
      socket.end();
    } else send('250 ok');
  };
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      if (inData) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end < 0) return;
        buffer = buffer.slice(end + 5);
        inData = false;
        const reply = options.data ?? '250 2.0.0 queued';
        if (reply.startsWith('2')) delivered.push(envelope);
        send(reply);
        continue;
      }
      const end = buffer.indexOf('\r\n');
      if (end < 0) return;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      onLine(line);
    }
  });
  send('220 fake.test ESMTP');
}
