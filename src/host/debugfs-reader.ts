// RootReader over an ext2/3/4 file system inside a disk image or on a block device, read with debugfs
// (e2fsprogs) at the partition's byte offset: nothing is mounted, nothing is written (debugfs opens
// read-only unless -w is given). The file system is untrusted: debugfs runs at most MAX_IN_FLIGHT at once
// (all started together, thousands of them time out and read as "absent"), at most MAX_CALLS per file system,
// and one that fails or times out is an error naming it, never an absent file.
import { execFile } from 'node:child_process';
import { OperationalError } from '../errors.js';
import type { EntryInfo, RootReader } from './readers.js';

const MAX_WHOLE_FILE = 16 * 1024 * 1024;
/** debugfs processes running at once, over every reader. */
export const MAX_IN_FLIGHT = 4;
/** debugfs runs per file system: far more than a check of a real root needs. */
export const MAX_CALLS = 5000;
const TIMEOUT_MS = 30_000;

let running = 0;
const waiting: Array<() => void> = [];

/** Runs `task` when fewer than MAX_IN_FLIGHT others run. */
async function limited<T>(task: () => Promise<T>): Promise<T> {
  // A finishing task hands its slot straight to the next waiter, so no newcomer slips in between.
  if (running >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** One entry of a directory as `ls -p` lists it. */
export interface DebugfsEntry {
  name: string;
  type: EntryInfo['type'];
}
const TYPES: Record<string, EntryInfo['type']> = { regular: 'file', directory: 'dir', symlink: 'symlink' };

export class DebugfsReader implements RootReader {
  private readonly stats = new Map<string, Promise<string>>();
  private calls = 0;

  constructor(
    private readonly image: string,
    private readonly offset: number,
    readonly description: string,
  ) {}

  /**
   * debugfs's output. It exits 0 when a path is absent (the message is on stderr, stdout is empty).
   * @throws OperationalError (more than MAX_CALLS runs, a run that fails, is killed or times out).
   */
  private run(command: string, maxBytes = 8 * 1024 * 1024): Promise<Buffer> {
    if (++this.calls > MAX_CALLS) {
      return Promise.reject(new OperationalError(`${this.description}: more than ${MAX_CALLS} debugfs runs to check it; giving up (a damaged or crafted file system?)`));
    }
    return limited(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          execFile('debugfs', ['-R', command, `${this.image}?offset=${this.offset}`], { encoding: 'buffer', maxBuffer: maxBytes + 4096, timeout: TIMEOUT_MS }, (error, stdout) => {
            if (!error) resolve(stdout);
            else {
              const why = error.killed ? `stopped after ${TIMEOUT_MS / 1000} s` : error.message.split('\n')[0];
              reject(new OperationalError(`${this.description}: debugfs -R '${command.split(' ')[0]}' failed: ${why}`, { cause: error }));
            }
          });
        }),
    );
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
    return (await this.entries(path)).map((e) => e.name);
  }

  /** A directory's entries with their types, from one debugfs run (mode bits, stat(2)'s S_IFMT). */
  async entries(path: string): Promise<DebugfsEntry[]> {
    const q = this.quoted(path);
    if (q === null) return [];
    // `ls -p`: one "/inode/mode/uid/gid/name/size/" line per entry, mode in octal.
    return (await this.run(`ls -p ${q}`))
      .toString('utf8')
      .split('\n')
      .map((line) => line.split('/'))
      .filter((f) => f.length >= 7 && f[5] !== '.' && f[5] !== '..' && f[5] !== '')
      .map((f) => {
        const format = parseInt(f[2]!, 8) & 0o170000;
        return { name: f[5]!, type: format === 0o040000 ? 'dir' : format === 0o100000 ? 'file' : format === 0o120000 ? 'symlink' : 'other' };
      });
  }

  async lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
    const flags = /Flags:\s+0x([0-9a-f]+)/.exec(await this.stat(path))?.[1];
    if (flags === undefined) return null;
    const value = parseInt(flags, 16);
    return { immutable: (value & 0x10) !== 0, appendOnly: (value & 0x20) !== 0 };
  }
}
