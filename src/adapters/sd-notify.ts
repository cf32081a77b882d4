import type { Logger } from '../core/ports.js';

/**
 * What the daemon tells the service manager (sd_notify(3)): that it is ready, a one-line status
 * for `systemctl status`, that it is stopping, and that it is alive (the watchdog).
 */
export interface ServiceNotifier {
  ready(status: string): void;
  status(status: string): void;
  /** STOPPING=1, with the STATUS= line for the stop (by default the one of a single daemon). */
  stopping(status?: string): void;
  /**
   * Sends WATCHDOG=1 at half the interval systemd asked for (a no-op when it asked for none), on
   * each tick only when `healthy` says so: a process that is not well lets systemd restart it.
   */
  startWatchdog(healthy?: () => boolean): void;
  /** Stops the watchdog and waits for the messages already handed to systemd-notify. */
  close(): Promise<void>;
}

/** Runs `systemd-notify ARGS...`; resolves with an errno-like code on failure, never with output. */
export type NotifyRunner = (
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
) => Promise<string | undefined>;

export interface SdNotifyOptions {
  env: Record<string, string | undefined>;
  pid: number;
  logger: Logger;
  command?: string;
  run?: NotifyRunner;
}

// node:child_process loads only when a message goes out: `hwc check` and a daemon outside systemd
// never send one, and the module (with net and dgram) was a few ms of every empty check.
const runSystemdNotify: NotifyRunner = async (command, args, env) => {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 10_000, windowsHide: true }, (err) => {
      if (!err) return resolve(undefined);
      const code = (err as NodeJS.ErrnoException).code;
      resolve(typeof code === 'string' ? code : `EXIT_${String(code ?? 'unknown')}`);
    });
  });
};

/**
 * sd_watchdog_enabled(3): WATCHDOG_USEC in microseconds, for this process when WATCHDOG_PID is
 * set. Returns the ping interval in ms (half the timeout, as the man page recommends).
 */
export function watchdogIntervalMs(env: Record<string, string | undefined>, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2_000));
}

/** One line per variable: a STATUS= that carries a newline would end the assignment early. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

/**
 * sd_notify(3) without a native module. Node's dgram has no AF_UNIX datagram sockets, and
 * NOTIFY_SOCKET is one, so each message is sent by systemd's own `systemd-notify`, which (since
 * systemd 246) waits with BARRIER=1 until the manager has read it: the helper's exit can no longer
 * lose the message (systemd#2739). The unit must say NotifyAccess=all, since the sender is a child
 * of the main process. Messages go out one after another, in order; without NOTIFY_SOCKET (not
 * started by systemd with Type=notify) this returns undefined and nothing is spawned.
 */
export function sdNotifier(options: SdNotifyOptions): ServiceNotifier | undefined {
  const socket = options.env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  const command = options.command ?? 'systemd-notify';
  const run = options.run ?? runSystemdNotify;
  const childEnv: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket, PATH: options.env.PATH ?? '/usr/bin:/bin' };
  let queue: Promise<void> = Promise.resolve();
  let warned = false;
  let watchdog: NodeJS.Timeout | undefined;

  const send = (...assignments: string[]): void => {
    queue = queue.then(async () => {
      const failure = await run(command, assignments, childEnv);
      if (failure && !warned) {
        warned = true;
        options.logger.warn(
          { event: 'sd-notify', outcome: 'failed', code: failure },
          'systemd-notify failed; systemd may not see that hwc-watcher is ready or alive (is it installed, and NotifyAccess=all set?)',
        );
      }
    });
  };

  return {
    ready: (status) => send('READY=1', `STATUS=${oneLine(status)}`),
    status: (status) => send(`STATUS=${oneLine(status)}`),
    stopping: (status = 'stopt; de lopende controle wordt afgemaakt') =>
      send('STOPPING=1', `STATUS=${oneLine(status)}`),
    startWatchdog(healthy) {
      const interval = watchdogIntervalMs(options.env, options.pid);
      if (interval === undefined || watchdog) return;
      watchdog = setInterval(() => {
        if (!healthy || healthy()) send('WATCHDOG=1');
      }, interval);
      watchdog.unref();
    },
    async close() {
      if (watchdog) clearInterval(watchdog);
      watchdog = undefined;
      await queue;
    },
  };
}
