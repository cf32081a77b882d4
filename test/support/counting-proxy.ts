/**
 * A TCP relay in front of a real server that counts the connections made through it: how many
 * SMTP sessions one check opens, STARTTLS and all (the relay only passes bytes on). `dropAll()`
 * cuts every open connection, as a network or a server restart would.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CountingProxy {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  dropAll(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(host: string, port: number): Promise<CountingProxy> {
  let count = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    count += 1;
    const upstream = createConnection({ host, port });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    dropAll: () => {
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
