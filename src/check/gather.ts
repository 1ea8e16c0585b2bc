// Gathers what `osconf check` inspects for each kind of target. The disk is read by tools that never mount
// (sfdisk for the partition table, blkid and dumpe2fs for file systems, mtools for FAT directories, debugfs
// for ext trees) and, for the MBR's boot code, as bytes: checking never mounts anything.
// The one I/O module of check/ (as probe.ts is of distro/): it reads through host/ and source/, and the
// items beside it stay pure functions of the CheckTarget it returns.
import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { UsageError } from '../errors.js';
import { DebugfsReader } from '../host/debugfs-reader.js';
import { DirectoryReader } from '../host/directory-reader.js';
import { openDisk, type DiskFile } from '../host/disk-file.js';
import { NodeHost } from '../host/node-host.js';
import { rootDiskFirstPartition } from '../source/locate.js';
import { probeFilesystem, readDiskLayout, type DiskLayout, type Partition } from './disk-layout.js';
import { parseMdirBare, type FatEntry } from './fat-directory.js';
import { fstabEntries } from './items.js';
import { RootView } from './root-view.js';
import type { BootLoaderFacts, CheckTarget, Usage } from './target.js';

const EXT = new Set(['ext2', 'ext3', 'ext4']);
const ESP_GPT_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';

async function hasDebugfs(): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (await fs.access(`${dir}/debugfs`, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/** statfs(2)'s f_blocks, f_bavail, f_files, f_ffree; null when unreadable. */
async function statfs(dir: string): Promise<{ blocks: number; bavail: number; files: number; ffree: number } | null> {
  if (typeof fs.statfs === 'function') return fs.statfs(dir).catch(() => null);
  // Node.js before 18.15 has no fs.statfs: coreutils' `stat -f` reads the same statfs(2) fields.
  const out = await promisify(execFile)('stat', ['-f', '-c', '%b %a %c %d', '--', dir], { timeout: 10_000 }).catch(() => null);
  const fields = out?.stdout.trim().split(' ').map(Number);
  if (fields?.length !== 4 || fields.some((n) => !Number.isSafeInteger(n))) return null;
  const [blocks, bavail, files, ffree] = fields as [number, number, number, number];
  return { blocks, bavail, files, ffree };
}

async function statfsUsage(dir: string): Promise<{ blocks: Usage | null; inodes: Usage | null }> {
  const s = await statfs(dir);
  if (!s) return { blocks: null, inodes: null };
  return { blocks: { total: s.blocks, free: s.bavail }, inodes: s.files > 0 ? { total: s.files, free: s.ffree } : null };
}

/** Top-level names of partition 1, read from its bytes. */
async function firstPartitionEntries(disk: DiskFile, layout: DiskLayout, debugfs: boolean): Promise<Pick<CheckTarget, 'firstPartitionEntries' | 'firstPartitionMissing'>> {
  const p1 = layout.partitions.find((p) => p.number === 1);
  if (!p1) return { firstPartitionEntries: null, firstPartitionMissing: 'the disk has no partition 1' };
  if (p1.fs.type === 'vfat') {
    const listed = await fatListing(disk, p1.offset, '::/');
    return 'entries' in listed ? { firstPartitionEntries: listed.entries } : { firstPartitionEntries: null, firstPartitionMissing: listed.missing };
  }
  if (EXT.has(p1.fs.type)) {
    if (!debugfs) return { firstPartitionEntries: null, firstPartitionMissing: 'debugfs (e2fsprogs) is not installed' };
    // One debugfs run for every name and type (not one per entry: thousands of entries were thousands of runs).
    const entries = await new DebugfsReader(disk.path, p1.offset, `${disk.path} partition 1`).entries('/');
    return { firstPartitionEntries: entries.map((e) => ({ name: e.name, directory: e.type === 'dir' })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  }
  return { firstPartitionEntries: null, firstPartitionMissing: `partition 1 is ${p1.fs.type}` };
}

/**
 * A FAT directory listed by mtools' mdir without mounting (`dir` as mtools spells it, ending in '/'), or why
 * not: mtools missing, a path mtools cannot name, a directory that is not there, mdir's own error (a
 * damaged file system). OperationalError when mdir runs past its bounds (host/disk-file.ts).
 */
async function fatListing(disk: DiskFile, offset: number, dir: string): Promise<{ entries: FatEntry[] } | { missing: string; notFound?: boolean }> {
  // mtools reads IMAGE@@OFFSET: a path that holds "@@" itself cannot be named.
  if (disk.path.includes('@@')) return { missing: `mtools cannot name ${disk.path}` };
  // The root is named ::/, any other directory without its final '/' (mdir then lists its contents).
  const out = await disk.fatDirectory(offset, dir === '::/' ? dir : dir.slice(0, -1));
  if (!out) return { missing: 'mdir (mtools) is not installed' };
  if (out.code !== 0 && /not found/.test(out.stderr)) return { missing: `${dir} not found`, notFound: true };
  if (out.code !== 0) return { missing: `mdir failed: ${out.stderr.trim().split('\n')[0] || `exit status ${out.code}`}` };
  return { entries: parseMdirBare(out.stdout, dir) };
}

/** Names in aliyun_custom_image/ on a FAT partition, listed by mtools' mdir without mounting. */
async function mdirListing(disk: DiskFile, offset: number): Promise<Pick<CheckTarget, 'customImageEntries' | 'customImageMissing'>> {
  const listed = await fatListing(disk, offset, '::/aliyun_custom_image/');
  if ('entries' in listed) return { customImageEntries: listed.entries.map((e) => e.name) };
  return listed.notFound ? { customImageEntries: [] } : { customImageMissing: listed.missing };
}

/** Names inside partition 1's aliyun_custom_image/, read from its bytes (debugfs for ext, mtools for FAT). */
async function customImageListing(disk: DiskFile, layout: DiskLayout, debugfs: boolean): Promise<Pick<CheckTarget, 'customImageEntries' | 'customImageMissing'>> {
  const p1 = layout.partitions.find((p) => p.number === 1);
  if (!p1) return { customImageMissing: 'the disk has no partition 1' };
  if (p1.fs.type === 'vfat') return mdirListing(disk, p1.offset);
  if (!EXT.has(p1.fs.type)) return { customImageMissing: `partition 1 is ${p1.fs.type}` };
  if (!debugfs) return { customImageMissing: 'debugfs (e2fsprogs) is not installed' };
  const view = new RootView(new DebugfsReader(disk.path, p1.offset, `${disk.path} partition 1`));
  return { customImageEntries: (await view.lstat('/aliyun_custom_image'))?.type === 'dir' ? await view.list('/aliyun_custom_image') : [] };
}

/** target.ts BootLoaderFacts: the MBR's boot code area and the EFI system partitions. */
async function bootLoaderFacts(disk: DiskFile, layout: DiskLayout): Promise<BootLoaderFacts> {
  // A bare file system has no MBR: its first bytes are its own.
  const code = layout.table === 'none' ? Buffer.alloc(0) : await disk.readAt(0, 440);
  const esps: BootLoaderFacts['efiSystemPartitions'] = [];
  for (const p of layout.partitions.filter((q) => q.type.toLowerCase() === 'ef' || q.type.toUpperCase() === ESP_GPT_TYPE)) {
    const listed = p.fs.type === 'vfat' ? await fatListing(disk, p.offset, '::/').catch(() => ({ entries: [] })) : { entries: [] };
    const top = 'entries' in listed ? listed.entries : [];
    esps.push({ number: p.number, efiDirectory: top.some((e) => e.directory && e.name.toUpperCase() === 'EFI') });
  }
  return { mbrBootCode: code.some((b) => b !== 0), efiSystemPartitions: esps };
}

/** The partition holding the image's root file system: the first ext partition with /etc and an init. */
async function findRoot(disk: DiskFile, layout: DiskLayout): Promise<{ partition: Partition | null; view: RootView | null; why?: string }> {
  // A bare file system image (no partition table) is its own root candidate.
  const candidates: Partition[] =
    layout.table === 'none' ? [{ number: 0, offset: 0, size: disk.size, type: '', lvmType: false, fs: await probeFilesystem(disk, 0, disk.size) }] : layout.partitions;
  for (const p of candidates) {
    if (!EXT.has(p.fs.type)) continue;
    const view = new RootView(new DebugfsReader(disk.path, p.offset, p.number === 0 ? disk.path : `${disk.path} partition ${p.number}`));
    if ((await view.stat('/etc'))?.type === 'dir' && ((await view.exists('/sbin/init')) || (await view.exists('/etc/os-release')))) return { partition: p, view };
  }
  const other = candidates.find((p) => ['xfs', 'btrfs', 'LVM2_member'].includes(p.fs.type));
  if (other) return { partition: other, view: null, why: `${other.number === 0 ? 'the image' : `partition ${other.number}`} is ${other.fs.type}; osconf reads only ext file systems inside an image (check the mounted tree with --root)` };
  return { partition: null, view: null, why: 'no partition holds a root file system (/etc and /sbin/init)' };
}

/**
 * A disk image file or block device, read as bytes: its layout, the ext root file system found in it (through
 * debugfs; `root` null with `rootMissing` saying why) and partition 1's top-level names. Throws
 * OperationalError when the path cannot be opened or is neither a regular file nor a block device.
 */
export async function imageTarget(path: string): Promise<CheckTarget> {
  const disk = await openDisk(path);
  try {
    const layout = await readDiskLayout(disk);
    const debugfs = await hasDebugfs();
    const found = debugfs ? await findRoot(disk, layout) : { partition: null, view: null, why: 'debugfs (e2fsprogs) is not installed' };
    const fsInfo = found.partition?.fs;
    return {
      kind: 'image',
      root: found.view,
      rootMissing: found.why,
      disk: layout,
      rootFs: fsInfo ? { type: fsInfo.type, features: fsInfo.features } : null,
      blocks: fsInfo?.blocks ?? null,
      inodes: fsInfo?.inodes ?? null,
      ...(await firstPartitionEntries(disk, layout, debugfs)),
      ...(await customImageListing(disk, layout, debugfs)),
      bootLoader: await bootLoaderFacts(disk, layout),
    };
  } finally {
    await disk.close();
  }
}

/**
 * A root directory (an image builder's tree): read through a DirectoryReader, the root file system type from
 * its fstab, usage from statfs; no disk. Throws UsageError when `dir` is not a directory.
 */
export async function rootTarget(dir: string): Promise<CheckTarget> {
  if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) throw new UsageError(`--root ${dir}: no such directory`);
  const root = new RootView(new DirectoryReader(dir));
  const type = fstabEntries((await root.read('/etc/fstab')) ?? '').find((e) => e.mount === '/')?.type;
  return {
    kind: 'root',
    root,
    disk: null,
    diskMissing: 'a directory has no disk',
    rootFs: type && type !== 'auto' ? { type } : null,
    ...(await statfsUsage(dir)),
    firstPartitionEntries: null,
    firstPartitionMissing: 'a directory has no first partition',
  };
}

/**
 * The running system: `/`, the root file system from mountinfo, and the disk holding it (found as `locate`
 * finds it) read as bytes; when that disk cannot be found or opened, `diskMissing` and
 * `firstPartitionMissing` say why instead of an error.
 */
export async function runningTarget(): Promise<CheckTarget> {
  const root = new RootView(new DirectoryReader('/'));
  const host = new NodeHost('/');
  const mountinfo = (await host.read('/proc/self/mountinfo')) ?? '';
  const rootLine = mountinfo.split('\n').filter((l) => l.split(' ')[4] === '/').at(-1);
  const rootType = rootLine?.split(' - ')[1]?.split(' ')[0];
  const usage = await statfsUsage('/');
  const first = await rootDiskFirstPartition(host).catch(() => null);
  const base: CheckTarget = { kind: 'running', root, disk: null, rootFs: rootType ? { type: rootType } : null, ...usage, firstPartitionEntries: null };
  if (!first) return { ...base, diskMissing: 'the root file system is not on a partitioned disk', firstPartitionMissing: 'no first partition found' };
  let disk: DiskFile;
  try {
    disk = await openDisk(first.disk);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ...base, diskMissing: why, firstPartitionMissing: why };
  }
  try {
    const layout = await readDiskLayout(disk);
    // ext features of the root file system come from its superblock on the disk (sysfs gives its number).
    const rootNumber = Number((await host.read(`/sys/dev/block/${rootLine?.split(' ')[2]}/partition`).catch(() => null))?.trim());
    const rootPartition = layout.partitions.find((p) => p.number === rootNumber);
    return {
      ...base,
      disk: layout,
      rootFs: rootType ? { type: rootType, features: rootPartition?.fs.features } : null,
      ...(await firstPartitionEntries(disk, layout, await hasDebugfs())),
      ...(await customImageListing(disk, layout, await hasDebugfs())),
      bootLoader: await bootLoaderFacts(disk, layout),
    };
  } finally {
    await disk.close();
  }
}
