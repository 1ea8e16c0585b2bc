// The disk tools' outputs as disk-layout.ts and fat-directory.ts parse them: captured from sfdisk, blkid,
// dumpe2fs and mdir (util-linux 2.38.1, e2fsprogs 1.47.0, mtools 4.0.32 on Debian 12) on images built with
// them, and malformed ones as a damaged disk or a changed tool could print (issue 16 item 5: whatever the
// output, a layout or a clear DiskLayoutError, never an internal error or a wrong number).
import test from 'ava';
import { DiskLayoutError, parseBlkid, parseDumpe2fs, parseSfdisk, readDiskLayout } from '../../../src/check/disk-layout.js';
import { parseMdirBare } from '../../../src/check/fat-directory.js';
import type { DiskTools, ToolOutput } from '../../../src/host/readers.js';

const MiB = 2 ** 20;
const ok = (stdout: string): ToolOutput => ({ code: 0, stdout, stderr: '' });

/** `sfdisk --json d.img`: p1 FAT32 (bootable), p2 extended holding p5, p3 LVM. */
const DOS = `{
   "partitiontable": {
      "label": "dos",
      "id": "0x9ad03cd8",
      "device": "d.img",
      "unit": "sectors",
      "sectorsize": 512,
      "partitions": [
         {"node": "d.img1", "start": 2048, "size": 81920, "type": "c", "bootable": true},
         {"node": "d.img2", "start": 83968, "size": 61440, "type": "5"},
         {"node": "d.img3", "start": 145408, "size": 4096, "type": "8e"},
         {"node": "d.img5", "start": 86016, "size": 8192, "type": "83"}
      ]
   }
}`;

/** `sfdisk --json g.img`: an ESP, a Linux partition and an LVM one. */
const GPT = `{
   "partitiontable": {
      "label": "gpt", "id": "4A3EA3BC-A43B-644F-AA06-AE85128B906F", "device": "g.img", "unit": "sectors",
      "firstlba": 2048, "lastlba": 204766, "sectorsize": 512,
      "partitions": [
         {"node": "g.img1", "start": 2048, "size": 81920, "type": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "uuid": "58C78A42-AC81-A44B-8B62-E0FC11524F99"},
         {"node": "g.img2", "start": 83968, "size": 40960, "type": "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "uuid": "3C63327F-2655-9B45-A292-B3C19CBE52BC"},
         {"node": "g.img3", "start": 124928, "size": 20480, "type": "E6D6D379-F507-44C2-A23C-238F2A3DF928", "uuid": "6254AF66-12C4-0749-B254-5CF8AF4A7BB3"}
      ]
   }
}`;

const BLKID_FAT32 = 'DEVNAME=d.img\nLABEL_FATBOOT=MYLAB\nLABEL=MYLAB\nUUID=4357-EB9C\nVERSION=FAT32\nBLOCK_SIZE=512\nTYPE=vfat\nUSAGE=filesystem\n';
const BLKID_EXT4 = 'DEVNAME=e.img\nLABEL=ROOTL\nUUID=b46fadfe-7fe6-4a23-bb04-18d17fb3e63f\nVERSION=1.0\nBLOCK_SIZE=1024\nTYPE=ext4\nUSAGE=filesystem\n';
const DUMPE2FS = `Filesystem volume name:   ROOTL
Last mounted on:          <not available>
Filesystem features:      has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum
Inode count:              5112
Block count:              20480
Reserved block count:     1024
Free blocks:              17995
Free inodes:              5101
Journal features:         (none)
`;

test('sfdisk, MBR: primaries and the logical partition 5 of the EBR chain; the extended container is left out', (t) => {
  const { table, partitions } = parseSfdisk(ok(DOS), 100 * MiB);
  t.is(table, 'mbr');
  t.deepEqual(
    partitions.map((p) => [p.number, p.type, p.lvmType, p.offset / 512, p.size / 512]),
    [
      [1, '0c', false, 2048, 81920],
      [3, '8e', true, 145408, 4096],
      [5, '83', false, 86016, 8192],
    ],
  );
});

test('sfdisk, GPT: type GUIDs kept, the LVM GUID marks LVM; 4096-byte sectors are counted as such', (t) => {
  const { table, partitions } = parseSfdisk(ok(GPT), 0);
  t.is(table, 'gpt');
  t.deepEqual(partitions.map((p) => [p.number, p.type.slice(0, 8), p.lvmType, p.offset]), [
    [1, 'C12A7328', false, 2048 * 512],
    [2, '0FC63DAF', false, 83968 * 512],
    [3, 'E6D6D379', true, 124928 * 512],
  ]);
  t.is(parseSfdisk(ok(GPT.replace('"sectorsize": 512', '"sectorsize": 4096')), 0).partitions[0]!.offset, 2048 * 4096);
});

test('sfdisk: a disk name ending in a digit gives DISKpN nodes; no table is table none; other labels are none', (t) => {
  const json = DOS.replaceAll('d.img', 'disk1').replaceAll('"disk1', '"disk1p').replace('"device": "disk1p"', '"device": "disk1"');
  t.deepEqual(parseSfdisk(ok(json), 0).partitions.map((p) => p.number), [1, 3, 5]);
  t.deepEqual(parseSfdisk({ code: 1, stdout: '', stderr: 'sfdisk: z.img: does not contain a recognized partition table\n' }, 0), { table: 'none', partitions: [] });
  t.is(parseSfdisk(ok(DOS.replace('"dos"', '"sun"')), 0).table, 'none');
});

test('sfdisk: partitions reaching past the end of a truncated image are left out', (t) => {
  t.deepEqual(parseSfdisk(ok(DOS), 50 * MiB).partitions.map((p) => p.number), [1, 5]);
});

test('sfdisk: malformed output is a DiskLayoutError naming what is wrong, never a wrong number', (t) => {
  const bad = (json: string, message: RegExp, code = 0) =>
    t.throws(() => parseSfdisk({ code, stdout: json, stderr: code ? 'sfdisk: cannot open x.img: Permission denied\n' : '' }, 0), { instanceOf: DiskLayoutError, message });
  bad('', /sfdisk: cannot open x.img: Permission denied$/, 1);
  bad('{"partitiontable": ', /printed no JSON$/);
  bad('null', /printed no partitiontable$/);
  bad('{"partitiontable": "x"}', /printed no partitiontable$/);
  bad(DOS.replace('"sectorsize": 512', '"sectorsize": 7'), /a sector size of 7 bytes$/);
  bad(DOS.replace('"start": 2048', '"start": -2048'), /partition 1 starts at sector -2048$/);
  bad(DOS.replace('"size": 81920', '"size": -100'), /partition 1 has a size of -100 sectors$/);
  bad(DOS.replace('"size": 81920', '"size": 18446744073709551615'), /partition 1 has a size of 18446744073709552000 sectors$/);
  bad(DOS.replace('"start": 2048', '"start": 9007199254740000'), /partition 1 \(sectors .*\) lies beyond any disk$/);
  bad(DOS.replace('"node": "d.img1"', '"node": "d.img"'), /entry 1 \("d.img"\) has no partition number$/);
  bad(DOS.replace('"start": 2048', '"start": "2048"'), /partition 1 starts at sector 2048$/);
  bad(DOS.replace(/"partitions": \[[^]*\]/, '"partitions": {}'), /partitions that are no list$/);
  const many = Array.from({ length: 300 }, (_, i) => `{"node": "d.img${i + 1}", "start": ${2048 + i}, "size": 1, "type": "83"}`).join(',');
  bad(DOS.replace(/"partitions": \[[^]*\]/, `"partitions": [${many}]`), /300 partitions \(at most 256 are read\)$/);
});

test('blkid: type, label and FAT variant; an escaped label; no signature or an ambivalent probe is unknown', (t) => {
  t.deepEqual(parseBlkid(ok(BLKID_FAT32)), { type: 'vfat', label: 'MYLAB', variant: 'FAT32' });
  t.deepEqual(parseBlkid(ok(BLKID_EXT4)), { type: 'ext4', label: 'ROOTL' });
  t.deepEqual(parseBlkid(ok('LABEL=MY\\ LAB\\\\1\nTYPE=vfat\nVERSION=FAT16\n')), { type: 'vfat', label: 'MY LAB\\1', variant: 'FAT16' });
  t.deepEqual(parseBlkid(ok('UUID=x\nTYPE=LVM2_member\nUSAGE=raid\n')), { type: 'LVM2_member' });
  t.deepEqual(parseBlkid(ok('TYPE=squashfs\n')), { type: 'squashfs', readOnly: true });
  t.deepEqual(parseBlkid(ok('TYPE=ntfs\nLABEL=Windows\n')), { type: 'unknown' });
  t.deepEqual(parseBlkid({ code: 2, stdout: '', stderr: '' }), { type: 'unknown' });
  t.deepEqual(parseBlkid({ code: 8, stdout: '', stderr: 'ambivalent result' }), { type: 'unknown' });
  t.deepEqual(parseBlkid(ok('garbage\n\0\nTYPE=\n')), { type: 'unknown' });
});

test('dumpe2fs -h: features, the read-only feature, block and inode counts; missing or odd fields are left out', (t) => {
  t.deepEqual(parseDumpe2fs(ok(DUMPE2FS)), {
    features: 'has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum'.split(' '),
    readOnly: false,
    blocks: { total: 20480, free: 17995 },
    inodes: { total: 5112, free: 5101 },
  });
  t.true(parseDumpe2fs(ok(DUMPE2FS.replace('has_journal', 'has_journal read-only'))).readOnly);
  t.deepEqual(parseDumpe2fs(ok(DUMPE2FS.replace('Block count:              20480', 'Block count:              -1').replace('5112', '99999999999999999999'))), {
    features: parseDumpe2fs(ok(DUMPE2FS)).features,
    readOnly: false,
  });
  t.deepEqual(parseDumpe2fs({ code: 1, stdout: '', stderr: 'dumpe2fs: Bad magic number in super-block' }), {});
});

test('mdir -a -b: names of the listed directory, directories by their final slash, hidden ones too', (t) => {
  t.deepEqual(parseMdirBare('::/aliyun_custom_image/\n::/EFI/\n::/Long_File_Name.txt\n', '::/'), [
    { name: 'aliyun_custom_image', directory: true },
    { name: 'EFI', directory: true },
    { name: 'Long_File_Name.txt', directory: false },
  ]);
  t.deepEqual(parseMdirBare('::/aliyun_custom_image/os.conf\n::/aliyun_custom_image/sub/\n', '::/aliyun_custom_image/'), [
    { name: 'os.conf', directory: false },
    { name: 'sub', directory: true },
  ]);
  // Lines that are not entries of the directory (messages, deeper paths, dot entries, blanks) are not names.
  t.deepEqual(parseMdirBare('loop detected! oldrel=1\n::/a/b/c\n::/./\n::/../\n::/\n\n', '::/'), []);
});

/** DiskTools over captured outputs, counting the runs. */
function fakeDisk(sfdisk: ToolOutput | null, blkid: (offset: number) => string, runs: string[] = []): DiskTools {
  return {
    path: 'd.img',
    size: 100 * MiB,
    readAt: async () => Buffer.alloc(0),
    partitionTable: async () => (runs.push('sfdisk'), sfdisk),
    probe: async (offset) => (runs.push(`blkid ${offset}`), ok(blkid(offset))),
    extSuperblock: async (offset) => (runs.push(`dumpe2fs ${offset}`), ok(DUMPE2FS)),
    fatDirectory: async () => null,
  };
}

test('readDiskLayout: each partition probed by blkid, ext ones read by dumpe2fs too', async (t) => {
  const runs: string[] = [];
  const layout = await readDiskLayout(fakeDisk(ok(DOS), (o) => (o === 2048 * 512 ? BLKID_FAT32 : o === 86016 * 512 ? BLKID_EXT4 : ''), runs));
  t.is(layout.table, 'mbr');
  t.deepEqual(layout.partitions.map((p) => [p.number, p.fs.type, p.fs.variant ?? p.fs.blocks?.total ?? null]), [
    [1, 'vfat', 'FAT32'],
    [3, 'unknown', null],
    [5, 'ext4', 20480],
  ]);
  t.deepEqual(runs, ['sfdisk', `blkid ${2048 * 512}`, `blkid ${145408 * 512}`, `blkid ${86016 * 512}`, `dumpe2fs ${86016 * 512}`]);
});

test('readDiskLayout: sfdisk or blkid not installed is a DiskLayoutError saying which', async (t) => {
  await t.throwsAsync(readDiskLayout(fakeDisk(null, () => '')), { instanceOf: DiskLayoutError, message: /^sfdisk \(util-linux.*\) is not installed/ });
  const noBlkid = { ...fakeDisk(ok(DOS), () => ''), probe: async () => null };
  await t.throwsAsync(readDiskLayout(noBlkid), { instanceOf: DiskLayoutError, message: /^blkid \(util-linux\) is not installed/ });
});
