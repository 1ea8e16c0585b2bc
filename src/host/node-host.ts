// The real Host: files under a root directory, commands through child_process (argv only, never a shell).
import { execFile } from 'node:child_process';
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
        await fs.rm(temp, { force: true });
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
      await fs.rm(full, { force: true });
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

  exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!this.live) return Promise.reject(new OperationalError(`refusing to run ${argv[0]} for a sandbox root (${this.root})`));
    const [command, ...args] = argv;
    return new Promise((resolve, reject) => {
      const child = execFile(
        command!,
        args,
        { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } },
        (error, stdout, stderr) => {
          if (error && typeof (error as { code?: unknown }).code !== 'number') {
            const why = (error as { killed?: boolean }).killed ? `timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : describeSystemError(error);
            reject(new OperationalError(`failed to run ${command}: ${why}`, { cause: error }));
            return;
          }
          resolve({ code: error ? Number((error as { code: number }).code) : 0, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      child.stdin?.end(options.stdin ?? '');
    });
  }

  async hostname(): Promise<string> {
    return osHostname();
  }

  today(): number {
    return Math.floor(Date.now() / 86_400_000);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
