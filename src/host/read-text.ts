// Small optional system files (DMI ids, os-release): their text, or null when absent or unreadable.
import { promises as fs } from 'node:fs';

export async function readTextIfPresent(path: string, maxBytes = 64 * 1024): Promise<string | null> {
  try {
    const handle = await fs.open(path, 'r');
    try {
      const buffer = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}
