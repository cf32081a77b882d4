import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A NOTIFY_SOCKET that the test listens on, as systemd's manager does: an AF_UNIX datagram socket
 * (Node has none, so a small python3 process binds it). Each datagram is printed as one JSON line;
 * file descriptors sent along (systemd-notify's BARRIER=1 pipe) are received and closed at once,
 * which is what releases the sender's barrier.
 */
const LISTENER = `
import array, json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"listening": True}), flush=True)
import os
while True:
    data, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(16 * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"message": data.decode("utf-8", "replace")}), flush=True)
`;

export interface NotifySocket {
  path: string;
  /** Every datagram so far, one string each ("READY=1\\nSTATUS=..."). */
  messages(): string[];
  waitFor(predicate: (message: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function listenNotifySocket(): Promise<NotifySocket> {
  const dir = mkdtempSync(join(tmpdir(), 'hwc-notify-'));
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: string[] = [];
  let buffer = '';
  let listening: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, at)) as { listening?: boolean; message?: string };
      buffer = buffer.slice(at + 1);
      if (line.listening) listening();
      if (line.message !== undefined) received.push(line.message);
    }
  });
  await ready;
  return {
    path,
    messages: () => [...received],
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no such notify message; got ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
