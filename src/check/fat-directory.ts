// Lists the root directory of a FAT12/16/32 file system from its bytes (long names included), so that
// `check --image` sees aliyun_custom_image/ on a FAT first partition without mounting it.
// Format: Microsoft FAT specification (BPB, directory entries, long-name entries).
// The bytes are untrusted: the BPB's fields are checked against the specification's ranges, a cluster chain
// that comes back to a cluster it passed is an error, and no directory is read past the 65,536 entries the
// specification allows (2 MiB), so a crafted chain costs at most that much time and memory.
import { OperationalError } from '../errors.js';
import type { ReadAt } from '../host/readers.js';

export interface FatEntry {
  name: string;
  directory: boolean;
}

/** Microsoft FAT specification, "FAT Directory Structure": a directory holds at most 65,536 entries. */
const MAX_DIRECTORY_BYTES = 65_536 * 32;

/** A FAT file system whose structures contradict themselves. */
export class FatError extends OperationalError {}

function entriesOf(dir: Buffer): { entries: FatEntry[]; ended: boolean } {
  const entries: FatEntry[] = [];
  let longName: string[] = [];
  for (let at = 0; at + 32 <= dir.length; at += 32) {
    const e = dir.subarray(at, at + 32);
    if (e[0] === 0x00) return { entries, ended: true };
    if (e[0] === 0xe5) {
      longName = [];
      continue;
    }
    const attr = e[11]!;
    if ((attr & 0x3f) === 0x0f) {
      // Long-name pieces come last-first; sequence number in the low five bits.
      const piece = Buffer.concat([e.subarray(1, 11), e.subarray(14, 26), e.subarray(28, 32)]).toString('utf16le');
      longName[(e[0]! & 0x1f) - 1] = piece.replace(/\u0000[\s\S]*$/, '');
      continue;
    }
    if ((attr & 0x08) !== 0) {
      longName = []; // volume label
      continue;
    }
    const short = e.subarray(0, 8).toString('latin1').trimEnd();
    const ext = e.subarray(8, 11).toString('latin1').trimEnd();
    const name = longName.length > 0 ? longName.join('') : ext ? `${short}.${ext}` : short;
    longName = [];
    if (name !== '.' && name !== '..') entries.push({ name, directory: (attr & 0x10) !== 0 });
  }
  return { entries, ended: false };
}

/**
 * The root directory's entries of the FAT file system at byte `offset` (of `size` bytes, when known).
 * @throws FatError (a BPB field out of the specification's range, a cluster chain that loops or leaves the
 * file system, a root directory larger than the specification allows).
 */
export async function fatRootEntries(readAt: ReadAt, offset: number, size = Infinity): Promise<FatEntry[]> {
  const bad = (what: string) => new FatError(`unreadable FAT file system at byte ${offset}: ${what}`);
  const bpb = await readAt(offset, 512);
  if (bpb.length < 512) throw bad('its boot sector is cut short');
  const bytesPerSector = bpb.readUInt16LE(11);
  const sectorsPerCluster = bpb[13]!;
  const reserved = bpb.readUInt16LE(14);
  const fats = bpb[16]!;
  const rootEntries = bpb.readUInt16LE(17);
  const fatSectors = bpb.readUInt16LE(22) || bpb.readUInt32LE(36);
  // BPB ranges (specification, "Boot Sector and BPB"): BytsPerSec 512..4096, SecPerClus a power of 2 up to
  // 128, RsvdSecCnt at least 1, NumFATs at least 1.
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) throw bad(`${bytesPerSector} bytes per sector`);
  if (sectorsPerCluster === 0 || sectorsPerCluster > 128 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) throw bad(`${sectorsPerCluster} sectors per cluster`);
  if (reserved === 0 || fats === 0) throw bad(`${reserved} reserved sectors, ${fats} FATs`);
  const dataStart = offset + (reserved + fats * fatSectors) * bytesPerSector + rootEntries * 32;
  if (rootEntries > 0) {
    // FAT12/16: a fixed root directory region before the data area.
    const region = await readAt(offset + (reserved + fats * fatSectors) * bytesPerSector, rootEntries * 32);
    return entriesOf(region).entries;
  }
  const clusterBytes = bytesPerSector * sectorsPerCluster;
  const all: FatEntry[] = [];
  const seen = new Set<number>();
  let read = 0;
  let cluster = bpb.readUInt32LE(44) & 0x0fffffff;
  // FAT32: 0x0FFFFFF8 and above end the chain; 0, 1 and 0x0FFFFFF7 (bad cluster) are no data clusters.
  while (cluster >= 2 && cluster < 0x0ffffff7) {
    if (seen.has(cluster)) throw bad(`the root directory's cluster chain loops at cluster ${cluster}`);
    seen.add(cluster);
    read += clusterBytes;
    if (read > MAX_DIRECTORY_BYTES) throw bad('the root directory is larger than the 65,536 entries FAT allows');
    const at = dataStart + (cluster - 2) * clusterBytes;
    const data = at + clusterBytes <= offset + size ? await readAt(at, clusterBytes) : Buffer.alloc(0);
    if (data.length < clusterBytes) throw bad(`cluster ${cluster} of the root directory lies beyond the file system`);
    const { entries, ended } = entriesOf(data);
    all.push(...entries);
    if (ended) break;
    const next = await readAt(offset + reserved * bytesPerSector + cluster * 4, 4);
    if (next.length < 4) throw bad(`the FAT entry of cluster ${cluster} lies beyond the file system`);
    cluster = next.readUInt32LE(0) & 0x0fffffff;
  }
  return all;
}
