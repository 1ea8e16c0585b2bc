// Read-only access to a root file system that is not necessarily the running one (a directory, or an ext
// file system inside a disk image read with debugfs). Symbolic links are resolved inside that root, so an
// absolute link in an image never reaches the machine running the check.
import type { EntryInfo, RootReader } from '../host/readers.js';

const MAX_LINKS = 16;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

function normalize(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return `/${out.join('/')}`;
}

export class RootView {
  constructor(readonly reader: RootReader) {}

  /** The path with every symbolic link resolved inside the root; null when a link loops. */
  async resolve(path: string, followLast = true): Promise<string | null> {
    let pending = path.split('/');
    let done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = normalize([...done, part]);
      if (pending.length === 0 && !followLast) return candidate;
      const info = await this.reader.lstat(candidate);
      if (info?.type !== 'symlink') {
        done.push(part);
        continue;
      }
      if (++links > MAX_LINKS) return null;
      const target = (await this.reader.readlink(candidate)) ?? '';
      if (target.startsWith('/')) done = [];
      pending = [...target.split('/'), ...pending];
    }
    return normalize(done);
  }

  async stat(path: string): Promise<EntryInfo | null> {
    const real = await this.resolve(path);
    return real === null ? null : this.reader.lstat(real);
  }

  async lstat(path: string): Promise<EntryInfo | null> {
    const real = await this.resolve(path, false);
    return real === null ? null : this.reader.lstat(real);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  /** A symbolic link's target as stored, or null when the path is not a link. */
  async readlink(path: string): Promise<string | null> {
    const real = await this.resolve(path, false);
    if (real === null || (await this.reader.lstat(real))?.type !== 'symlink') return null;
    return this.reader.readlink(real);
  }

  async readBytes(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer | null> {
    const real = await this.resolve(path);
    if (real === null || (await this.reader.lstat(real))?.type !== 'file') return null;
    return this.reader.readFile(real, maxBytes);
  }

  async read(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string | null> {
    return (await this.readBytes(path, maxBytes))?.toString('utf8') ?? null;
  }

  async list(path: string): Promise<string[]> {
    const real = await this.resolve(path);
    return real === null ? [] : (await this.reader.list(real)).sort();
  }

  async lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
    const real = await this.resolve(path);
    return real === null ? null : this.reader.lockedAttributes(real);
  }
}
