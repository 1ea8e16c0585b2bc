// One apply at a time: a kernel lock, flock(2), on /run/osconf/apply.lock. Node has no flock without a native
// addon, so flock(1) (util-linux or BusyBox) takes it on a descriptor this process holds and passes down (the shell's
// `exec 9>file; flock 9` idiom): the lock belongs to the open file, which only this process keeps open, so only
// closing it releases the lock, and the kernel drops it when the process ends however it ends. No stale lock is
// ever taken over and no file is removed. The PID written into the file is for messages only.
import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { OperationalError, describeSystemError, errorCode } from '../errors.js';
import { ConfinedRoot } from './confined-root.js';

export const LOCK_FILE = '/run/osconf/apply.lock';
/** How often a waiting apply tries the lock again, in milliseconds. */
const RETRY_MS = 200;

/**
 * Takes the apply lock at `path` inside `root` (default: the running system), waiting at most `waitMs`
 * milliseconds for another holder; resolves to the function that releases it. A lock path that is a symbolic link, a FIFO or anything but a regular file is
 * refused at once (never opened through a link, never blocked on).
 * @throws OperationalError (held by another apply after waitMs, naming its PID when known; a path that is no
 * regular file; flock(1) missing or failing), ConfinementError (a link on the way leaves the root).
 * The directories on the way are resolved inside the root (confined-root.ts): a linked /run never moves the
 * lock out of an image root.
 */
export async function acquireLock(path: string, waitMs: number, root = '/'): Promise<() => Promise<void>> {
  const place = await new ConfinedRoot(root, 'inside').parent(path, 0o700);
  const shown = place!.shown;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(place!.at(), constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY, 0o600);
  } catch (e) {
    const why = errorCode(e) === 'ELOOP' ? 'it is a symbolic link' : describeSystemError(e);
    throw new OperationalError(`failed to take the lock ${shown}: ${why}`, { cause: e });
  } finally {
    await place!.close();
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new OperationalError(`failed to take the lock ${shown}: not a regular file (${stat.isFIFO() ? 'a FIFO' : `mode ${(stat.mode & 0o170000).toString(8)}`})`);
    if (!(await takeFlock(handle.fd, waitMs))) {
      const owner = Number.parseInt((await handle.readFile('utf8').catch(() => '')).trim(), 10);
      const who = Number.isInteger(owner) && owner > 0 ? ` (pid ${owner})` : '';
      throw new OperationalError(`another osconf apply${who} is running; gave up after ${Math.round(waitMs / 1000)} s`);
    }
    await handle.truncate(0);
    await handle.write(`${process.pid}\n`, 0);
  } catch (e) {
    await handle.close();
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await handle.close();
  };
}

/**
 * Whether an apply (or `osconf verify`) holds the lock at `path` now, for `osconf status`: the same
 * `flock -x -n` an apply tries, released at once when it succeeds, on a descriptor opened read-only and never
 * created (no lock file: nobody holds it). Resolves to the holder's PID as it wrote it (null when unknown), or
 * false when free.
 * @throws OperationalError (the file cannot be opened, e.g. EACCES when not root; flock missing or failing).
 */
export async function lockHeld(path: string): Promise<{ pid: number | null } | false> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return false;
    throw new OperationalError(`failed to read the lock ${path}: ${describeSystemError(e)}`, { cause: e });
  }
  try {
    if (!(await handle.stat()).isFile()) throw new OperationalError(`failed to read the lock ${path}: not a regular file`);
    if (await tryFlock(handle.fd)) return false;
    const pid = Number.parseInt((await handle.readFile('utf8').catch(() => '')).trim(), 10);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : null };
  } finally {
    await handle.close();
  }
}

/**
 * `flock -x -n 3` on a duplicate of `fd`, tried again every RETRY_MS until `waitMs` has passed: true once
 * taken, false while another holds it. Only the options every flock(1) has (util-linux since 2.13, BusyBox):
 * `-w` and `-E` are newer (util-linux 2.22; BusyBox has neither). Held by another is exit 1 with nothing on
 * stderr; anything else is an error.
 * @throws OperationalError (flock missing, or failing for another reason).
 */
async function takeFlock(fd: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await tryFlock(fd)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MS, Math.max(0, deadline - Date.now()))));
  }
}

function tryFlock(fd: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', '-n', '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    });
    const err: Buffer[] = [];
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new OperationalError(`failed to run flock for the apply lock: ${describeSystemError(e)}`, { cause: e })));
    child.on('close', (code, signal) => {
      const message = Buffer.concat(err).toString('utf8').trim();
      if (code === 0) resolve(true);
      else if (code === 1 && message === '') resolve(false);
      else reject(new OperationalError(`flock failed to take the apply lock: ${message || `exit ${code ?? signal}`}`));
    });
  });
}
