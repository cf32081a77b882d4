/**
 * An SMTP relay in front of the real Postfix submission port that holds back the server's reply
 * to the end of a message's data: Postfix has queued the mail, the client hears so only later.
 * The relay speaks STARTTLS on both sides (the stack's own certificate towards the client, the
 * stack's CA towards Postfix), because submission requires TLS and the reply must be seen in clear.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';

export interface SlowSmtpRelayOptions {
  host: string;
  port: number;
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
  /** How long the reply to the end of each message's data is held back. */
  dataReplyDelayMs: number;
}

export interface SlowSmtpRelay {
  port: number;
  /** Replies to the end of data that were held back so far. */
  delayed(): number;
  close(): Promise<void>;
}

/** Reads from a plain socket until a line of `text` starts with `code` and a space (the last line). */
function replyOf(socket: Socket, code: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (new RegExp(`(^|\\r\\n)${code} [^\\r\\n]*\\r\\n$`).test(seen)) {
        socket.off('data', onData);
        resolve();
      } else if (/(^|\r\n)[45]\d\d [^\r\n]*\r\n$/.test(seen)) {
        socket.off('data', onData);
        reject(new Error(`upstream said ${seen.trim()}`));
      }
    };
    socket.on('data', onData);
  });
}

/** To Postfix: greeting, EHLO and STARTTLS in clear, then TLS; the client's own EHLO follows over it. */
async function upstreamTls(options: SlowSmtpRelayOptions): Promise<TLSSocket> {
  const plain = createConnection({ host: options.host, port: options.port });
  plain.on('error', () => undefined);
  await replyOf(plain, '220');
  plain.write('EHLO relay.test\r\n');
  await replyOf(plain, '250');
  plain.write('STARTTLS\r\n');
  await replyOf(plain, '220');
  const secure = tlsConnect({ socket: plain, ca: [options.ca], servername: 'localhost' });
  secure.on('error', () => undefined);
  await new Promise<void>((resolve) => secure.once('secureConnect', () => resolve()));
  return secure;
}

/** From the client: our greeting, EHLO and STARTTLS in clear, then TLS with the stack's certificate. */
function clientTls(client: Socket, options: SlowSmtpRelayOptions): Promise<TLSSocket> {
  return new Promise((resolve) => {
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const verb = buffer.slice(0, end).split(' ')[0]?.toUpperCase();
        buffer = buffer.slice(end + 2);
        if (verb === 'EHLO') client.write('250-relay.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n');
        else if (verb === 'STARTTLS') {
          client.off('data', onData);
          client.write('220 2.0.0 Ready to start TLS\r\n');
          const secure = new TLSSocket(client, { isServer: true, key: options.key, cert: options.cert });
          secure.on('error', () => undefined);
          resolve(secure);
          return;
        } else client.write('530 5.7.0 Must issue a STARTTLS command first\r\n');
      }
    };
    client.on('data', onData);
    client.write('220 relay.test ESMTP\r\n');
  });
}

/**
 * Passes everything on once both sides speak TLS, in order, but holds the first server reply
 * after the client ended a message's data ("\r\n.\r\n" after a 354) for `dataReplyDelayMs`.
 */
function relay(client: TLSSocket, upstream: TLSSocket, delayMs: number, onDelay: () => void): void {
  let inData = false;
  let awaitingReply = false;
  let tail = '';
  let toClient = Promise.resolve();
  client.on('data', (chunk: Buffer) => {
    if (inData) {
      const seen = tail + chunk.toString('latin1');
      tail = seen.slice(-4);
      if (seen.includes('\r\n.\r\n')) {
        inData = false;
        awaitingReply = true;
      }
    }
    upstream.write(chunk);
  });
  upstream.on('data', (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    let wait = 0;
    if (awaitingReply) {
      awaitingReply = false;
      wait = delayMs;
      onDelay();
    } else if (/(^|\r\n)354 /.test(text)) {
      // With PIPELINING the 354 may come in one piece with the replies to MAIL and RCPT.
      inData = true;
      tail = '';
    }
    toClient = toClient
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, wait)))
      .then(() => {
        if (!client.destroyed) client.write(chunk);
      });
  });
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => {
    void toClient.then(() => client.destroy());
  });
}

export async function startSlowSmtpRelay(options: SlowSmtpRelayOptions): Promise<SlowSmtpRelay> {
  let delayed = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    void Promise.all([clientTls(client, options), upstreamTls(options)]).then(
      ([secureClient, secureUpstream]) => {
        open.add(secureUpstream);
        secureUpstream.on('close', () => open.delete(secureUpstream));
        // The client's EHLO after STARTTLS goes to Postfix, which then offers AUTH.
        relay(secureClient, secureUpstream, options.dataReplyDelayMs, () => (delayed += 1));
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    delayed: () => delayed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
