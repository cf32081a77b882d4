/**
 * One command for the schools of a config directory: each in its own Io, side by side within the
 * directory's bounded concurrency, each with its own exit code; the directory's exit code is the
 * worst of them (README, "Many schools, one process").
 */
import { EXIT, type BoardContext, type Io } from '../commands/io.js';
import { parsedConfigCacheOf } from '../commands/config.js';
import { concurrencyOf, readBoard, type Board, type BoardSchool } from './config-dir.js';
import { createPool, type Pool } from './pool.js';
import { schoolIo, signalHub } from './school-io.js';
import type { BoardService } from './board-service.js';

/** The directory's systemd notifier; loaded only for `hwc run`, and only does anything under systemd. */
async function notifierOf(
  io: Io,
  schools: readonly BoardSchool[],
  signals: Io['signals'],
): Promise<BoardService | undefined> {
  if (!io.env.NOTIFY_SOCKET) return undefined;
  const [{ boardService }, { createLogger }] = await Promise.all([
    import('./board-service.js'),
    import('../adapters/logger.js'),
  ]);
  return boardService({ env: io.env, logger: createLogger(), names: schools.map((s) => s.name), signals });
}

/** The order of "worst": a run error, then a config error, then a held lock, then a bad input file. */
const SEVERITY: readonly number[] = [EXIT.runError, EXIT.config, EXIT.locked, EXIT.usage, EXIT.badInput];

export function worstExit(codes: readonly number[]): number {
  for (const code of SEVERITY) if (codes.includes(code)) return code;
  return codes.find((code) => code !== EXIT.ok) ?? EXIT.ok;
}

export interface BoardInvocation {
  dir: string;
  school?: string;
  concurrency?: string;
  io: Io;
}

/**
 * `pooled`: the whole command of a school takes a place (doctor, schedule, audit); otherwise the
 * command asks for a place around each check itself (check, run), so that a daemon waiting for its
 * next check holds none.
 */
export interface BoardCommand {
  name: string;
  pooled: boolean;
  /** Output kept per school and written when it is done (not for the daemon, which runs on). */
  buffered: boolean;
  run: (file: string, io: Io) => Promise<number> | number;
  /** `hwc run`: the process tells systemd about the directory, once, not each school on its own. */
  notifies?: boolean;
}

/** The directory, the chosen schools and the pool; or the exit code after saying what is wrong. */
export async function openBoard(
  invocation: BoardInvocation,
  command: string,
): Promise<{ board: Board; schools: BoardSchool[]; pool: Pool } | number> {
  const { io } = invocation;
  let override: number | undefined;
  if (invocation.concurrency !== undefined) {
    const parsed = concurrencyOf(invocation.concurrency);
    if (typeof parsed === 'string') {
      io.stderr.write(`hwc ${command}: --concurrency: ${parsed}\n`);
      return EXIT.usage;
    }
    override = parsed;
  }
  const board = await readBoard(invocation.dir, io.env, io.cwd, parsedConfigCacheOf(io.env));
  if ('errors' in board) {
    io.stderr.write(
      `hwc: the config directory is not valid:\n${board.errors.map((e) => `  ${e}`).join('\n')}\n`,
    );
    return EXIT.config;
  }
  const schools = invocation.school
    ? board.schools.filter((s) => s.name === invocation.school)
    : board.schools;
  if (schools.length === 0) {
    io.stderr.write(
      `hwc ${command}: no school "${invocation.school}" in ${board.dir}; the schools are: ${board.schools.map((s) => s.name).join(', ')}\n`,
    );
    return EXIT.usage;
  }
  return { board, schools, pool: createPool(override ?? board.concurrency) };
}

export function boardContextOf(
  board: Board,
  school: BoardSchool,
  pool: Pool,
  pooled: boolean,
  service?: BoardService,
): BoardContext {
  return {
    ...(service ? { serviceHooks: service.hooksFor(school.name) } : {}),
    schoolName: school.name,
    ...(board.defaultsFile ? { defaultsFile: board.defaultsFile } : {}),
    // A pooled command holds its place already; asking again inside it would wait for itself.
    slot: pooled ? (work) => work() : (work) => pool.run(work),
    takeConfig: (path) => {
      const loaded = path === school.file ? school.loaded : undefined;
      delete school.loaded;
      return loaded;
    },
  };
}

/** What only the directory shows about a school, in the words of a config error (exit 78). */
export function reportProblems(io: Io, school: BoardSchool): number {
  io.stderr.write(
    `hwc: the configuration is not valid:\n${school.problems.map((e) => `  ${e}`).join('\n')}\n`,
  );
  return EXIT.config;
}

export async function runBoard(invocation: BoardInvocation, command: BoardCommand): Promise<number> {
  const opened = await openBoard(invocation, command.name);
  if (typeof opened === 'number') return opened;
  const { board, schools, pool } = opened;
  const signals = signalHub(invocation.io.signals);
  const marked = invocation.school === undefined;
  // With --school the one school's daemon speaks for itself, exactly as with --config.
  const service = command.notifies && marked ? await notifierOf(invocation.io, schools, signals) : undefined;
  const codes = await Promise.all(
    schools.map(async (school) => {
      const context = boardContextOf(board, school, pool, command.pooled, service);
      const own = schoolIo(invocation.io, context, { marked, buffered: command.buffered, signals });
      const work = async (): Promise<number> => {
        try {
          if (school.problems.length > 0) return reportProblems(own.io, school);
          return await command.run(school.file, own.io);
        } catch (err) {
          // One school's unexpected failure is its own: the others go on.
          own.io.stderr.write(`hwc: unexpected failure (${(err as Error)?.name ?? 'error'})\n`);
          return EXIT.runError;
        } finally {
          own.flush();
          service?.ended(school.name);
        }
      };
      return command.pooled ? pool.run(work) : work();
    }),
  );
  await service?.close();
  return worstExit(codes);
}
