/**
 * Counts the IMAP commands a client sent, from Dovecot's own raw log (`rawlog_dir` in the test
 * stack's dovecot.conf): Dovecot writes one `.in` file per session of a user, but only when the
 * directory `<stack>/rawlog/<user>` exists, so every other test's mailbox is left unlogged. The
 * commands after login are logged (ID, LIST, SELECT, SEARCH, FETCH, STORE, EXPUNGE, LOGOUT, ...).
 */
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mailstackEnv, type MailUser } from './mailstack.js';

/** Starts logging this user's sessions from now on; earlier sessions are forgotten. */
/** One session of the user, as Dovecot logged it: when its first and last command came (epoch ms). */
export interface RawlogSession {
  firstAt: number;
  lastAt: number;
  commands: string[];
}

export function startRawlog(user: MailUser): {
  commands(): string[];
  sessions(): RawlogSession[];
  stop(): void;
} {
  const { dir } = mailstackEnv();
  const conf = readFileSync(join(dir, 'dovecot/dovecot.conf'), 'utf8');
  const uid = Number(/^mail_uid\s*=\s*(\d+)/m.exec(conf)?.[1] ?? NaN);
  const userDir = join(dir, 'rawlog', user.address);
  rmSync(userDir, { recursive: true, force: true });
  mkdirSync(userDir, { recursive: true });
  if (Number.isInteger(uid)) {
    chownSync(join(dir, 'rawlog'), uid, -1);
    chownSync(userDir, uid, -1);
  }
  /** Each session's logged commands (files in name order), with when each came (epoch ms, NaN untimed). */
  const sessionLines = (): { at: number; command: string }[][] => {
    if (!existsSync(userDir)) return [];
    return readdirSync(userDir)
      .filter((name) => name.endsWith('.in'))
      .sort()
      .map((name) =>
        readFileSync(join(userDir, name), 'latin1')
          .split(/\r?\n/)
          .map((line) => ({
            at: Number(/^(\d+\.\d+) /.exec(line)?.[1] ?? NaN) * 1000,
            rest: line.replace(/^\d+\.\d+ /, ''),
          }))
          .filter(({ rest }) => /^\S+ [A-Z]/.test(rest))
          .map(({ at, rest }) => ({ at, command: rest.replace(/^\S+ /, '') })),
      );
  };
  return {
    /** Every command of every session since the start, in order, without timestamp and tag. */
    commands() {
      return sessionLines().flatMap((lines) => lines.map((line) => line.command));
    },
    /** Each session since the start that sent a command after its sign-in, in the order they began. */
    sessions() {
      return sessionLines()
        .map((lines) => lines.filter((line) => Number.isFinite(line.at)))
        .filter((lines) => lines.length > 0)
        .map((lines) => ({
          firstAt: lines[0]?.at ?? 0,
          lastAt: lines.at(-1)?.at ?? 0,
          commands: lines.map((line) => line.command),
        }))
        .sort((a, b) => a.firstAt - b.firstAt);
    },
    stop() {
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
