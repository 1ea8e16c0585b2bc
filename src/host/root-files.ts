// Reads files of a target root (`/` or a sandbox) for renderers that edit in place. Never follows a symbolic
// link at the file itself: a link in a sandbox root could point at the host's own file.
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { OperationalError, describeSystemError, errorCode } from '../errors.js';

export interface RootFileState {
  content: string | null;
  isSymlink: boolean;
}

export const MAX_EDITED_FILE_BYTES = 1024 * 1024;

export async function readRootFile(root: string, path: string): Promise<RootFileState> {
  const full = join(root, path);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { content: null, isSymlink: false };
    if (code === 'ELOOP') return { content: null, isSymlink: true };
    throw new OperationalError(`failed to read ${full}: ${describeSystemError(e)}`, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new OperationalError(`${full} is not a regular file`);
    if (stat.size > MAX_EDITED_FILE_BYTES) throw new OperationalError(`${full} is larger than ${MAX_EDITED_FILE_BYTES} bytes`);
    return { content: (await handle.readFile()).toString('utf8'), isSymlink: false };
  } finally {
    await handle.close();
  }
}

/** Reads each path once into a synchronous lookup for pure renderers. */
export async function snapshotRootFiles(root: string, paths: readonly string[]): Promise<Map<string, RootFileState>> {
  const out = new Map<string, RootFileState>();
  for (const p of paths) out.set(p, await readRootFile(root, p));
  return out;
}
