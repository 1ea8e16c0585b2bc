// Partition tables and superblocks read from bytes: cases the image tests do not build (logical partitions
// in an extended one, an LVM label, a swap signature, short reads at the end of a truncated image).
import test from 'ava';
import { probeFilesystem, readDiskLayout } from '../../../src/check/disk-layout.js';
import type { ReadAt } from '../../../src/host/readers.js';

const MiB = 2 ** 20;
const reader = (disk: Buffer): ReadAt => async (offset, length) => disk.subarray(offset, offset + length);

function entry(sector: Buffer, index: number, type: number, start: number, sectors: number): void {
  const at = 446 + index * 16;
  sector[at + 4] = type;
  sector.writeUInt32LE(start, at + 8);
  sector.writeUInt32LE(sectors, at + 12);
  sector.writeUInt16LE(0xaa55, 510);
}

test('MBR with an extended partition: logical partitions 5 and 6 are followed through the EBR chain', async (t) => {
  const disk = Buffer.alloc(64 * MiB);
  entry(disk, 0, 0x83, 2048, 2048); // p1 1 MiB
  entry(disk, 1, 0x05, 4096, 61440); // extended
  const ebr1 = 4096 * 512;
  const first = disk.subarray(ebr1, ebr1 + 512);
  entry(first, 0, 0x8e, 2048, 8192); // p5: LVM, relative to this EBR
  entry(first, 1, 0x05, 16384, 20480); // next EBR, relative to the extended partition
  const ebr2 = (4096 + 16384) * 512;
  entry(disk.subarray(ebr2, ebr2 + 512), 0, 0x82, 2048, 4096); // p6: swap
  disk.write('SWAPSPACE2', (4096 + 16384 + 2048) * 512 + 4086, 'latin1');
  const layout = await readDiskLayout(reader(disk), disk.length);
  t.is(layout.table, 'mbr');
  t.deepEqual(
    layout.partitions.map((p) => [p.number, p.type, p.lvmType, p.fs.type, p.offset / 512]),
    [
      [1, '83', false, 'unknown', 2048],
      [5, '8e', true, 'unknown', 4096 + 2048],
      [6, '82', false, 'swap', 4096 + 16384 + 2048],
    ],
  );
});

test('an LVM2 label is recognised in any of the first four sectors', async (t) => {
  for (const sector of [0, 1, 3]) {
    const part = Buffer.alloc(8192);
    part.write('LABELONE', sector * 512, 'latin1');
    part.write('LVM2 001', sector * 512 + 24, 'latin1');
    t.is((await probeFilesystem(reader(part), 0, part.length)).type, 'LVM2_member', `sector ${sector}`);
  }
});

test('a partition that runs past the end of a truncated image is left out, not misread', async (t) => {
  const disk = Buffer.alloc(4 * MiB);
  entry(disk, 0, 0x83, 2048, 2048);
  entry(disk, 1, 0x83, 4096, 1_000_000);
  const layout = await readDiskLayout(reader(disk), disk.length);
  t.deepEqual(layout.partitions.map((p) => p.number), [1]);
});

test('no 55AA signature: no partition table', async (t) => {
  t.deepEqual(await readDiskLayout(reader(Buffer.alloc(MiB)), MiB), { table: 'none', size: MiB, partitions: [] });
});
