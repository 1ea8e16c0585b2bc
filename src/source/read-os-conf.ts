// Reads os.conf from disk as untrusted data: never through a symbolic link, only a regular file, never more
// than the size limit (plus one byte to detect oversize), without blocking on a FIFO.
import { constants, promises as fs } from 'node:fs';
import { MAX_OS_CONF_BYTES } from '../config/parse.js';
import { ConfigRejectedError, OperationalError, describeSystemError, errorCode } from '../errors.js';

export interface OsConfBytes {
  path: string;
  bytes: Uint8Array;
  /** Size on disk; larger than bytes.length when the file is over the limit. */
  size: number;
}

export async function readOsConfFile(path: string): Promise<OsConfBytes> {
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
    const buffer = Buffer.alloc(MAX_OS_CONF_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { path, bytes: buffer.subarray(0, length), size: Math.max(stat.size, length) };
  } catch (e) {
    if (e instanceof ConfigRejectedError) throw e;
    throw new OperationalError(`failed to read ${path}: ${describeSystemError(e)}`, { cause: e });
  } finally {
    await handle.close();
  }
}
