// One apply at a time: a lock file under /run holding the owner's PID. A second run waits a bounded time;
// a lock whose owner is gone (a crash) is taken over.
import { constants, promises as fs } from 'node:fs';
import { OperationalError, errorCode } from '../errors.js';

export const LOCK_FILE = '/run/osconf/apply.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

export async function acquireLock(path: string, waitMs: number): Promise<() => Promise<void>> {
  await fs.mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await fs.rm(path, { force: true });
      };
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw new OperationalError(`failed to take the lock ${path}: ${errorCode(e) ?? String(e)}`, { cause: e });
    }
    const owner = Number.parseInt((await fs.readFile(path, 'utf8').catch(() => '')).trim(), 10);
    if (!Number.isFinite(owner) || !alive(owner)) {
      // Stale: rename it away atomically so only one waiter removes it.
      await fs.rename(path, `${path}.stale-${process.pid}`).then(() => fs.rm(`${path}.stale-${process.pid}`, { force: true }), () => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new OperationalError(`another osconf apply (pid ${owner}) is running; gave up after ${Math.round(waitMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
