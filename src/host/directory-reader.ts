// RootReader over a directory tree (`/` or an image builder's root). Paths arrive resolved by RootView, so
// none of their directories is a link: each is opened without following one (confined-root.ts, rule
// 'never'), so a directory swapped for a link after RootView looked is refused, never followed out of the
// tree. File attributes come from lsattr (e2fsprogs).
import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { errorCode } from '../errors.js';
import { ConfinedRoot, type Place } from './confined-root.js';
import type { EntryInfo, RootReader } from './readers.js';

const absent = (e: unknown): boolean => ['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errorCode(e) ?? '');

export class DirectoryReader implements RootReader {
  private readonly tree: ConfinedRoot;

  constructor(readonly dir: string) {
    this.tree = new ConfinedRoot(dir, 'never');
  }

  get description(): string {
    return this.dir;
  }

  /** Runs `use` on the held parent of `path`; null when a directory on the way is absent. */
  private async at<T>(path: string, use: (place: Place) => Promise<T>): Promise<T | null> {
    const place = await this.tree.parent(path);
    if (!place) return null;
    try {
      return await use(place);
    } finally {
      await place.close();
    }
  }

  async lstat(path: string): Promise<EntryInfo | null> {
    if (path === '/') return { type: 'dir', size: 0, mode: (await fs.stat(this.dir)).mode & 0o7777 };
    return this.at(path, async (place) => {
      try {
        const s = await fs.lstat(place.at());
        const type = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'other';
        return { type, size: s.size, mode: s.mode & 0o7777 };
      } catch (e) {
        if (absent(e) || errorCode(e) === 'EACCES') return null;
        throw e;
      }
    });
  }

  async readlink(path: string): Promise<string | null> {
    return this.at(path, (place) => fs.readlink(place.at()).catch(() => null));
  }

  async readFile(path: string, maxBytes: number): Promise<Buffer | null> {
    return this.at(path, async (place) => {
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(place.at(), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return null;
      }
      try {
        const buffer = Buffer.alloc(maxBytes);
        const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
        return buffer.subarray(0, bytesRead);
      } catch {
        return null;
      } finally {
        await handle.close();
      }
    });
  }

  async list(path: string): Promise<string[]> {
    const handle = await this.tree.directory(path);
    if (!handle) return [];
    try {
      return await fs.readdir(`/proc/self/fd/${handle.fd}`).catch(() => []);
    } finally {
      await handle.close();
    }
  }

  async lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
    if (path === '/') return lsattr(this.dir);
    // lsattr gets the held directory as its descriptor 3, so it reaches the very file RootView judged.
    return this.at(path, (place) => lsattr(`/proc/self/fd/3/${place.name}`, place.dir.fd));
  }
}

function lsattr(path: string, fd?: number): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
  return new Promise((resolve) => {
    const child = spawn('lsattr', ['-d', '--', path], { stdio: fd === undefined ? ['ignore', 'pipe', 'ignore'] : ['ignore', 'pipe', 'ignore', fd] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const flags = /^(\S+)\s/.exec(Buffer.concat(out).toString('utf8'))?.[1];
      if (code !== 0 || !flags) resolve(null);
      else resolve({ immutable: flags.includes('i'), appendOnly: flags.includes('a') });
    });
  });
}
