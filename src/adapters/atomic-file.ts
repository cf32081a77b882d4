import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces the content of `path` atomically: readers see the old file or the new one, never a
 * part. A symbolic link is resolved and its target is replaced, so that the link stays a link
 * and the file it points to (the one the daemon reads) gets the change. The temporary file is
 * created next to the target with O_EXCL (never an existing file or a planted link), gets the
 * target's mode and, where allowed, its owner, and is fsynced before the rename; the directory
 * is fsynced after it, so that the rename survives a power cut.
 */
export function replaceFileAtomically(path: string, content: string): void {
  const target = realpathSync(path);
  const stat = statSync(target);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      // Root editing a file of the service user must not leave it to root.
      if (fstatSync(fd).uid !== stat.uid || fstatSync(fd).gid !== stat.gid)
        fchownSync(fd, stat.uid, stat.gid);
    } catch {
      // Not allowed for an ordinary user, who then owns the file anyway.
    }
    // After the chown, which may clear set-id bits; the umask does not apply to fchmod.
    fchmodSync(fd, stat.mode & 0o7777);
    const bytes = Buffer.from(content, 'utf8');
    for (let written = 0; written < bytes.length;) {
      written += writeSync(fd, bytes, written, bytes.length - written);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
