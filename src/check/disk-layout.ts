// Reads a disk's layout from its bytes, without mounting anything: the partition table (MBR with logical
// partitions, or GPT), and for each partition the file system found by its superblock (ext2/3/4 with
// features and usage, XFS, FAT, UFS, btrfs, swap, LVM physical volume). Byte access goes through a
// callback, so this is tested on buffers and used on image files and block devices alike.
// Formats: MBR (partition entries at 446), UEFI spec ch. 5 (GPT), ext4 disk layout (superblock at 1024),
// Microsoft FAT specification (BPB), LVM2 label (LABELONE in the first four sectors).
// A table or superblock that contradicts itself (an entry ending before it starts, a position past any disk)
// is a clear error naming the field, never arithmetic on nonsense: every position is checked to be a safe
// integer of bytes before it is used, and chains of EBRs are followed once each.
import { OperationalError } from '../errors.js';
import type { ReadAt } from '../host/readers.js';

export const SECTOR = 512;

export type FsType = 'ext2' | 'ext3' | 'ext4' | 'xfs' | 'vfat' | 'ufs' | 'btrfs' | 'swap' | 'LVM2_member' | 'iso9660' | 'squashfs' | 'unknown';

export interface FsInfo {
  type: FsType;
  /** FAT32, FAT16, FAT12 for vfat. */
  variant?: string;
  label?: string;
  /** ext features by name (64bit, has_journal, ...). */
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

/** The unsigned 64-bit LBA at `at` (two 32-bit halves: Buffer's BigInt readers are missing before Node.js 10.20). */
function lbaAt(b: Buffer, at: number): number {
  return b.readUInt32LE(at + 4) * 2 ** 32 + b.readUInt32LE(at);
}

/** `lba` sectors as bytes, when that is exact (a safe integer: 8 PiB and more). */
function lbaBytes(lba: number, what: string): number {
  if (lba > Math.floor(Number.MAX_SAFE_INTEGER / SECTOR)) throw new DiskLayoutError(`unreadable partition table: ${what} (LBA ${lba}) lies beyond any disk`);
  return lba * SECTOR;
}

const GPT_LVM = 'E6D6D379-F507-44C2-A23C-238F2A3DF928';
const MBR_EXTENDED = new Set([0x05, 0x0f, 0x85]);

function guid(b: Buffer): string {
  const hex = (buf: Buffer) => buf.toString('hex').toUpperCase();
  const rev = (start: number, end: number) => hex(Buffer.from(b.subarray(start, end)).reverse());
  return `${rev(0, 4)}-${rev(4, 6)}-${rev(6, 8)}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

async function mbrPartitions(readAt: ReadAt, mbr: Buffer): Promise<Array<Omit<Partition, 'fs'>>> {
  const found: Array<Omit<Partition, 'fs'>> = [];
  let extendedStart = -1;
  for (let i = 0; i < 4; i++) {
    const e = mbr.subarray(446 + i * 16, 462 + i * 16);
    const type = e[4]!;
    const start = e.readUInt32LE(8);
    const sectors = e.readUInt32LE(12);
    if (type === 0 || sectors === 0) continue;
    if (MBR_EXTENDED.has(type)) {
      extendedStart = start;
      continue;
    }
    found.push({ number: i + 1, offset: start * SECTOR, size: sectors * SECTOR, type: type.toString(16).padStart(2, '0'), lvmType: type === 0x8e });
  }
  // Logical partitions: a chain of EBRs, each giving one partition and the next EBR (relative to the extended one).
  let ebr = extendedStart;
  const seen = new Set<number>();
  for (let n = 5; ebr >= 0 && n < 5 + 128; n++) {
    if (seen.has(ebr)) throw new DiskLayoutError(`unreadable partition table: the chain of extended boot records loops at sector ${ebr}`);
    seen.add(ebr);
    const sector = await readAt(ebr * SECTOR, SECTOR);
    if (sector.length < SECTOR || sector.readUInt16LE(510) !== 0xaa55) break;
    const type = sector[446 + 4]!;
    const start = sector.readUInt32LE(446 + 8);
    const sectors = sector.readUInt32LE(446 + 12);
    if (type !== 0 && sectors !== 0) {
      found.push({ number: n, offset: (ebr + start) * SECTOR, size: sectors * SECTOR, type: type.toString(16).padStart(2, '0'), lvmType: type === 0x8e });
    }
    const next = sector.readUInt32LE(462 + 8);
    ebr = sector[462 + 4] !== 0 && next !== 0 ? extendedStart + next : -1;
  }
  return found;
}

async function gptPartitions(readAt: ReadAt): Promise<Array<Omit<Partition, 'fs'>> | null> {
  const header = await readAt(SECTOR, SECTOR);
  if (header.length < 92 || header.subarray(0, 8).toString('latin1') !== 'EFI PART') return null;
  const entriesAt = lbaBytes(lbaAt(header, 72), 'the GPT partition entry array');
  // UEFI 2.10 5.3.2: at least 16 KiB of entries is usual (128 of 128 bytes); more than 256 is not read.
  const count = Math.min(header.readUInt32LE(80), 256);
  const entrySize = header.readUInt32LE(84);
  if (entrySize < 128 || entrySize > 4096) return null;
  const table = await readAt(entriesAt, count * entrySize);
  const found: Array<Omit<Partition, 'fs'>> = [];
  for (let i = 0; i < count; i++) {
    const e = table.subarray(i * entrySize, (i + 1) * entrySize);
    if (e.length < 128 || e.subarray(0, 16).every((b) => b === 0)) continue;
    const first = lbaAt(e, 32);
    const last = lbaAt(e, 40);
    if (last < first) throw new DiskLayoutError(`unreadable partition table: GPT partition ${i + 1} ends (LBA ${last}) before it starts (LBA ${first})`);
    const offset = lbaBytes(first, `the start of GPT partition ${i + 1}`);
    const end = lbaBytes(last + 1, `the end of GPT partition ${i + 1}`);
    const type = guid(e.subarray(0, 16));
    found.push({ number: i + 1, offset, size: end - offset, type, lvmType: type === GPT_LVM });
  }
  return found;
}

const EXT_COMPAT: Record<number, string> = { 0x4: 'has_journal', 0x200: 'sparse_super2' };
const EXT_INCOMPAT: Record<number, string> = { 0x2: 'filetype', 0x4: 'needs_recovery', 0x40: 'extent', 0x80: '64bit', 0x200: 'flex_bg', 0x10000: 'encrypt', 0x8000: 'inline_data' };
const EXT_RO_COMPAT: Record<number, string> = { 0x1: 'sparse_super', 0x2: 'large_file', 0x8: 'huge_file', 0x400: 'metadata_csum', 0x1000: 'readonly' };

function flagNames(value: number, names: Record<number, string>): string[] {
  return Object.entries(names)
    .filter(([bit]) => (value & Number(bit)) !== 0)
    .map(([, name]) => name);
}

function extInfo(sb: Buffer): FsInfo {
  const compat = sb.readUInt32LE(92);
  const incompat = sb.readUInt32LE(96);
  const roCompat = sb.readUInt32LE(100);
  const features = [...flagNames(compat, EXT_COMPAT), ...flagNames(incompat, EXT_INCOMPAT), ...flagNames(roCompat, EXT_RO_COMPAT)];
  const is64 = (incompat & 0x80) !== 0;
  const total = sb.readUInt32LE(4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
  const free = sb.readUInt32LE(12) + (is64 ? sb.readUInt32LE(0x158) * 2 ** 32 : 0);
  // ext4 when any feature ext3 lacks is on; ext3 is ext2 with a journal.
  const ext4 = (incompat & ~0x6) !== 0 || (roCompat & ~0x3) !== 0;
  return {
    type: ext4 ? 'ext4' : (compat & 0x4) !== 0 ? 'ext3' : 'ext2',
    label: sb.subarray(120, 136).toString('utf8').replace(/\0.*$/s, ''),
    features,
    readOnly: (roCompat & 0x1000) !== 0,
    blocks: { total, free },
    inodes: { total: sb.readUInt32LE(0), free: sb.readUInt32LE(16) },
  };
}

function fatInfo(boot: Buffer): FsInfo | null {
  if (boot.length < SECTOR || boot.readUInt16LE(510) !== 0xaa55) return null;
  const bytesPerSector = boot.readUInt16LE(11);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector) || boot[13] === 0) return null;
  if (boot.subarray(82, 87).toString('latin1') === 'FAT32') return { type: 'vfat', variant: 'FAT32', label: boot.subarray(71, 82).toString('latin1').trim() };
  const kind = boot.subarray(54, 59).toString('latin1');
  if (kind === 'FAT16' || kind === 'FAT12') return { type: 'vfat', variant: kind, label: boot.subarray(43, 54).toString('latin1').trim() };
  return null;
}

/** The file system at `offset`, from its signatures. */
export async function probeFilesystem(readAt: ReadAt, offset: number, size: number): Promise<FsInfo> {
  if (!(size > 0)) return { type: 'unknown' };
  const head = await readAt(offset, Math.min(size, 4096));
  if (head.length < 1024) return { type: 'unknown' };
  if (head.subarray(0, 4).toString('latin1') === 'XFSB') return { type: 'xfs' };
  if (head.subarray(0, 4).toString('latin1') === 'hsqs') return { type: 'squashfs', readOnly: true };
  for (let s = 0; s < 4; s++) {
    const label = head.subarray(s * SECTOR, s * SECTOR + 32);
    if (label.subarray(0, 8).toString('latin1') === 'LABELONE' && label.subarray(24, 32).toString('latin1') === 'LVM2 001') return { type: 'LVM2_member' };
  }
  if (head.length >= 2048 && head.readUInt16LE(1024 + 56) === 0xef53) return extInfo(head.subarray(1024, 2048));
  const fat = fatInfo(head);
  if (fat) return fat;
  if (head.length >= 4096 && head.subarray(4086, 4096).toString('latin1').startsWith('SWAPSPACE2')) return { type: 'swap' };
  if (size > 0x10048) {
    const btrfs = await readAt(offset + 0x10040, 8);
    if (btrfs.toString('latin1') === '_BHRfS_M') return { type: 'btrfs' };
  }
  for (const [sbOffset, magic] of [
    [8192, 0x011954],
    [65536, 0x19540119],
  ] as const) {
    if (size > sbOffset + 1376) {
      const m = await readAt(offset + sbOffset + 1372, 4);
      if (m.length === 4 && m.readUInt32LE(0) === magic) return { type: 'ufs' };
    }
  }
  if (size > 0x8006) {
    const iso = await readAt(offset + 0x8001, 5);
    if (iso.toString('latin1') === 'CD001') return { type: 'iso9660', readOnly: true };
  }
  return { type: 'unknown' };
}

/**
 * The partition table and every partition's file system; partitions reaching past `size` (when known, else 0)
 * are left out.
 * @throws DiskLayoutError (a GPT entry ending before it starts or lying beyond any disk, a loop of EBRs).
 */
export async function readDiskLayout(readAt: ReadAt, size: number): Promise<DiskLayout> {
  const mbr = await readAt(0, SECTOR);
  let table: DiskLayout['table'] = 'none';
  let entries: Array<Omit<Partition, 'fs'>> = [];
  if (mbr.length === SECTOR && mbr.readUInt16LE(510) === 0xaa55) {
    const protective = [0, 1, 2, 3].some((i) => mbr[446 + i * 16 + 4] === 0xee);
    const gpt = protective ? await gptPartitions(readAt) : null;
    if (gpt) {
      table = 'gpt';
      entries = gpt;
    } else if (!fatInfo(mbr)) {
      // A FAT boot sector also ends in 55AA; a disk's MBR has no BPB.
      table = 'mbr';
      entries = await mbrPartitions(readAt, mbr);
    }
  }
  const partitions: Partition[] = [];
  for (const e of entries.filter((p) => p.offset + p.size <= size || size === 0)) {
    partitions.push({ ...e, fs: await probeFilesystem(readAt, e.offset, e.size) });
  }
  return { table, size, partitions: partitions.sort((a, b) => a.number - b.number) };
}
