// Reads os.conf from disk as untrusted data: never through a symbolic link, only a regular file (lstat says
// so before it is opened, fstat again on the open file), never more than the size limit (plus one byte to
// detect oversize), without blocking on a FIFO, and only when the file stayed the same while it was read (a
// file still being written is retried later, never judged half-read).
// On the first partition (readPartitionOsConf) the directory aliyun_custom_image must be a real directory,
// reached without following a link, and every later name is resolved inside that open directory
// (/proc/self/fd/N/NAME, an openat(2) for Node, which has none), so swapping the directory for a link between
// the check and the use changes nothing. os.conf there must belong to root (or to the user running osconf):
// a file an unprivileged user could create never sets root's password. What is refused is set aside.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import { ConfigRejectedError, OperationalError, OsconfError, describeSystemError, errorCode } from '../errors.js';

export interface OsConfBytes {
  path: string;
  bytes: Uint8Array;
  /** Size on disk; larger than bytes.length when the file is over the limit. */
  size: number;
}

export const OS_CONF_DIR = 'aliyun_custom_image';
export const OS_CONF_NAME = 'os.conf';
export const REJECTED_NAME = `${OS_CONF_NAME}.rejected`;
/** Where os.conf goes after failing the same way at the retry limit (apply/retry.ts). */
export const FAILED_NAME = `${OS_CONF_NAME}.failed`;

/** What kind of entry lstat found, for messages. */
function kindOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * os.conf's bytes, at most `maxBytes` (plus one, so that an oversize file is seen as such). `path` may be a
 * name inside an open directory (`/proc/self/fd/N/os.conf`); `shown` is the path messages name.
 * `owners`: the uids the file may belong to (any when absent).
 * @throws ConfigRejectedError (a symbolic link, not a regular file, a foreign owner), OperationalError (cannot
 * be opened or read, changed while read; ENOENT is the cause when the file is absent).
 */
export async function readOsConfFile(path: string, maxBytes: number, shown = path, owners?: readonly number[]): Promise<OsConfBytes> {
  // lstat first: opening a device or a FIFO can have effects (a tape rewinds, a FIFO's writer is released).
  let before: Stats;
  try {
    before = await fs.lstat(path);
  } catch (e) {
    throw new OperationalError(`failed to open ${shown}: ${describeSystemError(e)}`, { cause: e });
  }
  if (before.isSymbolicLink()) throw new ConfigRejectedError(`${shown}: is a symbolic link; osconf reads os.conf only as a regular file`);
  if (!before.isFile()) throw new ConfigRejectedError(`${shown}: is ${kindOf(before)}, not a regular file`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if (errorCode(e) === 'ELOOP') throw new ConfigRejectedError(`${shown}: is a symbolic link; osconf reads os.conf only as a regular file`);
    throw new OperationalError(`failed to open ${shown}: ${describeSystemError(e)}`, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ConfigRejectedError(`${shown}: is ${kindOf(stat)}, not a regular file`);
    // Replaced between lstat and open: judge nothing, the next run looks again.
    if (stat.ino !== before.ino || stat.dev !== before.dev) throw new OperationalError(`${shown}: was replaced while it was opened; it is kept for the next run`);
    if (owners && !owners.includes(stat.uid)) {
      throw new ConfigRejectedError(`${shown}: belongs to uid ${stat.uid}, not to root; a file another user could write never configures this system`);
    }
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
      throw new OperationalError(`${shown}: changed while it was being read (still being written?); it is kept for the next run`);
    }
    return { path: shown, bytes: buffer.subarray(0, length), size: Math.max(stat.size, length) };
  } catch (e) {
    // Our own errors already name the file; only system errors get the prefix.
    if (e instanceof OsconfError) throw e;
    throw new OperationalError(`failed to read ${shown}: ${describeSystemError(e)}`, { cause: e });
  } finally {
    await handle.close();
  }
}

/**
 * `BASE/aliyun_custom_image`, opened as a directory without following a link. Names inside it resolve through
 * the open descriptor, so a directory swapped for a link after the check is never followed.
 */
export class ConfDir {
  private constructor(
    /** The directory's path, for messages. */
    readonly path: string,
    private readonly handle: fs.FileHandle,
  ) {}

  /**
   * Opens `base/aliyun_custom_image`; null when it is absent.
   * @throws ConfigRejectedError (a symbolic link or not a directory), OperationalError (cannot be opened).
   */
  static async open(base: string): Promise<ConfDir | null> {
    const path = `${base.replace(/\/+$/, '')}/${OS_CONF_DIR}`;
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT') return null;
      // Linux gives ENOTDIR, not ELOOP, for a link opened with O_DIRECTORY|O_NOFOLLOW: lstat names which.
      const link = code === 'ELOOP' || (code === 'ENOTDIR' && (await fs.lstat(path).then((s) => s.isSymbolicLink(), () => false)));
      if (link) throw new ConfigRejectedError(`${path}: is a symbolic link; osconf reads os.conf only from a real directory on the partition`);
      if (code === 'ENOTDIR') throw new ConfigRejectedError(`${path}: is not a directory`);
      throw new OperationalError(`failed to open ${path}: ${describeSystemError(e)}`, { cause: e });
    }
    // Without procfs every name would look absent: that must fail, never read as "no os.conf".
    if (!(await fs.stat(`/proc/self/fd/${handle.fd}`).then((st) => st.isDirectory(), () => false))) {
      await handle.close();
      throw new OperationalError(`cannot reach ${path} through /proc/self/fd (is /proc mounted?)`);
    }
    return new ConfDir(path, handle);
  }

  /** A path that reaches `name` inside this very directory (openat(2) through procfs). */
  at(name: string): string {
    if (name.includes('/')) throw new Error(`not a name: ${name}`);
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  shown(name: string): string {
    return `${this.path}/${name}`;
  }

  /** fsync(2) of the directory, so that a rename or removal survives a crash. */
  async sync(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * os.conf on the partition mounted at `base`, or null when there is none (no aliyun_custom_image, no
 * os.conf). Only a regular file owned by root (or by the user running osconf, for tests) is read; anything
 * else at the name (a link, FIFO, directory, device, a foreign file) is set aside (setAside) and refused.
 * @throws ConfigRejectedError (what was refused and where it went), OperationalError (unreadable, changed while
 * read).
 */
export async function readPartitionOsConf(base: string, maxBytes: number): Promise<OsConfBytes | null> {
  const dir = await ConfDir.open(base);
  if (!dir) return null;
  try {
    const owners = [...new Set([0, process.geteuid?.() ?? 0])];
    return await readOsConfFile(dir.at(OS_CONF_NAME), maxBytes, dir.shown(OS_CONF_NAME), owners);
  } catch (e) {
    if (e instanceof OperationalError && errorCode(e.cause) === 'ENOENT') return null;
    if (e instanceof ConfigRejectedError) {
      const aside = await setAsideIn(dir, OS_CONF_NAME).catch((f: unknown) => `not set aside (${f instanceof Error ? f.message : String(f)})`);
      throw new ConfigRejectedError(`${e.message}; ${aside.startsWith('not') ? aside : `set aside as ${aside}`}`, { cause: e });
    }
    throw e;
  } finally {
    await dir.close();
  }
}

/**
 * Renames os.conf aside so that the next boot does not judge it again: to os.conf.rejected when it is a
 * regular file and that name is free or a regular file (the last rejected file is kept), else to a unique
 * os.conf.rejected-TIME-RANDOM (anything odd, and anything odd already at os.conf.rejected, which would make
 * the rename fail at every boot). Returns the new path.
 * @throws OperationalError (the directory or the rename failed).
 */
export async function setAsideOsConf(base: string): Promise<string> {
  const dir = await ConfDir.open(base);
  if (!dir) throw new OperationalError(`${base}/${OS_CONF_DIR}: vanished before os.conf was set aside`);
  try {
    return await setAsideIn(dir, OS_CONF_NAME);
  } finally {
    await dir.close();
  }
}

/**
 * Removes os.conf from the partition after it was applied (never through a link: unlink removes the name).
 * @throws OperationalError.
 */
export async function removePartitionOsConf(base: string): Promise<void> {
  const dir = await ConfDir.open(base);
  if (!dir) return;
  try {
    await fs.unlink(dir.at(OS_CONF_NAME)).catch((e: unknown) => {
      if (errorCode(e) !== 'ENOENT') throw new OperationalError(`failed to remove ${dir.shown(OS_CONF_NAME)}: ${describeSystemError(e)}`, { cause: e });
    });
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  return fs.lstat(path).catch((e: unknown) => {
    if (errorCode(e) === 'ENOENT') return null;
    throw e;
  });
}

function uniqueName(prefix = REJECTED_NAME): string {
  const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${prefix}-${time}-${randomBytes(3).toString('hex')}`;
}

/**
 * Renames os.conf to os.conf.failed, or to a unique os.conf.failed-TIME-RANDOM when that name is taken (nothing
 * set aside earlier is replaced), through the open aliyun_custom_image directory. Returns the new path.
 * @throws OperationalError (the directory vanished, the rename failed).
 */
export async function setAsideFailedOsConf(base: string): Promise<string> {
  const dir = await ConfDir.open(base);
  if (!dir) throw new OperationalError(`${base}/${OS_CONF_DIR}: vanished before os.conf was set aside`);
  try {
    const target = (await lstatOrNull(dir.at(FAILED_NAME))) ? uniqueName(FAILED_NAME) : FAILED_NAME;
    await fs.rename(dir.at(OS_CONF_NAME), dir.at(target));
    await dir.sync();
    return dir.shown(target);
  } catch (e) {
    throw new OperationalError(`failed to set ${dir.shown(OS_CONF_NAME)} aside: ${describeSystemError(e)}`, { cause: e });
  } finally {
    await dir.close();
  }
}

async function setAsideIn(dir: ConfDir, name: string): Promise<string> {
  try {
    const entry = await fs.lstat(dir.at(name));
    const current = await lstatOrNull(dir.at(REJECTED_NAME));
    let target = REJECTED_NAME;
    if (!entry.isFile()) target = uniqueName();
    else if (current && !current.isFile()) await fs.rename(dir.at(REJECTED_NAME), dir.at(uniqueName()));
    await fs.rename(dir.at(name), dir.at(target));
    await dir.sync();
    return dir.shown(target);
  } catch (e) {
    throw new OperationalError(`failed to set ${dir.shown(name)} aside: ${describeSystemError(e)}`, { cause: e });
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
