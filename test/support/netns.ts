/**
 * Two network namespaces joined by a veth pair: a server host and a client host that are not on
 * loopback, for what only a remote server triggers (e.g. doctor's FAIL for a server without
 * STARTTLS). The test run creates them itself and deletes them afterwards; traffic may go to
 * loopback or to these namespaces, nowhere else. Needs root and iproute2.
 *
 * - `netnsUnavailable()`             why namespaces cannot be made here, or undefined
 * - `createNetnsPair()`              the two namespaces, up and addressed
 * - `listenInNetns(namespace, host)` a listening TCP socket inside a namespace
 * - `inNetns(namespace)`             the command prefix that runs a program inside a namespace
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Server } from 'node:net';

/**
 * From 198.18.0.0/15, the benchmarking range (RFC 2544): not loopback, not private, not routed on
 * the internet, so it clashes with no real network; and the packets never leave the namespaces.
 */
export const SERVER_ADDRESS = '198.18.0.1';
export const CLIENT_ADDRESS = '198.18.0.2';
const PREFIX_LENGTH = 30;

export interface NetnsPair {
  server: string;
  client: string;
  /** Deletes both namespaces, and with them the veth pair; safe to call twice. */
  remove: () => void;
}

/** `ip` with its arguments in one line; no name or address here contains a space. */
const ip = (args: string): void => {
  execFileSync('ip', args.split(' '), { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** The reason to skip, or undefined when this process can make namespaces. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the ip command (iproute2) is missing';
  }
  return undefined;
}

/**
 * Names are unique per run, so that concurrent runs never share a namespace. The veth pair is made
 * inside the server namespace with its peer straight in the client's: nothing is ever added to the
 * host's namespace.
 */
export function createNetnsPair(): NetnsPair {
  const base = `hwc-t-${process.pid}-${randomBytes(3).toString('hex')}`;
  const server = `${base}-srv`;
  const client = `${base}-cli`;
  const created: string[] = [];
  const remove = (): void => {
    // Each one, even when deleting the other fails, so that neither is left behind.
    const failures: unknown[] = [];
    for (const namespace of created.splice(0)) {
      try {
        ip(`netns delete ${namespace}`);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  try {
    for (const namespace of [server, client]) {
      ip(`netns add ${namespace}`);
      created.push(namespace);
    }
    ip(`-n ${server} link add veth-srv type veth peer name veth-cli netns ${client}`);
    ip(`-n ${server} addr add ${SERVER_ADDRESS}/${PREFIX_LENGTH} dev veth-srv`);
    ip(`-n ${client} addr add ${CLIENT_ADDRESS}/${PREFIX_LENGTH} dev veth-cli`);
    for (const namespace of [server, client]) ip(`-n ${namespace} link set lo up`);
    ip(`-n ${server} link set veth-srv up`);
    ip(`-n ${client} link set veth-cli up`);
  } catch (error) {
    remove();
    throw error;
  }
  return { server, client, remove };
}

/** Prefix for a command that must run inside `namespace`, e.g. `[...inNetns(ns), 'node', 'x.js']`. */
export function inNetns(namespace: string): string[] {
  return ['ip', 'netns', 'exec', namespace];
}

/**
 * A socket keeps the namespace it was made in. So a short-lived child opens the listening socket
 * inside the namespace and hands it over through the IPC channel; the server code (e.g.
 * `startFakeImap`) then runs in the test process, with no TypeScript to load in a child.
 */
const HAND_OVER = `
const server = require('node:net').createServer();
server.listen(0, process.argv[1], () =>
  process.send('listening', server, () => {
    server.close();
    process.disconnect();
  }),
);
`;

/** A listening TCP socket on a free port of `host` inside `namespace`; pass it to `server.listen`. */
export function listenInNetns(namespace: string, host: string): Promise<Server> {
  const [command = 'ip', ...args] = inNetns(namespace);
  const child = spawn(command, [...args, process.execPath, '-e', HAND_OVER, host], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('message', (_message, handle) => {
      if (handle instanceof Server) resolve(handle);
      else reject(new Error(`no listening socket from ${namespace}`));
    });
    child.once('error', reject);
    // After a resolve this reject does nothing; before one, it says why the child gave up.
    child.once('exit', (code) =>
      reject(new Error(`could not listen on ${host} in ${namespace} (exit ${code}): ${stderr.trim()}`)),
    );
  });
}
