import { fstatSync } from 'node:fs';
import { pino, type DestinationStream } from 'pino';

/**
 * Log priorities that journald understands. When systemd connects stdout or stderr to the journal
 * it sets JOURNAL_STREAM to that stream's "device:inode" (sd-daemon(3), systemd.exec(5)); only then
 * does each line get a `<N>` syslog-level prefix, which journald strips and stores as PRIORITY=,
 * so that `journalctl -p err` shows errors. The rest of the line stays the same JSON, and anywhere
 * else (a terminal, a pipe, a file) the log is unchanged.
 */

/** pino's numeric levels to syslog priorities (RFC 5424 6.2.1): fatal is crit, trace is debug. */
export function syslogPriority(pinoLevel: number): number {
  if (pinoLevel >= 60) return 2;
  if (pinoLevel >= 50) return 3;
  if (pinoLevel >= 40) return 4;
  if (pinoLevel >= 30) return 6;
  return 7;
}

const LEVEL = /^\{"level":(\d+)/;

/** Prefixes one serialised pino line; a line without a level is passed on as it is. */
export function prefixLine(line: string): string {
  const match = LEVEL.exec(line);
  return match ? `<${syslogPriority(Number(match[1]))}>${line}` : line;
}

/** Whether `fd` is the journal stream that JOURNAL_STREAM names (compared as device and inode). */
export function isJournalStream(
  fd: number,
  journalStream: string | undefined,
  stat: (fd: number) => { dev: bigint; ino: bigint } = (n) => fstatSync(n, { bigint: true }),
): boolean {
  const match = /^(\d+):(\d+)$/.exec(journalStream ?? '');
  if (!match) return false;
  try {
    const st = stat(fd);
    return st.dev === BigInt(match[1] as string) && st.ino === BigInt(match[2] as string);
  } catch {
    return false;
  }
}

/** A destination that writes each line with its `<N>` prefix to another one. */
export function prefixedDestination(target: DestinationStream): DestinationStream {
  const flushable = target as DestinationStream & { flushSync?: () => void };
  return {
    write: (line: string) => target.write(prefixLine(line)),
    ...(flushable.flushSync ? { flushSync: () => flushable.flushSync?.() } : {}),
  } as DestinationStream;
}

/** The log's destination on fd 1 or 2: with priorities when that fd is the journal. */
export function logStream(
  fd: 1 | 2,
  env: Record<string, string | undefined> = process.env,
): DestinationStream {
  const plain = pino.destination({ dest: fd, sync: true });
  return isJournalStream(fd, env.JOURNAL_STREAM) ? prefixedDestination(plain) : plain;
}
