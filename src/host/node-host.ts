// The real Host: files under a root directory, every path resolved inside it through held directory
// descriptors (confined-root.ts), commands through child_process (argv only, never a shell).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { OperationalError, describeSystemError, errorCode } from '../errors.js';
import { ConfinedRoot, ConfinementError, fdPath, type LinkRule, type Place } from './confined-root.js';
import type { DeviceNumber, ExecOptions, ExecResult, FileInfo, Host, WriteOptions } from './host.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_READ_BYTES = 4 * 1024 * 1024;

export interface NodeHostOptions {
  /**
   * What a symbolic link among a path's directories does (confined-root.ts): 'inside' (default) resolves it
   * inside the root and refuses one that climbs above it; 'never' refuses any (prepare acts only on paths it
   * planned without links, so a link found when acting was swapped in since).
   */
  links?: LinkRule;
}

export class NodeHost implements Host {
  readonly live: boolean;
  private readonly tree: ConfinedRoot;

  constructor(
    readonly root: string = '/',
    options: NodeHostOptions = {},
  ) {
    this.live = root === '/';
    this.tree = new ConfinedRoot(root, options.links ?? 'inside');
  }

  private full(path: string): string {
    if (!path.startsWith('/')) throw new Error(`host paths are absolute: ${path}`);
    return this.tree.shown(path);
  }

  /** The held directory of `path`'s last component, null when a directory on the way is absent. */
  private place(path: string, create?: number): Promise<Place | null> {
    this.full(path);
    return this.tree.parent(path, create);
  }

  async read(path: string): Promise<string | null> {
    const full = this.full(path);
    const place = await this.place(path);
    if (!place) return null;
    try {
      // lstat before open: opening a device or a FIFO can have effects; such a file is refused unopened.
      const before = await fs.lstat(place.at()).catch((e: unknown) => {
        const code = errorCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new OperationalError(`failed to read ${full}: ${describeSystemError(e)}`, { cause: e });
      });
      if (before === null) return null;
      if (before.isSymbolicLink()) throw new OperationalError(`failed to read ${full}: it is a symbolic link`);
      if (!before.isFile()) throw new OperationalError(`failed to read ${full}: not a regular file`);
      if (before.size > MAX_READ_BYTES) throw new OperationalError(`failed to read ${full}: larger than ${MAX_READ_BYTES} bytes`);
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(place.at(), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (e) {
        const code = errorCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new OperationalError(`failed to read ${full}: ${code === 'ELOOP' ? 'it is a symbolic link' : describeSystemError(e)}`, { cause: e });
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new OperationalError(`failed to read ${full}: not a regular file`);
        if (stat.size > MAX_READ_BYTES) throw new OperationalError(`failed to read ${full}: larger than ${MAX_READ_BYTES} bytes`);
        return (await handle.readFile()).toString('utf8');
      } finally {
        await handle.close();
      }
    } finally {
      await place.close();
    }
  }

  async info(path: string): Promise<FileInfo | null> {
    const place = await this.place(path);
    if (!place) return null;
    try {
      const s = await fs.lstat(place.at());
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, isSymlink: s.isSymbolicLink() };
    } catch (e) {
      if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') return null;
      throw new OperationalError(`failed to inspect ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await place.close();
    }
  }

  async list(dir: string): Promise<string[]> {
    this.full(dir);
    const handle = await this.tree.directory(dir);
    if (!handle) return [];
    try {
      return (await fs.readdir(fdPath(handle))).sort();
    } catch (e) {
      throw new OperationalError(`failed to list ${this.full(dir)}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await handle.close();
    }
  }

  async write(path: string, content: string, options: WriteOptions): Promise<void> {
    const full = this.full(path);
    let place: Place | null = null;
    try {
      place = await this.place(path, 0o755);
      const at = place!.at;
      await removeStaleTemps(place!);
      const temp = `.${place!.name}.osconf-${randomBytes(6).toString('hex')}`;
      // O_EXCL|O_NOFOLLOW: never write through something placed at the temp name.
      const handle = await fs.open(at(temp), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        try {
          await handle.writeFile(content);
          if (options.uid !== undefined && options.gid !== undefined) await handle.chown(options.uid, options.gid);
          await handle.chmod(options.mode);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(at(temp), at());
      } catch (e) {
        await unlinkIfPresent(at(temp));
        throw e;
      }
      await place!.dir.sync();
    } catch (e) {
      if (e instanceof ConfinementError) throw e;
      throw new OperationalError(`failed to write ${full}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await place?.close();
    }
  }

  async remove(path: string): Promise<void> {
    const full = this.full(path);
    const place = await this.place(path);
    if (!place) return;
    try {
      await unlinkIfPresent(place.at());
      await place.dir.sync();
    } catch (e) {
      throw new OperationalError(`failed to remove ${full}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await place.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const failed = (e: unknown) => new OperationalError(`failed to rename ${this.full(from)} to ${this.full(to)}: ${describeSystemError(e)}`, { cause: e });
    const source = await this.place(from);
    if (!source) throw failed(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
    try {
      const target = await this.place(to);
      if (!target) throw failed(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
      try {
        await fs.rename(source.at(), target.at());
        await target.dir.sync();
      } catch (e) {
        throw failed(e);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  }

  async mkdir(path: string, mode: number): Promise<void> {
    this.full(path);
    const handle = await this.tree.directory(path, mode);
    await handle?.close();
  }

  async rmdir(path: string): Promise<void> {
    const place = await this.place(path);
    if (!place) return;
    try {
      await fs.rmdir(place.at());
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') throw new OperationalError(`failed to remove ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await place.close();
    }
  }

  async readlink(path: string): Promise<string | null> {
    const place = await this.place(path);
    if (!place) return null;
    try {
      return await fs.readlink(place.at());
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EINVAL') return null;
      throw new OperationalError(`failed to read the link ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await place.close();
    }
  }

  async symlink(target: string, path: string): Promise<void> {
    const place = await this.place(path);
    if (!place) throw new OperationalError(`failed to link ${this.full(path)}: ENOENT`);
    try {
      await fs.symlink(target, place.at());
      await place.dir.sync();
    } catch (e) {
      throw new OperationalError(`failed to link ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    } finally {
      await place.close();
    }
  }

  async realpath(path: string): Promise<string | null> {
    this.full(path);
    if (!this.live) throw new OperationalError(`refusing to resolve ${path} for a sandbox root (${this.root}): it names the running system's`);
    try {
      // fs.promises.realpath is libuv's uv_fs_realpath, that is realpath(3).
      return await fs.realpath(path);
    } catch (e) {
      if (NOT_THERE.has(errorCode(e) ?? '')) return null;
      throw new OperationalError(`failed to resolve ${path}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async deviceNumber(path: string): Promise<DeviceNumber | null> {
    this.full(path);
    if (!this.live) throw new OperationalError(`refusing to inspect the device ${path} for a sandbox root (${this.root}): it names the running system's`);
    if (!libuvGivesRdev(process.versions.uv ?? '0')) return deviceNumberByStat(this, path);
    try {
      const s = await fs.stat(path);
      return s.isBlockDevice() || s.isCharacterDevice() ? splitDeviceNumber(s.rdev) : null;
    } catch (e) {
      if (NOT_THERE.has(errorCode(e) ?? '')) return null;
      throw new OperationalError(`failed to inspect ${path}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!this.live) return Promise.reject(new OperationalError(`refusing to run ${argv[0]} for a sandbox root (${this.root})`));
    const [command, ...args] = argv;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const child = spawn(command!, args, {
        stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new OperationalError(`failed to run ${command}: ${describeSystemError(e)}`, { cause: e }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) reject(new OperationalError(`${command} timed out after ${timeoutMs} ms`));
        else resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      if (options.stdin !== undefined) {
        // A command that exits without reading its input must not crash us with EPIPE.
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(options.stdin);
      }
    });
  }

  async hostname(): Promise<string> {
    return osHostname();
  }

  async setHostname(name: string): Promise<void> {
    if (!this.live) throw new OperationalError(`refusing to set the host name of a sandbox root (${this.root})`);
    // One write(2) of the whole name: the kernel takes it as sethostname(2) would (proc(5)).
    await fs.writeFile('/proc/sys/kernel/hostname', name);
  }

  today(): number {
    return Math.floor(Date.now() / 86_400_000);
  }
}

/** Errors meaning a path leads nowhere: absent, a file where a directory should be, a loop of links. */
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/**
 * A dev_t split into major and minor as glibc's gnu_dev_major and gnu_dev_minor do (makedev(3),
 * sys/sysmacros.h): major from bits 8-19 and 44-63, minor from bits 0-7 and 20-43. A Number, as fs.stat gives
 * st_rdev (no BigInt: the runtime floor is Node.js 10), is exact up to 2^53; Linux's own are 32 bits
 * (the kernel's new_encode_dev: 12-bit major, 20-bit minor).
 */
export function splitDeviceNumber(dev: number): DeviceNumber {
  const low = dev % 0x100000000;
  const high = Math.floor(dev / 0x100000000);
  return {
    major: ((low >>> 8) & 0xfff) + (high >>> 12) * 0x1000,
    minor: (low & 0xff) + (low >>> 20) * 0x100 + (high & 0xfff) * 0x100000,
  };
}

/**
 * Whether fs.stat's rdev is st_rdev whole. libuv before 1.41.0 took it from statx(2)'s major alone, the minor
 * lost (libuv issue 3051, fixed by pull request 3052): Node.js 10 and 12, and distribution builds of later
 * Node.js linked with such a libuv. `uv` is process.versions.uv (the libuv running, shared or bundled).
 */
export function libuvGivesRdev(uv: string): boolean {
  const [major = 0, minor = 0] = uv.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 41);
}

/**
 * The device number of the device node at `path` from coreutils' `stat -L` (%F the file type, %t:%T the major
 * and minor in hexadecimal, split by major(3)/minor(3)): for a Node.js whose fs.stat loses the minor. Null when
 * stat fails (absent, dangling link, loop) or the path is no device.
 * @throws OperationalError when `stat` cannot be run.
 */
export async function deviceNumberByStat(host: Host, path: string): Promise<DeviceNumber | null> {
  const r = await host.exec(['stat', '-L', '-c', '%F %t:%T', '--', path]);
  const m = r.code === 0 ? /^(?:block|character) special file ([0-9a-f]+):([0-9a-f]+)$/.exec(r.stdout.trim()) : null;
  return m ? { major: parseInt(m[1]!, 16), minor: parseInt(m[2]!, 16) } : null;
}

/** Temp files a crashed earlier run left beside the target (the target itself is old or new, never partial). */
async function removeStaleTemps(place: Place): Promise<void> {
  const prefix = `.${place.name}.osconf-`;
  for (const entry of await fs.readdir(fdPath(place.dir)).catch(() => [] as string[])) {
    if (entry.startsWith(prefix) && /^[0-9a-f]{12}$/.test(entry.slice(prefix.length))) await unlinkIfPresent(place.at(entry));
  }
}

/** Removes a file; one already gone is fine. (fs.rm's `force`, which Node.js before 14.14 lacks.) */
async function unlinkIfPresent(path: string): Promise<void> {
  await fs.unlink(path).catch((e: unknown) => {
    if (errorCode(e) !== 'ENOENT') throw e;
  });
}
