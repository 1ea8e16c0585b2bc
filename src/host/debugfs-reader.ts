// RootReader over an ext2/3/4 file system inside a disk image or on a block device, read with debugfs
// (e2fsprogs) at the partition's byte offset: nothing is mounted, nothing is written (debugfs opens
// read-only unless -w is given).
import { execFile } from 'node:child_process';
import type { EntryInfo, RootReader } from './readers.js';

const MAX_WHOLE_FILE = 16 * 1024 * 1024;
const TYPES: Record<string, EntryInfo['type']> = { regular: 'file', directory: 'dir', symlink: 'symlink' };

export class DebugfsReader implements RootReader {
  private readonly stats = new Map<string, Promise<string>>();

  constructor(
    private readonly image: string,
    private readonly offset: number,
    readonly description: string,
  ) {}

  /** debugfs always exits 0; failures are on stderr and leave stdout empty. */
  private run(command: string, maxBytes = 8 * 1024 * 1024): Promise<Buffer> {
    return new Promise((resolve) => {
      execFile('debugfs', ['-R', command, `${this.image}?offset=${this.offset}`], { encoding: 'buffer', maxBuffer: maxBytes + 4096, timeout: 30_000 }, (error, stdout) => {
        resolve(error ? Buffer.alloc(0) : stdout);
      });
    });
  }

  /** Paths reach debugfs inside double quotes; a name that cannot be quoted is treated as absent. */
  private quoted(path: string): string | null {
    return /["\n\\]/.test(path) ? null : `"${path}"`;
  }

  private stat(path: string): Promise<string> {
    const q = this.quoted(path);
    if (q === null) return Promise.resolve('');
    let cached = this.stats.get(path);
    if (!cached) {
      cached = this.run(`stat ${q}`).then((b) => b.toString('utf8'));
      this.stats.set(path, cached);
    }
    return cached;
  }

  async lstat(path: string): Promise<EntryInfo | null> {
    const out = await this.stat(path);
    const type = /Type:\s+(\w+)/.exec(out)?.[1];
    if (!type) return null;
    return { type: TYPES[type] ?? 'other', size: Number(/Size:\s+(\d+)/.exec(out)?.[1] ?? 0), mode: parseInt(/Mode:\s+(\d+)/.exec(out)?.[1] ?? '0', 8) };
  }

  async readlink(path: string): Promise<string | null> {
    const out = await this.stat(path);
    const fast = /Fast link dest: "(.*)"/.exec(out)?.[1];
    if (fast !== undefined) return fast;
    // A long target lives in a data block, which cat prints.
    const q = this.quoted(path);
    return q === null ? null : (await this.run(`cat ${q}`, 4096)).toString('utf8') || null;
  }

  async readFile(path: string, maxBytes: number): Promise<Buffer | null> {
    const q = this.quoted(path);
    const info = await this.lstat(path);
    // debugfs prints the whole file; a file far larger than what is wanted is not worth reading.
    if (q === null || info?.type !== 'file' || info.size > Math.max(maxBytes, MAX_WHOLE_FILE)) return null;
    const out = await this.run(`cat ${q}`, info.size);
    return out.subarray(0, maxBytes);
  }

  async list(path: string): Promise<string[]> {
    const q = this.quoted(path);
    if (q === null) return [];
    // `ls -p`: one "/inode/mode/uid/gid/name/size/" line per entry.
    return (await this.run(`ls -p ${q}`))
      .toString('utf8')
      .split('\n')
      .map((line) => line.split('/'))
      .filter((f) => f.length >= 7 && f[5] !== '.' && f[5] !== '..' && f[5] !== '')
      .map((f) => f[5]!);
  }

  async lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
    const flags = /Flags:\s+0x([0-9a-f]+)/.exec(await this.stat(path))?.[1];
    if (flags === undefined) return null;
    const value = parseInt(flags, 16);
    return { immutable: (value & 0x10) !== 0, appendOnly: (value & 0x20) !== 0 };
  }
}
