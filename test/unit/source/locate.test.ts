// Finding the first partition of the root disk from mountinfo and sysfs, on a fake host.
import test from 'ava';
import { locate, parseMountinfo, rootDiskFirstPartition } from '../../../src/source/locate.js';
import { setLogLevel } from '../../../src/log.js';
import { FakeHost } from '../../helpers/fake-host.js';

setLogLevel('error');

const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });

const DISK = '/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda';

// Links as the kernel makes them (relative); resolved by the fake host's realpath. No readlink, stat or rmdir
// command is declared: running one would throw.
function virtioHost(mountinfo: string, links: Record<string, string>, extra: (h: FakeHost) => void = () => undefined): FakeHost {
  const host = new FakeHost(true, { mount: () => ok(), umount: () => ok() });
  for (const [path, target] of Object.entries(links)) host.link(path, target);
  host.put('/proc/self/mountinfo', mountinfo);
  host.put(`${DISK}/vda1/partition`, '1\n').put(`${DISK}/vda1/dev`, '253:1\n');
  host.put(`${DISK}/vda2/partition`, '2\n').put(`${DISK}/vda2/dev`, '253:2\n');
  host.put(`${DISK}/dev`, '253:0\n');
  host.device('/dev/vda', 253, 0).device('/dev/vda1', 253, 1).device('/dev/vda2', 253, 2);
  extra(host);
  return host;
}

const LINKS = {
  '/sys/dev/block/253:2': '../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda2',
  '/sys/dev/block/253:1': '../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1',
};

test('mountinfo: mount points with escaped spaces', (t) => {
  t.deepEqual(parseMountinfo('36 35 98:0 / /mnt/a\\040b rw - ext3 /dev/x rw\n'), [
    { majorMinor: '98:0', mountPoint: '/mnt/a b', fsType: 'ext3', source: '/dev/x', superOptions: 'rw' },
  ]);
  // Optional fields (shared:N, master:N) sit before the separator.
  t.deepEqual(parseMountinfo('22 1 0:31 / / rw,relatime shared:1 master:2 - btrfs /dev/vda2 rw,space_cache=v2,subvolid=256,subvol=/@\n'), [
    { majorMinor: '0:31', mountPoint: '/', fsType: 'btrfs', source: '/dev/vda2', superOptions: 'rw,space_cache=v2,subvolid=256,subvol=/@' },
  ]);
});

test('root on vda2: the first partition is vda1, used where it is mounted (/boot)', async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n30 22 253:1 / /boot rw - vfat /dev/vda1 rw\n', LINKS);
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
  const located = await locate(host, { kind: 'root-disk' });
  t.is(located.base, '/boot');
  t.deepEqual(host.ran.filter((r) => r.argv[0] === 'mount'), []);
});

test('an unmounted first partition is mounted privately under /run/osconf, unmounted and its directory removed after', async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n', LINKS);
  const located = await locate(host, { kind: 'root-disk' });
  t.regex(located.base, /^\/run\/osconf\/mnt-[0-9a-f]{8}$/);
  t.deepEqual(host.ran.map((r) => r.argv), [['mount', '-o', 'rw,nosuid,nodev,noexec', '/dev/vda1', located.base]]);
  await located.release();
  t.deepEqual(host.ran.at(-1)!.argv, ['umount', located.base]);
  t.is(host.writes.at(-1), `rmdir ${located.base}`, 'rmdir(2) through the Host, no command');
});

test('a mount that fails removes the directory made for it and says why', async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n', LINKS);
  host.commands.mount = () => ({ code: 32, stdout: '', stderr: 'mount: wrong fs type\n' });
  await t.throwsAsync(locate(host, { kind: 'root-disk' }), { message: /^failed to mount \/dev\/vda1 at \/run\/osconf\/mnt-[0-9a-f]{8}: mount: wrong fs type$/ });
  t.regex(host.writes.at(-1)!, /^rmdir \/run\/osconf\/mnt-[0-9a-f]{8}$/);
});

test('[source] uuid=: the /dev/disk/by-uuid link resolved, its device number found mounted; no command runs', async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n30 22 253:1 / /boot rw - vfat /dev/vda1 rw\n', {
    ...LINKS,
    '/dev/disk/by-uuid/4A3B-1C2D': '../../vda1',
  });
  const located = await locate(host, { kind: 'uuid', value: '4A3B-1C2D' });
  t.is(located.base, '/boot');
  t.is(located.device, '/dev/vda1');
  t.deepEqual(host.ran, []);
});

test("[source] device= through a link: its device number is the target's (stat follows links)", async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n30 22 253:1 / /boot rw - vfat /dev/vda1 rw\n', { ...LINKS, '/dev/first': 'vda1' });
  t.is((await locate(host, { kind: 'device', value: '/dev/first' })).base, '/boot');
});

test('[source] label= without a by-label link: blkid finds the device', async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n30 22 253:1 / /boot rw - vfat /dev/vda1 rw\n', LINKS);
  host.commands.blkid = () => ok('/dev/vda1\n');
  const located = await locate(host, { kind: 'label', value: 'CONF' });
  t.is(located.base, '/boot');
  t.deepEqual(host.ran.map((r) => r.argv), [['blkid', '-o', 'device', '-t', 'LABEL=CONF']]);
});

test('a by-uuid link to a device that is gone: blkid is asked instead', async (t) => {
  const host = virtioHost('22 1 253:2 / / rw - ext4 /dev/vda2 rw\n', { ...LINKS, '/dev/disk/by-uuid/gone': '../../vdz9' });
  host.commands.blkid = () => ({ code: 2, stdout: '', stderr: '' });
  await t.throwsAsync(locate(host, { kind: 'uuid', value: 'gone' }), { message: 'no block device has uuid gone' });
  t.deepEqual(host.ran.map((r) => r.argv[0]), ['blkid']);
});

test('a sandbox root: no partition is searched and nothing is resolved', async (t) => {
  const host = new FakeHost(false).put('/proc/self/mountinfo', '22 1 253:2 / / rw - ext4 /dev/vda2 rw\n');
  t.is(await rootDiskFirstPartition(host), null);
  await t.throwsAsync(locate(host, { kind: 'root-disk' }), { message: /a sandbox root has no partitions/ });
});

test('root on LVM: follows the device mapper down to the partition', async (t) => {
  const host = virtioHost('22 1 254:0 / / rw - xfs /dev/mapper/vg-root rw\n', {
    ...LINKS,
    '/sys/dev/block/254:0': '../../devices/virtual/block/dm-0',
    '/sys/devices/virtual/block/dm-0/slaves/vda2': '../../../../pci0000:00/0000:00:04.0/virtio1/block/vda/vda2',
  });
  host.put('/sys/devices/virtual/block/dm-0/dev', '254:0\n');
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
});

// Fedora's and SUSE's default: btrfs shows an anonymous 0:NN device in mountinfo; sysfs lists its devices.
const BTRFS = 'd7a9ea5b-3c1f-4a55-9a0e-2f7c5f3b8e11';
const btrfsLinks = { ...LINKS, [`/sys/fs/btrfs/${BTRFS}/devices/vda2`]: '../../../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda2' };

test('root on btrfs (anonymous 0:NN in mountinfo): its device from /sys/fs/btrfs, then partition 1 of that disk', async (t) => {
  const host = virtioHost('22 1 0:31 /@ / rw shared:1 - btrfs /dev/vda2 rw,subvol=/@\n', btrfsLinks, (h) => h.put('/sys/fs/btrfs/features/raid1c34', '1\n'));
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
});

test('root on btrfs mounted by UUID: the one btrfs in sysfs is the root', async (t) => {
  const host = virtioHost('22 1 0:31 / / rw - btrfs /dev/disk/by-uuid/absent rw\n', btrfsLinks);
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
});

test('of two btrfs file systems, the one the root mount names', async (t) => {
  const other = '0b5c9e1a-1111-4222-8333-944445555666';
  const host = virtioHost('22 1 0:31 / / rw - btrfs /dev/vda2 rw\n30 22 0:40 / /data rw - btrfs /dev/vdb rw\n', {
    ...btrfsLinks,
    [`/sys/fs/btrfs/${other}/devices/vdb`]: '../../../../devices/pci0000:00/0000:00:05.0/virtio2/block/vdb',
  }, (h) => h.put('/sys/devices/pci0000:00/0000:00:05.0/virtio2/block/vdb/dev', '253:16\n'));
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
});

test('root on overlay: the disk under its upper directory', async (t) => {
  const host = virtioHost(
    '22 1 253:2 / /media/root-rw rw - ext4 /dev/vda2 rw\n25 1 0:33 / / rw - overlay overlay rw,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay,workdir=/media/root-rw/work\n',
    LINKS,
  );
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
});

test('root on overlay with its upper directory on tmpfs: the disk under a lower directory', async (t) => {
  const host = virtioHost(
    '22 1 253:2 / /media/root-ro ro - ext4 /dev/vda2 ro\n23 1 0:25 / /run rw - tmpfs tmpfs rw\n25 1 0:33 / / rw - overlay overlay rw,lowerdir=/media/root-ro,upperdir=/run/upper,workdir=/run/work\n',
    LINKS,
  );
  t.deepEqual(await rootDiskFirstPartition(host), { device: '/dev/vda1', majorMinor: '253:1', disk: '/dev/vda' });
});

test('a root without a block device (overlay on tmpfs only, tmpfs) gives a clear error', async (t) => {
  const host = virtioHost('22 1 0:31 / / rw - overlay overlay rw\n', LINKS);
  t.is(await rootDiskFirstPartition(host), null);
  await t.throwsAsync(locate(host, { kind: 'root-disk' }), { message: /cannot find the root disk's first partition \(set \[source\]/ });
});

test('[source] path= is used as it is', async (t) => {
  const host = virtioHost('', {});
  t.is((await locate(host, { kind: 'path', value: '/mnt/first' })).base, '/mnt/first');
  t.deepEqual(host.ran, []);
});
