// A disk's layout as the well-kept tools read it, without mounting anything: the partition table from
// util-linux `sfdisk --json` (MBR with its EBR chain of logical partitions, GPT), each partition's file
// system from util-linux `blkid --probe` (type, label, FAT variant), and an ext file system's features and
// counts from e2fsprogs `dumpe2fs -h`. The tools run through the DiskTools door (host/disk-file.ts); this
// module parses what they print, in pure functions tested on captured outputs.
// The outputs describe an untrusted disk: every number is checked to be an exact, non-negative count of bytes
// before it is used, and anything that is not what the tool prints is a clear DiskLayoutError naming it.
import { OperationalError } from '../errors.js';
import type { DiskTools, ToolOutput } from '../host/readers.js';

export const SECTOR = 512;

export type FsType = 'ext2' | 'ext3' | 'ext4' | 'xfs' | 'vfat' | 'ufs' | 'btrfs' | 'swap' | 'LVM2_member' | 'iso9660' | 'squashfs' | 'unknown';

export interface FsInfo {
  type: FsType;
  /** FAT32, FAT16, FAT12 for vfat. */
  variant?: string;
  label?: string;
  /** ext features by name, as e2fsprogs names them (64bit, has_journal, ...). */
  features?: string[];
  /** The file system refuses writes (ext's read-only feature, or a read-only format). */
  readOnly?: boolean;
  blocks?: { total: number; free: number };
  inodes?: { total: number; free: number };
}

export interface Partition {
  /** 1-based as Linux numbers them (MBR logical partitions start at 5). */
  number: number;
  offset: number;
  size: number;
  /** MBR type byte as two hex digits, or the GPT type GUID. */
  type: string;
  /** The partition table itself marks it as LVM. */
  lvmType: boolean;
  fs: FsInfo;
}

export interface DiskLayout {
  table: 'mbr' | 'gpt' | 'none';
  size: number;
  partitions: Partition[];
}

/** A disk whose partition table cannot be read as one. */
export class DiskLayoutError extends OperationalError {}

const GPT_LVM = 'E6D6D379-F507-44C2-A23C-238F2A3DF928';
/** MBR extended partitions (DOS, Windows LBA, Linux): containers of the EBR chain, not partitions of their own. */
const MBR_EXTENDED = new Set(['05', '0f', '85']);
/** UEFI 2.10 5.3: 128 entries is the usual array; Linux reads at most 256 partitions of a disk (DISK_MAX_PARTS). */
const MAX_PARTITIONS = 256;
/** blkid's TYPE names that osconf's items judge; any other is 'unknown'. */
const FS_TYPES = new Set<FsType>(['ext2', 'ext3', 'ext4', 'xfs', 'vfat', 'ufs', 'btrfs', 'swap', 'LVM2_member', 'iso9660', 'squashfs']);
const READ_ONLY_TYPES = new Set<FsType>(['iso9660', 'squashfs']);

const firstLine = (text: string): string => text.trim().split('\n')[0] ?? '';

/**
 * The partition table from what `sfdisk --json DISK` printed (util-linux sfdisk(8), "--json"): label `dos` is
 * an MBR (extended containers left out, logical partitions numbered from 5 as sfdisk names them), `gpt` a GPT;
 * sfdisk's "does not contain a recognized partition table" is no table; any other label (sun, sgi, bsd) is
 * read as no table osconf knows. Partitions reaching past `diskSize` bytes (when known, else 0) are left out.
 * @throws DiskLayoutError (sfdisk failed, printed something that is not its JSON, or a start, size or sector
 * size that is no exact non-negative count of bytes).
 */
export function parseSfdisk(output: ToolOutput, diskSize: number): Pick<DiskLayout, 'table'> & { partitions: Array<Omit<Partition, 'fs'>> } {
  if (output.code !== 0) {
    if (/does not contain a recognized partition table/.test(output.stderr)) return { table: 'none', partitions: [] };
    throw new DiskLayoutError(`unreadable partition table: sfdisk: ${firstLine(output.stderr) || `exit status ${output.code}`}`);
  }
  const bad = (what: string) => new DiskLayoutError(`unreadable partition table: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(output.stdout);
  } catch {
    throw bad('sfdisk --json printed no JSON');
  }
  const pt = (json as { partitiontable?: unknown } | null)?.partitiontable as Record<string, unknown> | undefined;
  if (typeof pt !== 'object' || pt === null) throw bad('sfdisk --json printed no partitiontable');
  const table = pt.label === 'dos' ? 'mbr' : pt.label === 'gpt' ? 'gpt' : null;
  if (!table) return { table: 'none', partitions: [] };
  const sectorSize = pt.sectorsize ?? SECTOR;
  if (typeof sectorSize !== 'number' || ![512, 1024, 2048, 4096].includes(sectorSize)) throw bad(`a sector size of ${String(sectorSize)} bytes`);
  const list = pt.partitions ?? [];
  if (!Array.isArray(list)) throw bad('sfdisk --json printed partitions that are no list');
  if (list.length > MAX_PARTITIONS) throw bad(`${list.length} partitions (at most ${MAX_PARTITIONS} are read)`);
  const device = typeof pt.device === 'string' ? pt.device : '';
  const partitions: Array<Omit<Partition, 'fs'>> = [];
  for (const [i, raw] of list.entries()) {
    const p = raw as Record<string, unknown>;
    // sfdisk names partition N of DISK as DISKN, or DISKpN when DISK ends in a digit.
    const node = typeof p?.node === 'string' ? p.node : '';
    const suffix = device && node.startsWith(device) ? node.slice(device.length).replace(/^p/, '') : (/(\d+)$/.exec(node)?.[1] ?? '');
    const number = /^\d{1,3}$/.test(suffix) ? Number(suffix) : NaN;
    if (!(number >= 1)) throw bad(`entry ${i + 1} (${JSON.stringify(node).slice(0, 80)}) has no partition number`);
    const { start, size } = p;
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) throw bad(`partition ${number} starts at sector ${String(start)}`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`partition ${number} has a size of ${String(size)} sectors`);
    const offset = start * sectorSize;
    const bytes = size * sectorSize;
    if (!Number.isSafeInteger(offset + bytes)) throw bad(`partition ${number} (sectors ${start} to ${start + size}) lies beyond any disk`);
    const rawType = typeof p.type === 'string' ? p.type : '';
    const type = table === 'mbr' ? rawType.toLowerCase().padStart(2, '0') : rawType.toUpperCase();
    if (table === 'mbr' && (MBR_EXTENDED.has(type) || size === 0)) continue;
    if (diskSize > 0 && offset + bytes > diskSize) continue;
    partitions.push({ number, offset, size: bytes, type, lvmType: type === '8e' || type === GPT_LVM });
  }
  return { table, partitions: partitions.sort((a, b) => a.number - b.number) };
}

/** `\x` in blkid's export values stands for `x` (blkid(8), "-o export": values are escaped for the shell). */
const unescape = (value: string): string => value.replace(/\\(.)/gs, '$1');

/**
 * The file system blkid found, from what `blkid --probe --output export` printed (util-linux blkid(8)):
 * TYPE (any type osconf does not judge is 'unknown'), LABEL, VERSION as the FAT variant. Exit status 2 (no
 * signature) and any failure (8: two signatures, ambivalent) are 'unknown'.
 */
export function parseBlkid(output: ToolOutput): FsInfo {
  if (output.code !== 0) return { type: 'unknown' };
  const values = new Map<string, string>();
  for (const line of output.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) values.set(m[1]!, unescape(m[2]!));
  }
  const found = values.get('TYPE') as FsType | undefined;
  const type: FsType = found && FS_TYPES.has(found) ? found : 'unknown';
  const info: FsInfo = { type };
  const label = values.get('LABEL');
  if (label !== undefined && type !== 'unknown') info.label = label;
  const version = values.get('VERSION');
  if (type === 'vfat' && version && /^FAT(12|16|32)$/.test(version)) info.variant = version;
  if (READ_ONLY_TYPES.has(type)) info.readOnly = true;
  return info;
}

/** A `Name: number` field of dumpe2fs -h, when it is an exact count. */
function count(fields: Map<string, string>, name: string): number | undefined {
  const text = fields.get(name);
  const n = text !== undefined && /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * An ext superblock's features, usage and read-only flag from what `dumpe2fs -h` printed (e2fsprogs
 * dumpe2fs(8); feature names as e2p prints them, the read-only feature as `read-only`, ext4(5)). Fields
 * that are missing or no exact count are left out; a failed run gives nothing.
 */
export function parseDumpe2fs(output: ToolOutput): Pick<FsInfo, 'features' | 'readOnly' | 'blocks' | 'inodes'> {
  if (output.code !== 0) return {};
  const fields = new Map<string, string>();
  for (const line of output.stdout.split('\n')) {
    const m = /^([A-Za-z][A-Za-z ]*):\s*(.*)$/.exec(line);
    if (m && !fields.has(m[1]!)) fields.set(m[1]!, m[2]!.trim());
  }
  const info: Pick<FsInfo, 'features' | 'readOnly' | 'blocks' | 'inodes'> = {};
  const features = fields.get('Filesystem features');
  if (features !== undefined) {
    info.features = features === '(none)' ? [] : features.split(/\s+/).filter(Boolean);
    info.readOnly = info.features.includes('read-only');
  }
  const [blocks, freeBlocks, inodes, freeInodes] = ['Block count', 'Free blocks', 'Inode count', 'Free inodes'].map((n) => count(fields, n));
  if (blocks !== undefined && freeBlocks !== undefined) info.blocks = { total: blocks, free: freeBlocks };
  if (inodes !== undefined && freeInodes !== undefined) info.inodes = { total: inodes, free: freeInodes };
  return info;
}

/**
 * The file system at byte `offset` (`size` bytes; 0 when unknown) as blkid probes it, with an ext file
 * system's features and counts from dumpe2fs when it is installed.
 * @throws DiskLayoutError when blkid (util-linux) is not installed; OperationalError when a tool runs past its
 * bound (host/disk-file.ts).
 */
export async function probeFilesystem(disk: DiskTools, offset: number, size: number): Promise<FsInfo> {
  if (size < 0 || (size === 0 && disk.size > 0)) return { type: 'unknown' };
  const probed = await disk.probe(offset, size);
  if (!probed) throw new DiskLayoutError('blkid (util-linux) is not installed: it reads the file systems of the disk');
  const info = parseBlkid(probed);
  if (info.type === 'ext2' || info.type === 'ext3' || info.type === 'ext4') {
    const sb = await disk.extSuperblock(offset);
    if (sb) Object.assign(info, parseDumpe2fs(sb));
  }
  return info;
}

/**
 * The partition table (sfdisk) and every partition's file system (blkid, dumpe2fs); partitions reaching
 * past the disk's size (when known) are left out.
 * @throws DiskLayoutError (sfdisk not installed or failing, or what it printed is no partition table; see
 * parseSfdisk).
 */
export async function readDiskLayout(disk: DiskTools): Promise<DiskLayout> {
  const printed = await disk.partitionTable();
  if (!printed) throw new DiskLayoutError('sfdisk (util-linux, Debian package fdisk) is not installed: it reads the partition table');
  const { table, partitions } = parseSfdisk(printed, disk.size);
  const withFs: Partition[] = [];
  for (const p of partitions) withFs.push({ ...p, fs: await probeFilesystem(disk, p.offset, p.size) });
  return { table, size: disk.size, partitions: withFs };
}
