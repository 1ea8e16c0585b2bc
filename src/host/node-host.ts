// The real Host: files under a root directory, commands through child_process (argv only, never a shell).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { OperationalError, describeSystemError, errorCode } from '../errors.js';
import type { ExecOptions, ExecResult, FileInfo, Host, WriteOptions } from './host.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_READ_BYTES = 4 * 1024 * 1024;

export class NodeHost implements Host {
  readonly live: boolean;

  constructor(readonly root: string = '/') {
    this.live = root === '/';
  }

  private full(path: string): string {
    if (!path.startsWith('/')) throw new Error(`host paths are absolute: ${path}`);
    return this.root === '/' ? path : join(this.root, path);
  }

  async read(path: string): Promise<string | null> {
    const full = this.full(path);
    // lstat before open: opening a device or a FIFO can have effects; such a file is refused unopened.
    const before = await fs.lstat(full).catch((e: unknown) => {
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
      handle = await fs.open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
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
  }

  async info(path: string): Promise<FileInfo | null> {
    try {
      const s = await fs.lstat(this.full(path));
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, isSymlink: s.isSymbolicLink() };
    } catch (e) {
      if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') return null;
      throw new OperationalError(`failed to inspect ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.full(dir))).sort();
    } catch (e) {
      if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') return [];
      throw new OperationalError(`failed to list ${this.full(dir)}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async write(path: string, content: string, options: WriteOptions): Promise<void> {
    const full = this.full(path);
    const dir = dirname(full);
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      await removeStaleTemps(dir, basename(full));
      const temp = join(dir, `.${basename(full)}.osconf-${randomBytes(6).toString('hex')}`);
      // O_EXCL|O_NOFOLLOW: never write through something placed at the temp name.
      const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        try {
          await handle.writeFile(content);
          if (options.uid !== undefined && options.gid !== undefined) await handle.chown(options.uid, options.gid);
          await handle.chmod(options.mode);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(temp, full);
      } catch (e) {
        await unlinkIfPresent(temp);
        throw e;
      }
      await syncDir(dir);
    } catch (e) {
      throw new OperationalError(`failed to write ${full}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async remove(path: string): Promise<void> {
    const full = this.full(path);
    try {
      await unlinkIfPresent(full);
      await syncDir(dirname(full));
    } catch (e) {
      throw new OperationalError(`failed to remove ${full}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await fs.rename(this.full(from), this.full(to));
      await syncDir(dirname(this.full(to)));
    } catch (e) {
      throw new OperationalError(`failed to rename ${this.full(from)} to ${this.full(to)}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async mkdir(path: string, mode: number): Promise<void> {
    try {
      await fs.mkdir(this.full(path), { recursive: true, mode });
    } catch (e) {
      throw new OperationalError(`failed to create ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async rmdir(path: string): Promise<void> {
    try {
      await fs.rmdir(this.full(path));
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') throw new OperationalError(`failed to remove ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async readlink(path: string): Promise<string | null> {
    try {
      return await fs.readlink(this.full(path));
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EINVAL') return null;
      throw new OperationalError(`failed to read the link ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
    }
  }

  async symlink(target: string, path: string): Promise<void> {
    try {
      await fs.symlink(target, this.full(path));
      await syncDir(dirname(this.full(path)));
    } catch (e) {
      throw new OperationalError(`failed to link ${this.full(path)}: ${describeSystemError(e)}`, { cause: e });
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

  today(): number {
    return Math.floor(Date.now() / 86_400_000);
  }
}

/** Temp files a crashed earlier run left beside the target (the target itself is old or new, never partial). */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.osconf-`;
  for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
    if (entry.startsWith(prefix) && /^[0-9a-f]{12}$/.test(entry.slice(prefix.length))) await unlinkIfPresent(join(dir, entry));
  }
}

/** Removes a file; one already gone is fine. (fs.rm's `force`, which Node.js before 14.14 lacks.) */
async function unlinkIfPresent(path: string): Promise<void> {
  await fs.unlink(path).catch((e: unknown) => {
    if (errorCode(e) !== 'ENOENT') throw e;
  });
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
