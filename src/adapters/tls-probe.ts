/**
 * A TLS handshake with a mail server, implicit or after STARTTLS, that reports the certificate
 * instead of refusing it: for `hwc doctor`, which must say why a certificate is not valid.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export type TlsMode = 'implicit' | 'imap-starttls' | 'smtp-starttls';

export interface TlsProbeTarget {
  host: string;
  port: number;
  /** A PEM CA to trust besides the system's. */
  ca?: string;
}

export type TlsProbe =
  /** The plain connection worked, but the server does not offer STARTTLS (or refused it). */
  | { kind: 'no-starttls' }
  /** No TLS connection: `code` is the socket's error code, such as ECONNREFUSED. */
  | { kind: 'failed'; code: string }
  /** A handshake: whether the certificate is valid for the host, and if not why. */
  | { kind: 'handshake'; authorized: boolean; reason: string; validTo: Date };

/** Reads from a socket until `done` says the text so far is complete. */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (done(text)) {
        cleanup();
        resolve(text);
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}

const smtpReplyDone = (text: string): boolean => /(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(text);
const imapLineDone = (tag: string) => (text: string) =>
  new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n$`).test(text);

class NoStartTls extends Error {}

/** RFC 3501 6.2.1: CAPABILITY, then STARTTLS. */
async function imapStartTls(socket: Socket): Promise<void> {
  await readUntil(socket, (text) => text.includes('\r\n'));
  socket.write('a CAPABILITY\r\n');
  const capabilities = await readUntil(socket, imapLineDone('a'));
  if (!/STARTTLS/i.test(capabilities)) throw new NoStartTls();
  socket.write('b STARTTLS\r\n');
  const reply = await readUntil(socket, imapLineDone('b'));
  if (!/\r\nb OK|^b OK/.test(reply)) throw new NoStartTls();
}

/** RFC 3207: EHLO, then STARTTLS. */
async function smtpStartTls(socket: Socket): Promise<void> {
  await readUntil(socket, smtpReplyDone);
  socket.write('EHLO hwc-doctor\r\n');
  const ehlo = await readUntil(socket, smtpReplyDone);
  if (!/^250[- ]STARTTLS/im.test(ehlo)) throw new NoStartTls();
  socket.write('STARTTLS\r\n');
  const reply = await readUntil(socket, smtpReplyDone);
  if (!reply.startsWith('220')) throw new NoStartTls();
}

/** A plain connection upgraded with STARTTLS, ready for the handshake. */
async function startTls(target: TlsProbeTarget, mode: TlsMode, timeoutMs: number): Promise<Socket> {
  const socket = netConnect({ host: target.host, port: target.port });
  socket.setTimeout(timeoutMs, () =>
    socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
  );
  try {
    await (mode === 'imap-starttls' ? imapStartTls(socket) : smtpStartTls(socket));
    socket.setTimeout(0);
    return socket;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

function tlsHandshake(target: TlsProbeTarget, timeoutMs: number, socket?: Socket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({
      ...(socket ? { socket } : { host: target.host, port: target.port }),
      host: target.host,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      ...(target.ca ? { ca: [target.ca] } : {}),
      // Not rejected here, so that the caller can say why the certificate is not valid.
      rejectUnauthorized: false,
    });
    tls.setTimeout(timeoutMs, () => tls.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    tls.once('secureConnect', () => {
      tls.setTimeout(0);
      resolve(tls);
    });
    tls.once('error', reject);
  });
}

/** Connects, upgrades if `mode` says so, shakes hands, reads the certificate and hangs up. */
export async function probeTls(target: TlsProbeTarget, mode: TlsMode, timeoutMs: number): Promise<TlsProbe> {
  let tls: TLSSocket;
  try {
    tls = await tlsHandshake(
      target,
      timeoutMs,
      mode === 'implicit' ? undefined : await startTls(target, mode, timeoutMs),
    );
  } catch (err) {
    if (err instanceof NoStartTls) return { kind: 'no-starttls' };
    return { kind: 'failed', code: (err as { code?: string }).code ?? 'error' };
  }
  const cert = tls.getPeerCertificate();
  const result: TlsProbe = {
    kind: 'handshake',
    authorized: tls.authorized,
    reason: String(tls.authorizationError ?? ''),
    validTo: new Date(cert.valid_to),
  };
  tls.destroy();
  return result;
}
