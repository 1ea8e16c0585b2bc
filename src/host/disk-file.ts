// Byte access to a disk image file or a block device, read-only, for disk-layout.ts.
import { promises as fs } from 'node:fs';
import { OperationalError, describeSystemError } from '../errors.js';
import type { ReadAt } from './readers.js';

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
  return {
    path,
    size,
    readAt: async (offset, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}
