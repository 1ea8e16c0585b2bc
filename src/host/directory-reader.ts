// RootReader over a directory tree (`/` or an image builder's root). Paths arrive resolved by RootView, so
// nothing here follows a link out of the tree; file attributes come from lsattr (e2fsprogs).
import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { errorCode } from '../errors.js';
import type { EntryInfo, RootReader } from './readers.js';

const absent = (e: unknown): boolean => ['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errorCode(e) ?? '');

export class DirectoryReader implements RootReader {
  constructor(readonly dir: string) {}

  get description(): string {
    return this.dir;
  }

  private full(path: string): string {
    return this.dir === '/' ? path : join(this.dir, path);
  }

  async lstat(path: string): Promise<EntryInfo | null> {
    try {
      const s = await fs.lstat(this.full(path));
      const type = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'other';
      return { type, size: s.size, mode: s.mode & 0o7777 };
    } catch (e) {
      if (absent(e) || errorCode(e) === 'EACCES') return null;
      throw e;
    }
  }

  async readlink(path: string): Promise<string | null> {
    return fs.readlink(this.full(path)).catch(() => null);
  }

  async readFile(path: string, maxBytes: number): Promise<Buffer | null> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.full(path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
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
  }

  async list(path: string): Promise<string[]> {
    return fs.readdir(this.full(path)).catch(() => []);
  }

  lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
    return new Promise((resolve) => {
      execFile('lsattr', ['-d', '--', this.full(path)], { timeout: 10_000 }, (error, stdout) => {
        const flags = /^(\S+)\s/.exec(stdout)?.[1];
        if (error || !flags) resolve(null);
        else resolve({ immutable: flags.includes('i'), appendOnly: flags.includes('a') });
      });
    });
  }
}
