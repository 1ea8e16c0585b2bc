// check --image reads untrusted bytes (issue 16, item 5; reproduction 6): a FAT chain that loops, a GPT entry
// whose size is negative or past any disk, an EBR chain that loops each end in a clear error (an
// OperationalError naming the field), never in an internal error, a hang or unbounded memory.
import test from 'ava';
import { DiskLayoutError, readDiskLayout } from '../../../src/check/disk-layout.js';
import { FatError, fatRootEntries } from '../../../src/check/fat-directory.js';
import type { ReadAt } from '../../../src/host/readers.js';

const MiB = 2 ** 20;
const reader = (disk: Buffer, counter?: { bytes: number }): ReadAt => async (offset, length) => {
  if (counter) counter.bytes += length;
  return disk.subarray(offset, offset + length);
};

/** A 2 MiB FAT32-shaped file system: 512-byte sectors, one per cluster, 32 reserved, one FAT of 16 sectors. */
function fat32(): Buffer {
  const fs = Buffer.alloc(2 * MiB);
  fs.writeUInt16LE(512, 11);
  fs[13] = 1;
  fs.writeUInt16LE(32, 14);
  fs[16] = 1;
  fs.writeUInt16LE(0, 17);
  fs.writeUInt32LE(16, 36); // sectors per FAT
  fs.writeUInt32LE(2, 44); // root cluster
  fs.write('FAT32   ', 82, 'latin1');
  fs.writeUInt16LE(0xaa55, 510);
  const data = (32 + 16) * 512;
  // One entry in the root directory, then unused (not ended) so the chain is followed.
  fs.write('ALIYUN     ', data, 'latin1');
  fs[data + 11] = 0x10;
  fs.fill(0xe5, data + 32); // deleted entries: no end-of-directory mark in any cluster
  return fs;
}

const fatEntry = (fs: Buffer, cluster: number, next: number) => fs.writeUInt32LE(next, 32 * 512 + cluster * 4);

test('a FAT root directory whose cluster chain points to itself is an error naming the loop, after one cluster', async (t) => {
  const fs = fat32();
  fatEntry(fs, 2, 2);
  const counter = { bytes: 0 };
  const error = await t.throwsAsync(fatRootEntries(reader(fs, counter), 0, fs.length), { instanceOf: FatError });
  t.is(error?.message, "unreadable FAT file system at byte 0: the root directory's cluster chain loops at cluster 2");
  t.true(counter.bytes < 4096, `read ${counter.bytes} bytes`);
});

test('a longer loop (2 -> 3 -> 4 -> 3) is found too', async (t) => {
  const fs = fat32();
  fatEntry(fs, 2, 3);
  fatEntry(fs, 3, 4);
  fatEntry(fs, 4, 3);
  await t.throwsAsync(fatRootEntries(reader(fs), 0, fs.length), { message: /loops at cluster 3$/ });
});

test('a chain without a loop longer than 65,536 entries is an error, after at most 2 MiB', async (t) => {
  const fs = Buffer.alloc(64 * MiB);
  fat32().copy(fs);
  fs.writeUInt32LE(32_000, 36); // a FAT big enough for a long chain
  fs.fill(0xe5, (32 + 32_000) * 512);
  for (let c = 2; c < 8000; c++) fs.writeUInt32LE(c + 1, 32 * 512 + c * 4);
  const counter = { bytes: 0 };
  await t.throwsAsync(fatRootEntries(reader(fs, counter), 0, fs.length), { message: /larger than the 65,536 entries FAT allows$/ });
  t.true(counter.bytes <= 2 * MiB + 4096 * 4 + 512, `read ${counter.bytes} bytes`);
});

test('BPB fields outside the specification are named; a cluster past the end is an error, not a short read', async (t) => {
  const bad = fat32();
  bad[13] = 255;
  await t.throwsAsync(fatRootEntries(reader(bad), 0), { message: 'unreadable FAT file system at byte 0: 255 sectors per cluster' });
  const zero = fat32();
  zero.writeUInt16LE(0, 11);
  await t.throwsAsync(fatRootEntries(reader(zero), 0), { message: /0 bytes per sector$/ });
  const far = fat32();
  far.writeUInt32LE(0x0ffffff0, 44);
  await t.throwsAsync(fatRootEntries(reader(far), 0, far.length), { message: /cluster 268435440 of the root directory lies beyond the file system$/ });
  await t.throwsAsync(fatRootEntries(reader(Buffer.alloc(100)), 0), { message: /boot sector is cut short$/ });
});

test('a good chain is still read: entries of every cluster until the end mark', async (t) => {
  const fs = fat32();
  fatEntry(fs, 2, 3);
  fatEntry(fs, 3, 0x0fffffff);
  const second = (32 + 16) * 512 + 512;
  fs.fill(0, second, second + 512);
  fs.write('OS      CON', second, 'latin1');
  t.deepEqual(await fatRootEntries(reader(fs), 0, fs.length), [
    { name: 'ALIYUN', directory: true },
    { name: 'OS.CON', directory: false },
  ]);
});

/** A protective MBR and a GPT header with one entry from `first` to `last` (LBAs as two 32-bit halves). */
function gpt(first: [number, number], last: [number, number], entriesLba: [number, number] = [2, 0]): Buffer {
  const disk = Buffer.alloc(MiB);
  disk[446 + 4] = 0xee;
  disk.writeUInt32LE(1, 446 + 8);
  disk.writeUInt32LE(2047, 446 + 12);
  disk.writeUInt16LE(0xaa55, 510);
  disk.write('EFI PART', 512, 'latin1');
  disk.writeUInt32LE(entriesLba[0], 512 + 72);
  disk.writeUInt32LE(entriesLba[1], 512 + 76);
  disk.writeUInt32LE(128, 512 + 80);
  disk.writeUInt32LE(128, 512 + 84);
  const e = 1024;
  disk.fill(0x11, e, e + 16); // a type GUID
  disk.writeUInt32LE(first[0], e + 32);
  disk.writeUInt32LE(first[1], e + 36);
  disk.writeUInt32LE(last[0], e + 40);
  disk.writeUInt32LE(last[1], e + 44);
  return disk;
}

test('a GPT entry that ends before it starts (a negative size) is an error naming the partition', async (t) => {
  const disk = gpt([2048, 0], [100, 0]);
  const error = await t.throwsAsync(readDiskLayout(reader(disk), disk.length), { instanceOf: DiskLayoutError });
  t.is(error?.message, 'unreadable partition table: GPT partition 1 ends (LBA 100) before it starts (LBA 2048)');
});

test('a GPT entry or entry array past any disk (64-bit LBAs beyond exact arithmetic) is an error, not a wrong number', async (t) => {
  const huge = gpt([2048, 0], [0xffffffff, 0xffffffff]);
  await t.throwsAsync(readDiskLayout(reader(huge), huge.length), { message: /^unreadable partition table: the end of GPT partition 1 \(LBA \d+\) lies beyond any disk$/ });
  const array = gpt([2048, 0], [4095, 0], [0, 0x7fffffff]);
  await t.throwsAsync(readDiskLayout(reader(array), array.length), { message: /the GPT partition entry array .* lies beyond any disk$/ });
  // And a sane entry still reads.
  const good = gpt([34, 0], [1000, 0]);
  t.like((await readDiskLayout(reader(good), good.length)).partitions[0], { number: 1, offset: 34 * 512, size: 967 * 512 });
});

test('an EBR chain that comes back to an EBR it passed is an error, not 128 copies', async (t) => {
  const disk = Buffer.alloc(8 * MiB);
  const put = (sector: Buffer, index: number, type: number, start: number, sectors: number) => {
    sector[446 + index * 16 + 4] = type;
    sector.writeUInt32LE(start, 446 + index * 16 + 8);
    sector.writeUInt32LE(sectors, 446 + index * 16 + 12);
    sector.writeUInt16LE(0xaa55, 510);
  };
  put(disk, 0, 0x05, 2048, 8192);
  // EBRs at 2048, 2148, 2248; each next one is relative to the extended partition, and the third leads back
  // to the second (a next of 0 would end the chain).
  for (const [at, next] of [
    [2048, 100],
    [2148, 200],
    [2248, 100],
  ] as const) {
    const ebr = disk.subarray(at * 512, (at + 1) * 512);
    put(ebr, 0, 0x83, 32, 32);
    put(ebr, 1, 0x05, next, 64);
  }
  await t.throwsAsync(readDiskLayout(reader(disk), disk.length), { instanceOf: DiskLayoutError, message: /loops at sector 2148$/ });
});
