/**
 * The Io of one school of a config directory: its output marked with its name, its signals fanned
 * out from the process's, and its place in the directory's bounded concurrency.
 */
import type { BoardContext, Io } from '../commands/io.js';

type Writer = { write(chunk: string): unknown };

/**
 * Marks each line: a JSON object line gets `"school"` as its first field (so `hwc check --json`
 * stays one object per line), any other line a `[name] ` prefix. Lines go out whole, so that
 * schools running side by side never mix within a line.
 */
export function markedWriter(target: Writer, name: string, buffered: boolean): Writer & { flush(): void } {
  let partial = '';
  const out: string[] = [];
  const emit = (line: string): void => {
    const marked = `${mark(line, name)}\n`;
    if (buffered) out.push(marked);
    else target.write(marked);
  };
  return {
    write(chunk: string) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
      return true;
    },
    flush() {
      if (partial !== '') emit(partial);
      partial = '';
      if (out.length > 0) target.write(out.join(''));
      out.length = 0;
    },
  };
}

function mark(line: string, name: string): string {
  if (line.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return JSON.stringify({ school: name, ...value });
      }
    } catch {
      // Not JSON after all: marked like any other line.
    }
  }
  return `[${name}] ${line}`;
}

/** One listener per signal on the process, however many schools listen. */
export function signalHub(signals: Io['signals']): Io['signals'] {
  const listeners = { SIGTERM: [] as (() => void)[], SIGINT: [] as (() => void)[] };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    signals.once(signal, () => {
      for (const listener of listeners[signal].splice(0)) listener();
    });
  }
  return {
    once(signal, listener) {
      listeners[signal].push(listener);
      return undefined;
    },
  };
}

export interface SchoolIo {
  io: Io;
  flush(): void;
}

/** `marked: false` when one school was chosen with --school: its output is exactly as with --config. */
export function schoolIo(
  io: Io,
  board: BoardContext,
  options: { marked: boolean; buffered: boolean; signals: Io['signals'] },
): SchoolIo {
  if (!options.marked) return { io: { ...io, board, signals: options.signals }, flush: () => undefined };
  const stdout = markedWriter(io.stdout, board.schoolName, options.buffered);
  const stderr = markedWriter(io.stderr, board.schoolName, options.buffered);
  // check-output.ts asks whether stdout is a terminal: the school's stdout is what the real one is.
  Object.defineProperty(stdout, 'isTTY', { value: (io.stdout as { isTTY?: boolean }).isTTY === true });
  return {
    io: { ...io, board, stdout, stderr, signals: options.signals },
    flush: () => {
      stdout.flush();
      stderr.flush();
    },
  };
}
