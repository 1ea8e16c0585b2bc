// A disk image file or a block device, read-only, for check/: the well-kept tools that read its structures
// without mounting (sfdisk, blkid, dumpe2fs, mdir) run on it here, each with a timeout and a bound on its
// output, so a crafted image ends in a clear error, never in a run that reads for minutes or fills memory;
// the few bytes no tool reports (the MBR's boot code) are read directly, each read checked and small.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { OperationalError, describeSystemError } from '../errors.js';
import type { DiskTools, ToolOutput } from './readers.js';

/** The largest direct read (the MBR's 440 bytes of boot code are all that is read so). */
export const MAX_READ = 64 * 1024;
/** Each tool run: far above reading a real image's structures (well under a second), far below a hang. */
export const TOOL_TIMEOUT_MS = 30_000;
/** Each tool's standard output: a FAT root of 65,536 long names fits; anything larger is not a real disk. */
export const TOOL_MAX_OUTPUT = 16 * 1024 * 1024;

export interface DiskFile extends DiskTools {
  close(): Promise<void>;
}

async function blockDeviceSize(rdev: number): Promise<number> {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 4096) & 0xfff00) >>> 0);
  const sectors = await fs.readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8').catch(() => '0');
  return Number(sectors.trim()) * 512;
}

/**
 * Runs `argv` (no shell) with C messages; null when the command is not installed. `timeoutMs` (default
 * TOOL_TIMEOUT_MS) and `maxOutput` bytes of standard output (default TOOL_MAX_OUTPUT) bound each run.
 * @throws OperationalError when it runs past its time or prints more than its bound (the run is killed).
 */
export function runTool(argv: string[], env: Record<string, string> = {}, bounds: { timeoutMs?: number; maxOutput?: number } = {}): Promise<ToolOutput | null> {
  const [command, ...args] = argv;
  const timeoutMs = bounds.timeoutMs ?? TOOL_TIMEOUT_MS;
  const maxOutput = bounds.maxOutput ?? TOOL_MAX_OUTPUT;
  return new Promise((done, fail) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', ...env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let stopped: string | null = null;
    const stop = (why: string) => {
      if (stopped) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`${command} did not finish within ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxOutput) stop(`${command} printed more than ${maxOutput} bytes`);
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      // Only the first lines of errors are reported.
      if ((errBytes += d.length) <= 64 * 1024) err.push(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') done(null);
      else fail(new OperationalError(`failed to run ${command}: ${describeSystemError(e)}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stopped) fail(new OperationalError(`${stopped}; giving up (a damaged or crafted image?)`));
      else done({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * Opens `path` read-only for the disk tools and checked reads.
 * @throws OperationalError when it cannot be opened or is neither a regular file nor a block device.
 */
export async function openDisk(path: string): Promise<DiskFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    throw new OperationalError(`failed to open ${path}: ${describeSystemError(e)}`, { cause: e });
  }
  const stat = await handle.stat();
  if (!stat.isFile() && !stat.isBlockDevice()) {
    await handle.close();
    throw new OperationalError(`${path} is neither a disk image file nor a block device`);
  }
  const size = stat.isFile() ? stat.size : await blockDeviceSize(stat.rdev);
  // Absolute, so a name beginning with '-' is never taken for an option.
  const abs = resolve(path);
  return {
    path,
    size,
    readAt: async (offset, length) => {
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || length > MAX_READ) {
        throw new OperationalError(`${path}: asked for ${length} bytes at byte ${offset}, which no valid layout does`);
      }
      if (offset >= size && size > 0) return Buffer.alloc(0);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    partitionTable: () => runTool(['sfdisk', '--json', abs]),
    // util-linux 2.38 (Debian 12) spells --probe --output export as -p -o export.
    probe: (offset, length) => runTool(['blkid', '-p', '-o', 'export', '--offset', String(offset), ...(length > 0 ? ['--size', String(length)] : []), abs]),
    // e2fsprogs reads NAME?offset=N as the file system N bytes in (as debugfs does); a '?' in the name cannot be given.
    extSuperblock: (offset) => (abs.includes('?') ? Promise.resolve(null) : runTool(['dumpe2fs', '-h', `${abs}?offset=${offset}`])),
    // mtools reads NAME@@OFFSET; MTOOLS_SKIP_CHECK: geometry checks meant for floppies refuse valid partitions.
    fatDirectory: (offset, dir) => (abs.includes('@@') ? Promise.resolve(null) : runTool(['mdir', '-a', '-b', '-i', `${abs}@@${offset}`, dir], { MTOOLS_SKIP_CHECK: '1' })),
    close: () => handle.close(),
  };
}
