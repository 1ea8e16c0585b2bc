// Lists the root directory of a FAT12/16/32 file system from its bytes (long names included), so that
// `check --image` sees aliyun_custom_image/ on a FAT first partition without mounting it.
// Format: Microsoft FAT specification (BPB, directory entries, long-name entries).
import type { ReadAt } from '../host/readers.js';

export interface FatEntry {
  name: string;
  directory: boolean;
}

const MAX_CLUSTERS_READ = 4096;

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

/** The root directory's entries of the FAT file system at `offset`. */
export async function fatRootEntries(readAt: ReadAt, offset: number): Promise<FatEntry[]> {
  const bpb = await readAt(offset, 512);
  const bytesPerSector = bpb.readUInt16LE(11);
  const sectorsPerCluster = bpb[13]!;
  const reserved = bpb.readUInt16LE(14);
  const fats = bpb[16]!;
  const rootEntries = bpb.readUInt16LE(17);
  const fatSectors = bpb.readUInt16LE(22) || bpb.readUInt32LE(36);
  const dataStart = offset + (reserved + fats * fatSectors) * bytesPerSector + rootEntries * 32;
  if (rootEntries > 0) {
    // FAT12/16: a fixed root directory region before the data area.
    const region = await readAt(offset + (reserved + fats * fatSectors) * bytesPerSector, rootEntries * 32);
    return entriesOf(region).entries;
  }
  const clusterBytes = bytesPerSector * sectorsPerCluster;
  const all: FatEntry[] = [];
  let cluster = bpb.readUInt32LE(44);
  for (let n = 0; n < MAX_CLUSTERS_READ && cluster >= 2 && cluster < 0x0ffffff8; n++) {
    const { entries, ended } = entriesOf(await readAt(dataStart + (cluster - 2) * clusterBytes, clusterBytes));
    all.push(...entries);
    if (ended) break;
    const next = await readAt(offset + reserved * bytesPerSector + cluster * 4, 4);
    cluster = next.readUInt32LE(0) & 0x0fffffff;
  }
  return all;
}
