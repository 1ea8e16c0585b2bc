// Byte access to a disk image file or a block device, read-only, for disk-layout.ts. The parsers above it read
// untrusted structures: each read is checked (a non-negative exact position, at most MAX_READ bytes) and all
// reads of one disk together are bounded (READ_BUDGET), so a crafted image ends in a clear error, never in
// a RangeError or a run that reads for minutes.
import { promises as fs } from 'node:fs';
import { OperationalError, describeSystemError } from '../errors.js';
import type { ReadAt } from './readers.js';

/** The largest single read any parser asks for (a GPT entry array is at most 1 MiB as read here). */
export const MAX_READ = 4 * 1024 * 1024;
/** All reads of one disk together; a real image's layout and directories need a few MiB. */
export const READ_BUDGET = 256 * 1024 * 1024;

export interface DiskFile {
  path: string;
  size: number;
  readAt: ReadAt;
  close(): Promise<void>;
}

async function blockDeviceSize(rdev: number): Promise<number> {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 4096) & 0xfff00) >>> 0);
  const sectors = await fs.readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8').catch(() => '0');
  return Number(sectors.trim()) * 512;
}

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
  let spent = 0;
  return {
    path,
    size,
    readAt: async (offset, length) => {
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || length > MAX_READ) {
        throw new OperationalError(`${path}: its disk layout asks for ${length} bytes at byte ${offset}, which no valid layout does`);
      }
      spent += length;
      if (spent > READ_BUDGET) throw new OperationalError(`${path}: reading its disk layout took more than ${READ_BUDGET / 1024 / 1024} MiB; giving up (a damaged or crafted image?)`);
      if (offset >= size && size > 0) return Buffer.alloc(0);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}
