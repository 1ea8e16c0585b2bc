// Reads os.conf from disk as untrusted data: never through a symbolic link, only a regular file, never more
// than the size limit (plus one byte to detect oversize), without blocking on a FIFO, and only when the file
// stayed the same while it was read (a file still being written is retried later, never judged half-read).
import { constants, promises as fs } from 'node:fs';
import { ConfigRejectedError, OperationalError, OsconfError, describeSystemError, errorCode } from '../errors.js';

export interface OsConfBytes {
  path: string;
  bytes: Uint8Array;
  /** Size on disk; larger than bytes.length when the file is over the limit. */
  size: number;
}

/**
 * os.conf's bytes, at most `maxBytes` (plus one, so that an oversize file is seen as such).
 * @throws ConfigRejectedError (a symbolic link, not a regular file), OperationalError (cannot be opened or read,
 * changed while read; ENOENT is the cause when the file is absent).
 */
export async function readOsConfFile(path: string, maxBytes: number): Promise<OsConfBytes> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if (errorCode(e) === 'ELOOP') throw new ConfigRejectedError(`${path}: is a symbolic link; osconf reads os.conf only as a regular file`);
    throw new OperationalError(`failed to open ${path}: ${describeSystemError(e)}`, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ConfigRejectedError(`${path}: is not a regular file`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    await pauseForTest();
    const after = await handle.stat();
    if (after.size !== stat.size || after.mtimeMs !== stat.mtimeMs || after.ctimeMs !== stat.ctimeMs) {
      throw new OperationalError(`${path}: changed while it was being read (still being written?); it is kept for the next run`);
    }
    return { path, bytes: buffer.subarray(0, length), size: Math.max(stat.size, length) };
  } catch (e) {
    // Our own errors already name the file; only system errors get the prefix.
    if (e instanceof OsconfError) throw e;
    throw new OperationalError(`failed to read ${path}: ${describeSystemError(e)}`, { cause: e });
  } finally {
    await handle.close();
  }
}

/**
 * Test hook for the "growing while read" test: with OSCONF_TEST_READ_PAUSE=DIR, after reading the bytes the
 * reader creates DIR/reading and waits (at most 30 s) for DIR/continue, so the test can change the file in
 * between deterministically.
 */
async function pauseForTest(): Promise<void> {
  const dir = process.env.OSCONF_TEST_READ_PAUSE;
  if (!dir) return;
  await fs.writeFile(`${dir}/reading`, '');
  for (let i = 0; i < 300; i++) {
    if (await fs.access(`${dir}/continue`).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
