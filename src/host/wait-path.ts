// Waiting for a file to appear, without a process per poll: inotify through fs.watch(2) on its directory,
// with a slow stat poll as well (a file system without inotify events, a watch that fails to start).
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** How often the path is also looked at with stat(2), in milliseconds. */
const POLL_MS = 1_000;

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Resolves true once `path` exists (any file type; a link is not followed), false after `timeoutMs`
 * milliseconds without it, or as soon as `giveUp` (asked at each poll) resolves true. Its directory must exist.
 * Never throws: a watch that cannot start leaves the poll.
 */
export async function waitForPath(path: string, timeoutMs: number, giveUp: () => Promise<boolean> = async () => false): Promise<boolean> {
  if (await exists(path)) return true;
  return new Promise((resolve) => {
    let watcher: FSWatcher | null = null;
    let done = false;
    const finish = (found: boolean): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
      resolve(found);
    };
    const look = (): void => {
      void exists(path).then((found) => {
        if (found) finish(true);
      });
    };
    const poll = setInterval(() => {
      look();
      void giveUp().then(
        (stop) => {
          if (stop) finish(false);
        },
        () => undefined,
      );
    }, POLL_MS);
    const timer = setTimeout(() => finish(false), timeoutMs);
    try {
      watcher = watch(dirname(path), { persistent: true }, (_event, name) => {
        if (name === null || String(name) === basename(path)) look();
      });
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = null;
    }
    // Created between the first look and the watch.
    look();
  });
}
