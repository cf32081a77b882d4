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
  return {
    /** Every command of every session since the start, in order, without timestamp and tag. */
    commands() {
      if (!existsSync(userDir)) return [];
      return readdirSync(userDir)
        .filter((name) => name.endsWith('.in'))
        .sort()
        .flatMap((name) => readFileSync(join(userDir, name), 'latin1').split(/\r?\n/))
        .map((line) => line.replace(/^\d+\.\d+ /, ''))
        .filter((line) => /^\S+ [A-Z]/.test(line))
        .map((line) => line.replace(/^\S+ /, ''));
    },
    /** Each session since the start that sent a command after its sign-in, in the order they began. */
    sessions() {
      if (!existsSync(userDir)) return [];
      return readdirSync(userDir)
        .filter((name) => name.endsWith('.in'))
        .map((name) =>
          readFileSync(join(userDir, name), 'latin1')
            .split(/\r?\n/)
            .map((line) => /^(\d+\.\d+) \S+ ([A-Z].*)$/.exec(line))
            .filter((m): m is RegExpExecArray => m !== null),
        )
        .filter((lines) => lines.length > 0)
        .map((lines) => ({
          firstAt: Number(lines[0]?.[1]) * 1000,
          lastAt: Number(lines.at(-1)?.[1]) * 1000,
          commands: lines.map((m) => m[2] ?? ''),
        }))
        .sort((a, b) => a.firstAt - b.firstAt);
    },
    stop() {
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
