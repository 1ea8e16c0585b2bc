// The Host's system calls that replaced child processes (issue 21): realpath(3) for `readlink -f`, stat(2)'s
// st_rdev for `stat -L -c %t:%T`. Temporary directories and the device nodes every Linux has; no root needed.
// Where the machine has them, the results are compared with the coreutils commands they replace.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeHost, deviceNumberByStat, libuvGivesRdev, splitDeviceNumber } from '../../../src/host/node-host.js';
import { FakeHost } from '../../helpers/fake-host.js';

const live = new NodeHost('/');

test('a dev_t splits as glibc major(3)/minor(3): low and high bits of each part', (t) => {
  t.deepEqual(splitDeviceNumber(0x103), { major: 1, minor: 3 }, '/dev/null');
  t.deepEqual(splitDeviceNumber(0x801), { major: 8, minor: 1 }, 'sda1');
  t.deepEqual(splitDeviceNumber(0x10300), { major: 259, minor: 0 }, 'nvme0n1');
  // Minor 300 of loop: its bits 8-11 sit at dev_t bits 20-23.
  t.deepEqual(splitDeviceNumber(0x10072c), { major: 7, minor: 300 });
  // The kernel's largest: new_encode_dev(4095, 2^20-1), every bit of 32 set.
  t.deepEqual(splitDeviceNumber(0xffffffff), { major: 0xfff, minor: 0xfffff });
  t.deepEqual(splitDeviceNumber(0xfff00000), { major: 0, minor: 0xfff00 });
  // makedev(0x1234, 0x56789): major's bits 12+ at 44+, minor's bits 8+ at 20+ and 32+.
  t.deepEqual(splitDeviceNumber(0x100056723489), { major: 0x1234, minor: 0x56789 });
  t.deepEqual(splitDeviceNumber(0x3456789abcdef), { major: 0x34bcd, minor: 0x56789aef });
  // The largest a Number holds exactly: every minor bit set, major's up to bit 52.
  t.deepEqual(splitDeviceNumber(Number.MAX_SAFE_INTEGER), { major: 0x1fffff, minor: 0xffffffff });
});

test("deviceNumber: a device node's numbers, links followed; null for no device, nothing, a dangling link", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-devnum-'));
  try {
    // Fixed by the kernel's devices.txt: mem devices, major 1.
    t.deepEqual(await live.deviceNumber('/dev/null'), { major: 1, minor: 3 });
    t.deepEqual(await live.deviceNumber('/dev/zero'), { major: 1, minor: 5 });
    symlinkSync('/dev/null', join(dir, 'null-link'));
    symlinkSync(join(dir, 'null-link'), join(dir, 'chain'));
    t.deepEqual(await live.deviceNumber(join(dir, 'chain')), { major: 1, minor: 3 });
    writeFileSync(join(dir, 'file'), '');
    t.is(await live.deviceNumber(join(dir, 'file')), null);
    t.is(await live.deviceNumber(dir), null);
    t.is(await live.deviceNumber(join(dir, 'absent')), null);
    t.is(await live.deviceNumber(join(dir, 'file', 'below')), null);
    symlinkSync(join(dir, 'absent'), join(dir, 'dangling'));
    t.is(await live.deviceNumber(join(dir, 'dangling')), null);
    symlinkSync('loop', join(dir, 'loop'));
    t.is(await live.deviceNumber(join(dir, 'loop')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deviceNumber agrees with `stat -L -c %t:%T` on the block and character devices of /dev', async (t) => {
  const nodes = readdirSync('/dev')
    .filter((n) => /^(null|zero|full|random|urandom|loop\d+|[sv]d[a-z]\d*|nvme\d+n\d+(p\d+)?)$/.test(n))
    .map((n) => `/dev/${n}`);
  t.true(nodes.includes('/dev/null'));
  const out = execFileSync('stat', ['-L', '-c', '%n %t:%T', ...nodes], { encoding: 'utf8' });
  for (const line of out.trim().split('\n')) {
    const [path, hex] = line.split(' ') as [string, string];
    const [major, minor] = hex.split(':').map((h) => parseInt(h, 16));
    t.deepEqual(await live.deviceNumber(path), { major, minor }, path);
  }
});

test("fs.stat's rdev is trusted from libuv 1.41.0 on; before, coreutils' stat gives the same numbers", async (t) => {
  // Node.js 10.19 (libuv 1.28.0) and 12.22 (1.40.0) report /dev/loop1 as rdev 7; 14.21 (1.42.0) as 0x701.
  t.false(libuvGivesRdev('1.28.0'));
  t.false(libuvGivesRdev('1.40.0'));
  t.true(libuvGivesRdev('1.41.0'));
  t.true(libuvGivesRdev('1.51.0'));
  t.true(libuvGivesRdev('2.0.0'));
  t.true(libuvGivesRdev(process.versions.uv!), 'the Node.js running these tests');
  const dir = mkdtempSync(join(tmpdir(), 'osconf-devstat-'));
  try {
    symlinkSync('/dev/null', join(dir, 'null-link'));
    writeFileSync(join(dir, 'file'), '');
    symlinkSync('absent', join(dir, 'dangling'));
    const loops = readdirSync('/dev').filter((n) => /^loop\d+$/.test(n)).map((n) => `/dev/${n}`);
    for (const path of ['/dev/null', '/dev/zero', join(dir, 'null-link'), join(dir, 'file'), dir, join(dir, 'absent'), join(dir, 'dangling'), ...loops]) {
      t.deepEqual(await deviceNumberByStat(live, path), await live.deviceNumber(path), path);
    }
    t.deepEqual(await deviceNumberByStat(live, join(dir, 'null-link')), { major: 1, minor: 3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('realpath: relative, absolute and chained links, `..` and `//`; null for nothing, a dangling link, a loop, a file as directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-realpath-'));
  try {
    const real = (await live.realpath(dir))!;
    mkdirSync(join(dir, 'devices/pci/block/vda/vda1'), { recursive: true });
    mkdirSync(join(dir, 'dev/block'), { recursive: true });
    // As /sys/dev/block/253:1 is: relative to the link's directory.
    symlinkSync('../../devices/pci/block/vda/vda1', join(dir, 'dev/block/253:1'));
    t.is(await live.realpath(join(dir, 'dev/block/253:1')), join(real, 'devices/pci/block/vda/vda1'));
    symlinkSync(join(dir, 'dev/block/253:1'), join(dir, 'abs'));
    symlinkSync('abs', join(dir, 'chain'));
    t.is(await live.realpath(join(dir, 'chain')), join(real, 'devices/pci/block/vda/vda1'));
    t.is(await live.realpath(`${dir}//dev/block/../block/253:1/`), join(real, 'devices/pci/block/vda/vda1'));
    // A link on the way, not only at the end.
    t.is(await live.realpath(`${dir}/chain/..`), join(real, 'devices/pci/block/vda'));
    t.is(await live.realpath(join(dir, 'devices')), join(real, 'devices'), 'no link: the path itself');
    t.is(await live.realpath(join(dir, 'absent')), null);
    symlinkSync('../../devices/vdz9', join(dir, 'dev/block/253:9'));
    t.is(await live.realpath(join(dir, 'dev/block/253:9')), null);
    symlinkSync('other', join(dir, 'loop'));
    symlinkSync('loop', join(dir, 'other'));
    t.is(await live.realpath(join(dir, 'loop')), null);
    writeFileSync(join(dir, 'file'), '');
    t.is(await live.realpath(join(dir, 'file/x')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("realpath agrees with `readlink -f` on this machine's /sys/dev/block links", async (t) => {
  const links = readdirSync('/sys/dev/block').map((n) => `/sys/dev/block/${n}`);
  t.true(links.length > 0, 'this machine has loop devices');
  const expected = execFileSync('readlink', ['-f', ...links], { encoding: 'utf8' }).trim().split('\n');
  t.deepEqual(await Promise.all(links.map((l) => live.realpath(l))), expected);
});

test("a sandbox root refuses both: what they resolve is the running system's", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-sandbox-'));
  try {
    const sandbox = new NodeHost(dir);
    await t.throwsAsync(sandbox.realpath('/dev/null'), { message: /^refusing to resolve \/dev\/null for a sandbox root/ });
    await t.throwsAsync(sandbox.deviceNumber('/dev/null'), { message: /^refusing to inspect the device \/dev\/null for a sandbox root/ });
    await t.throwsAsync(live.realpath('dev/null'), { message: /host paths are absolute/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the in-memory host resolves and numbers paths as the real one does, on the same tree', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-same-tree-'));
  try {
    const real = (await live.realpath(dir))!;
    const fake = new FakeHost(true).device('/dev/null', 1, 3);
    const files = ['sys/devices/pci/block/vda/vda1/partition', 'sys/devices/pci/block/vda/dev'];
    const links: Record<string, string> = {
      'sys/dev/block/253:1': '../../devices/pci/block/vda/vda1',
      'sys/dev/block/253:0': '../../devices/pci/block/vda',
      'sys/dev/block/253:9': '../../devices/pci/block/vdz',
      'sys/fs/btrfs/f/devices/vda1': '../../../../devices/pci/block/vda/vda1',
      'sys/hop': 'dev/block/253:1',
      'sys/loop-a': 'loop-b',
      'sys/loop-b': 'loop-a',
      'sys/null': '/dev/null',
    };
    for (const f of files) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
      fake.put(`/${f}`, '');
    }
    for (const [path, target] of Object.entries(links)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      symlinkSync(target, join(dir, path));
      fake.link(`/${path}`, target);
    }
    const queries = [...files, ...Object.keys(links), 'sys/hop/..', 'sys/hop/partition', 'sys/hop/partition/x', 'sys/dev/block/253:0/vda1/../dev', 'sys/absent', 'sys//dev/./block'];
    for (const q of queries) {
      const fromReal = await live.realpath(`${dir}/${q}`);
      t.is(await fake.realpath(`/${q}`), fromReal === null || fromReal.startsWith('/dev/') ? fromReal : fromReal.slice(real.length), q);
      t.deepEqual(await fake.deviceNumber(`/${q}`), await live.deviceNumber(`${dir}/${q}`), q);
    }
    t.deepEqual(await fake.list('/sys/dev/block'), readdirSync(join(dir, 'sys/dev/block')).sort(), 'links are listed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
