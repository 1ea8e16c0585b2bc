// Each item of `osconf check` on roots laid out like real distributions, with one seeded defect per case.
import test from 'ava';
import { ITEM_NAMES, runChecks, systemInfo } from '../../../src/check/items.js';
import type { CheckTarget } from '../../../src/check/target.js';
import { debianRoot, MemoryRoot } from '../../helpers/memory-root.js';

const MBR_DISK: CheckTarget['disk'] = {
  table: 'mbr',
  size: 40 * 2 ** 30,
  partitions: [
    { number: 1, offset: 2 ** 20, size: 64 * 2 ** 20, type: '0c', lvmType: false, fs: { type: 'vfat', variant: 'FAT32' } },
    { number: 2, offset: 65 * 2 ** 20, size: 39 * 2 ** 30, type: '83', lvmType: false, fs: { type: 'ext4', features: ['has_journal', 'extent'] } },
  ],
};

function target(root: MemoryRoot, over: Partial<CheckTarget> = {}): CheckTarget {
  return {
    kind: 'image',
    root: root.view(),
    disk: MBR_DISK,
    rootFs: { type: 'ext4', features: ['has_journal', 'extent'] },
    blocks: { total: 1000, free: 600 },
    inodes: { total: 1000, free: 900 },
    firstPartitionEntries: [{ name: 'aliyun_custom_image', directory: true }],
    customImageEntries: [],
    bootLoader: { mbrBootCode: true, efiSystemPartitions: [] },
    ...over,
  };
}

async function verdicts(t: CheckTarget): Promise<Record<string, { result: string; errorCode: string; description: string; comment: string }>> {
  return Object.fromEntries((await runChecks(t)).map((i) => [i.name, i]));
}

test('a sealed Debian 12 image on a 40 GiB MBR disk: every item OK, in the guide order then osconf own', async (t) => {
  const items = await runChecks(target(debianRoot()));
  t.deepEqual(items.map((i) => i.name), ITEM_NAMES);
  t.deepEqual(ITEM_NAMES.slice(0, 17), ['driver', 'shadow', 'selinux', 'qemu-ga', 'network', 'ssh', 'firewall', 'filesystem', 'device_id', 'root_account', 'passwd', 'partition_table', 'lvm', 'lib', 'disk_size', 'disk_usage', 'inode_usage']);
  t.deepEqual(items.filter((i) => i.result !== 'OK').map((i) => `${i.name}: ${i.description}`), []);
  t.true(items.every((i) => i.errorCode === '0'));
});

const defects: Array<[string, (r: MemoryRoot) => void, Partial<CheckTarget>, string, 'OK' | 'FAILED' | 'WARNING', string]> = [
  ['no kernel', (r) => r.remove('/usr/lib/modules/6.1.0-27-amd64/modules.dep').remove('/usr/lib/modules/6.1.0-27-amd64/modules.builtin').remove('/usr/lib/modules/6.1.0-27-amd64').remove('/usr/lib/modules'), {}, 'driver', 'FAILED', '101'],
  ['a kernel without virtio_net', (r) => r.file('/usr/lib/modules/6.1.0-27-amd64/modules.dep', 'kernel/drivers/block/virtio_blk.ko.xz:\n'), {}, 'driver', 'FAILED', '102'],
  ['xen drivers count', (r) => r.file('/usr/lib/modules/6.1.0-27-amd64/modules.dep', 'kernel/drivers/block/xen-blkfront.ko:\nkernel/drivers/net/xen-netfront.ko:\n'), {}, 'driver', 'OK', '0'],
  ['immutable shadow', (r) => r.locked.set('/etc/shadow', { immutable: true, appendOnly: false }), {}, 'shadow', 'FAILED', '202'],
  ['append-only shadow', (r) => r.locked.set('/etc/shadow', { immutable: false, appendOnly: true }), {}, 'shadow', 'FAILED', '202'],
  ['SELinux enforcing', (r) => r.file('/etc/selinux/config', 'SELINUX=enforcing\nSELINUXTYPE=targeted\n'), {}, 'selinux', 'FAILED', '301'],
  ['SELinux permissive', (r) => r.file('/etc/selinux/config', 'SELINUX=permissive\n'), {}, 'selinux', 'WARNING', '302'],
  ['qemu guest agent', (r) => r.file('/usr/sbin/qemu-ga', 'ELF'), {}, 'qemu-ga', 'WARNING', '401'],
  ['no network service', (r) => r.remove('/etc/systemd/system/multi-user.target.wants/networking.service'), {}, 'network', 'FAILED', '501'],
  ['NetworkManager enabled', (r) => r.link('/etc/systemd/system/multi-user.target.wants/NetworkManager.service', '/lib/systemd/system/NetworkManager.service'), {}, 'network', 'WARNING', '502'],
  ['no sshd', (r) => r.remove('/usr/sbin/sshd'), {}, 'ssh', 'WARNING', '601'],
  ['sshd not enabled', (r) => r.remove('/etc/systemd/system/multi-user.target.wants/ssh.service'), {}, 'ssh', 'FAILED', '602'],
  ['OpenSSH defaults refuse root passwords', (r) => r.remove('/etc/ssh/sshd_config.d/50-cloud.conf'), {}, 'ssh', 'WARNING', '603'],
  ['PasswordAuthentication no in the main file wins over a later include? no: first value wins', (r) => r.file('/etc/ssh/sshd_config', 'PasswordAuthentication no\nInclude /etc/ssh/sshd_config.d/*.conf\n'), {}, 'ssh', 'WARNING', '603'],
  ['firewalld enabled', (r) => r.link('/etc/systemd/system/multi-user.target.wants/firewalld.service', '/usr/lib/systemd/system/firewalld.service'), {}, 'firewall', 'WARNING', '701'],
  ['ufw enabled', (r) => r.file('/etc/ufw/ufw.conf', 'ENABLED=yes\n').link('/etc/systemd/system/multi-user.target.wants/ufw.service', '/lib/systemd/system/ufw.service'), {}, 'firewall', 'WARNING', '701'],
  ['btrfs root', () => undefined, { rootFs: { type: 'btrfs' } }, 'filesystem', 'FAILED', '801'],
  ['ext4 with 64bit', () => undefined, { rootFs: { type: 'ext4', features: ['64bit'] } }, 'filesystem', 'WARNING', '802'],
  ['/ by device name', (r) => r.file('/etc/fstab', '/dev/sda2 / ext4 defaults 0 1\n'), {}, 'device_id', 'FAILED', '901'],
  ['/boot by device name', (r) => r.file('/etc/fstab', 'UUID=1234 / ext4 defaults 0 1\n/dev/vda1 /boot ext4 defaults 0 2\n'), {}, 'device_id', 'WARNING', '902'],
  ['no root account', (r) => r.file('/etc/passwd', 'daemon:x:1:1::/:/usr/sbin/nologin\n'), {}, 'root_account', 'FAILED', '1001'],
  ['root without a shell', (r) => r.file('/etc/passwd', 'root:x:0:0:root:/root:/usr/sbin/nologin\n'), {}, 'root_account', 'WARNING', '1003'],
  ['no passwd command', (r) => r.remove('/usr/bin/passwd'), {}, 'passwd', 'FAILED', '1101'],
  ['GPT', () => undefined, { disk: { ...MBR_DISK!, table: 'gpt' } }, 'partition_table', 'FAILED', '1201'],
  ['LVM partition', () => undefined, { disk: { ...MBR_DISK!, partitions: [MBR_DISK!.partitions[0]!, { ...MBR_DISK!.partitions[1]!, type: '8e', lvmType: true, fs: { type: 'LVM2_member' } }] } }, 'lvm', 'FAILED', '1301'],
  ['/ on a logical volume (fstab)', (r) => r.file('/etc/fstab', '/dev/mapper/vg0-root / xfs defaults 0 0\n'), {}, 'lvm', 'FAILED', '1302'],
  ['absolute /lib link', (r) => r.link('/lib', '/usr/lib'), {}, 'lib', 'FAILED', '1401'],
  ['a 4 GiB disk', () => undefined, { disk: { ...MBR_DISK!, size: 4 * 2 ** 30 } }, 'disk_size', 'FAILED', '1501'],
  ['a 600 GiB disk', () => undefined, { disk: { ...MBR_DISK!, size: 600 * 2 ** 30 } }, 'disk_size', 'WARNING', '1502'],
  ['a full disk', () => undefined, { blocks: { total: 1000, free: 50 } }, 'disk_usage', 'WARNING', '1601'],
  ['no free inodes', () => undefined, { inodes: { total: 1000, free: 10 } }, 'inode_usage', 'WARNING', '1701'],
  ['no partition 1', () => undefined, { disk: { ...MBR_DISK!, partitions: [MBR_DISK!.partitions[1]!].map((p) => ({ ...p, number: 2 })) } }, 'first_partition', 'FAILED', '2001'],
  ['FAT16 partition 1', () => undefined, { disk: { ...MBR_DISK!, partitions: [{ ...MBR_DISK!.partitions[0]!, fs: { type: 'vfat', variant: 'FAT16' } }] } }, 'first_partition', 'FAILED', '2003'],
  ['xfs partition 1', () => undefined, { disk: { ...MBR_DISK!, partitions: [{ ...MBR_DISK!.partitions[0]!, fs: { type: 'xfs' } }] } }, 'first_partition', 'FAILED', '2003'],
  ['read-only ext4 partition 1', () => undefined, { disk: { ...MBR_DISK!, partitions: [{ ...MBR_DISK!.partitions[0]!, fs: { type: 'ext4', readOnly: true } }] } }, 'first_partition', 'FAILED', '2004'],
  ['no aliyun_custom_image/', () => undefined, { firstPartitionEntries: [{ name: 'grub', directory: true }] }, 'aliyun_custom_image', 'WARNING', '2101'],
  ['a file named aliyun_custom_image', () => undefined, { firstPartitionEntries: [{ name: 'aliyun_custom_image', directory: false }] }, 'aliyun_custom_image', 'WARNING', '2101'],
  ['os.conf left on partition 1 (issue 16 reproduction 10)', () => undefined, { customImageEntries: ['os.conf', 'notes.txt'] }, 'aliyun_custom_image', 'FAILED', '2103'],
  ['os.conf set aside after failures on partition 1', () => undefined, { customImageEntries: ['os.conf.failed-20261130T054500-a1b2c3'] }, 'aliyun_custom_image', 'FAILED', '2103'],
  ['os.conf.rejected in a root whose partition 1 is mounted at /boot', (r) => r.file('/boot/aliyun_custom_image/os.conf.rejected', 'password=x'), { customImageEntries: undefined }, 'aliyun_custom_image', 'FAILED', '2103'],
  ["partition 1's aliyun_custom_image/ unread (no mtools)", () => undefined, { customImageEntries: undefined, customImageMissing: 'mdir (mtools) is not installed' }, 'aliyun_custom_image', 'WARNING', '2104'],
  ['osconf missing', (r) => r.remove('/usr/bin/osconf'), {}, 'osconf', 'FAILED', '2201'],
  ['osconf disabled', (r) => r.file('/etc/osconf/disabled'), {}, 'osconf', 'FAILED', '2202'],
  ['no node for osconf', (r) => r.remove('/usr/bin/node'), {}, 'osconf', 'FAILED', '2204'],
  // The standalone tarball's layout: /usr/bin/osconf → the launcher run by the Node.js under the prefix.
  ['standalone osconf with its own Node.js, no system node', (r) => r.remove('/usr/bin/node').remove('/usr/bin/osconf').link('/usr/bin/osconf', '/opt/osconf/bin/osconf').file('/opt/osconf/bin/osconf', '#!/opt/osconf/lib/node/bin/node\n').file('/opt/osconf/lib/node/bin/node', 'ELF'), {}, 'osconf', 'OK', '0'],
  ['standalone osconf whose Node.js is gone', (r) => r.remove('/usr/bin/osconf').link('/usr/bin/osconf', '/opt/osconf/bin/osconf').file('/opt/osconf/bin/osconf', '#!/opt/osconf/lib/node/bin/node\n'), {}, 'osconf', 'FAILED', '2204'],
  ['osconf not enabled', (r) => r.remove('/etc/systemd/system/multi-user.target.wants/osconf.service'), {}, 'osconf', 'FAILED', '2203'],
  ['cloud-init enabled, osconf standalone', (r) => r.file('/usr/bin/cloud-init').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service').file('/etc/osconf/osconf.conf', '[main]\nmode = standalone\n'), {}, 'network_agent', 'FAILED', '2301'],
  ['cloud-init enabled with NoCloud alone, osconf auto', (r) => r.file('/usr/bin/cloud-init').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service').file('/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg', 'datasource_list: [ NoCloud, None ]\n').file('/usr/sbin/route'), {}, 'network_agent', 'OK', '0'],
  ['cloud-init enabled with NoCloud alone, ifupdown without route(8), osconf auto', (r) => r.file('/usr/bin/cloud-init').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service').file('/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg', 'datasource_list: [ NoCloud, None ]\n'), {}, 'network_agent', 'WARNING', '2304'],
  ['cloud-init enabled, ifupdown without route(8), osconf cloud-init', (r) => r.file('/usr/bin/cloud-init').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service').file('/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg', 'datasource_list: [ NoCloud, None ]\n').file('/etc/osconf/osconf.conf', '[main]\nmode = cloud-init\n'), {}, 'network_agent', 'FAILED', '2302'],
  ['cloud-init enabled without a datasource_list, osconf auto', (r) => r.file('/usr/bin/cloud-init').file('/usr/sbin/route').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service'), {}, 'network_agent', 'WARNING', '2303'],
  ['cloud-init enabled, probing several datasources, osconf cloud-init', (r) => r.file('/usr/bin/cloud-init').file('/usr/sbin/route').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service').file('/etc/cloud/cloud.cfg.d/90_dpkg.cfg', 'datasource_list: [ NoCloud, AliYun, None ]\n').file('/etc/osconf/osconf.conf', '[main]\nmode = cloud-init\n'), {}, 'network_agent', 'FAILED', '2303'],
  ['osconf cloud-init without cloud-init', (r) => r.file('/etc/osconf/osconf.conf', '[main]\nmode = cloud-init\n'), {}, 'network_agent', 'FAILED', '2302'],
  ['osconf cloud-init, cloud-init disabled', (r) => r.file('/usr/bin/cloud-init').link('/etc/systemd/system/cloud-init.target.wants/cloud-init-local.service', '/lib/systemd/system/cloud-init-local.service').file('/etc/cloud/cloud-init.disabled').file('/etc/osconf/osconf.conf', '[main]\nmode = cloud-init\n'), {}, 'network_agent', 'FAILED', '2302'],
  ['baked SSH host keys', (r) => r.file('/etc/ssh/ssh_host_ed25519_key', 'KEY').file('/etc/ssh/ssh_host_ed25519_key.pub', 'PUB'), {}, 'ssh_host_keys', 'FAILED', '2401'],
  ['no DHCP', (r) => r.file('/etc/network/interfaces', 'auto lo\niface lo inet loopback\n'), {}, 'dhcp_fallback', 'WARNING', '2501'],
  ['DHCP in netplan', (r) => r.file('/etc/network/interfaces', '').file('/etc/netplan/50-cloud.yaml', 'network:\n  ethernets:\n    eth0:\n      dhcp4: true\n'), {}, 'dhcp_fallback', 'OK', '0'],
  ['no boot loader: zero boot code, no EFI system partition (issue 16 reproduction 10)', () => undefined, { bootLoader: { mbrBootCode: false, efiSystemPartitions: [] } }, 'boot_loader', 'FAILED', '2601'],
  ['an EFI system partition without EFI/', () => undefined, { bootLoader: { mbrBootCode: false, efiSystemPartitions: [{ number: 1, efiDirectory: false }] } }, 'boot_loader', 'FAILED', '2602'],
  ['UEFI only: an EFI system partition with EFI/', () => undefined, { bootLoader: { mbrBootCode: false, efiSystemPartitions: [{ number: 1, efiDirectory: true }] } }, 'boot_loader', 'OK', '0'],
  ["the builder's authorized_keys", (r) => r.file('/root/.ssh/authorized_keys', 'ssh-ed25519 AAAA builder'), {}, 'authorized_keys', 'WARNING', '2701'],
  ['DHCP in ifcfg', (r) => r.file('/etc/network/interfaces', '').file('/etc/sysconfig/network-scripts/ifcfg-eth0', 'DEVICE=eth0\nBOOTPROTO=dhcp\n'), {}, 'dhcp_fallback', 'OK', '0'],
];

for (const [name, seed, over, item, result, code] of defects) {
  test(`check ${item}: ${name} → ${result}`, async (t) => {
    const root = debianRoot();
    seed(root);
    const all = await verdicts(target(root, over));
    t.is(all[item]!.result, result, all[item]!.description);
    t.is(all[item]!.errorCode, code);
    // The seeded defect is the only finding outside its item (ssh's settings and lvm's fstab excepted).
    const others = Object.entries(all).filter(([n, v]) => n !== item && v.result !== 'OK');
    t.deepEqual(others.map(([n, v]) => `${n}: ${v.description}`).filter((s) => !s.startsWith('lvm: ') && !s.startsWith('device_id: ') && !s.startsWith('filesystem: ')), []);
  });
}

test('a directory root reports the disk items as not checked (WARNING), never OK', async (t) => {
  const all = await verdicts(target(debianRoot(), { kind: 'root', disk: null, diskMissing: 'a directory has no disk', firstPartitionEntries: null, firstPartitionMissing: 'a directory has no first partition', customImageEntries: undefined, bootLoader: undefined }));
  for (const item of ['partition_table', 'disk_size', 'first_partition', 'lvm', 'aliyun_custom_image', 'boot_loader']) {
    t.is(all[item]!.result, 'WARNING', item);
    t.regex(all[item]!.description, /not checked/);
  }
});

test('an unreadable root (XFS inside an image) reports every root item as not checked', async (t) => {
  const all = await verdicts(target(debianRoot(), { root: null, rootMissing: 'partition 2 is xfs' }));
  for (const item of ['driver', 'shadow', 'ssh', 'osconf', 'ssh_host_keys']) t.regex(all[item]!.description, /^not checked: partition 2 is xfs/, item);
  t.is(all.partition_table!.result, 'OK');
});

test('system info: platform and point release from os-release and debian_version; architecture from /bin/sh', async (t) => {
  const root = debianRoot();
  const elf = Buffer.alloc(64);
  elf.write('\x7fELF', 0, 'latin1');
  elf.writeUInt16LE(0xb7, 18);
  root.file('/usr/bin/dash', elf).link('/usr/bin/sh', 'dash');
  t.deepEqual(await systemInfo(root.view()), { platform: 'Debian', major: '12', minor: '8', architecture: 'aarch64' });
});

test('symbolic links resolve inside the root: absolute and climbing links never leave it', async (t) => {
  const root = new MemoryRoot().file('/usr/lib/x', 'inside').link('/lib', '/usr/lib').link('/etc/up', '../../../../usr/lib/x').link('/loop', '/loop');
  const view = root.view();
  t.is(await view.read('/lib/x'), 'inside');
  t.is(await view.read('/etc/up'), 'inside');
  t.is(await view.resolve('/loop'), null);
  t.is(await view.read('/loop'), null);
});

/** The items that read the root, for roots of other families. */
const ROOT_ITEMS = ['driver', 'shadow', 'selinux', 'qemu-ga', 'network', 'ssh', 'firewall', 'device_id', 'root_account', 'passwd', 'lib', 'osconf', 'network_agent', 'ssh_host_keys', 'dhcp_fallback'];

test('a sealed CentOS 7 root: network service through chkconfig links, SELinux disabled, ifcfg DHCP', async (t) => {
  const root = new MemoryRoot()
    .file('/etc/os-release', 'NAME="CentOS Linux"\nVERSION_ID="7"\nID="centos"\nID_LIKE="rhel fedora"\n')
    .link('/lib', 'usr/lib')
    .link('/lib64', 'usr/lib64')
    .link('/sbin', 'usr/sbin')
    .link('/usr/sbin/init', '../lib/systemd/systemd')
    .file('/usr/lib/systemd/systemd', 'ELF')
    .file('/usr/lib/modules/3.10.0-1160.el7.x86_64/modules.dep', 'kernel/drivers/block/virtio_blk.ko.xz:\nkernel/drivers/net/virtio_net.ko.xz:\n')
    .file('/etc/selinux/config', 'SELINUX=disabled\nSELINUXTYPE=targeted\n')
    .file('/etc/shadow', 'root:!!:18000::::::\n')
    .file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n')
    .file('/usr/bin/passwd', 'ELF')
    .file('/usr/bin/node', 'ELF')
    .file('/etc/fstab', 'UUID=4b499d76 / xfs defaults 0 0\n')
    .file('/etc/rc.d/init.d/network', '#!/bin/bash\n')
    .link('/etc/init.d', 'rc.d/init.d')
    .link('/etc/rc3.d', 'rc.d/rc3.d')
    .link('/etc/rc.d/rc3.d/S10network', '../init.d/network')
    .file('/etc/sysconfig/network-scripts/ifcfg-eth0', 'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n')
    .file('/usr/sbin/sshd', 'ELF')
    .file('/etc/ssh/sshd_config', 'PermitRootLogin yes\nPasswordAuthentication yes\n')
    .link('/etc/systemd/system/multi-user.target.wants/sshd.service', '/usr/lib/systemd/system/sshd.service')
    .file('/usr/bin/osconf', '#!/usr/bin/env node\n')
    .file('/usr/lib/systemd/system/osconf.service', '[Install]\nWantedBy=multi-user.target\n')
    .link('/etc/systemd/system/multi-user.target.wants/osconf.service', '/usr/lib/systemd/system/osconf.service');
  const all = await verdicts(target(root, { rootFs: { type: 'xfs' } }));
  t.deepEqual(ROOT_ITEMS.filter((n) => all[n]!.result !== 'OK').map((n) => `${n}: ${all[n]!.description}`), []);
  t.is(all.network!.description, 'network service enabled: network');
});

test('a sealed Alpine root: OpenRC runlevels, busybox init, ifupdown-ng DHCP', async (t) => {
  const root = new MemoryRoot()
    .file('/etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n')
    .link('/sbin/init', '/bin/busybox')
    .file('/bin/busybox', 'ELF')
    .file('/sbin/openrc', 'ELF')
    .file('/lib/modules/6.6.58-0-virt/modules.dep', 'kernel/drivers/block/virtio_blk.ko.gz:\nkernel/drivers/net/virtio_net.ko.gz:\n')
    .file('/etc/shadow', 'root:*::0:::::\n')
    .file('/etc/passwd', 'root:x:0:0:root:/root:/bin/ash\n')
    .link('/usr/bin/passwd', '/bin/busybox')
    .file('/usr/bin/node', 'ELF')
    .file('/etc/fstab', 'UUID=1b2c / ext4 rw,relatime 0 1\n')
    .file('/sbin/ifup', 'ELF')
    .file('/etc/network/interfaces', 'auto eth0\niface eth0 inet dhcp\n')
    .link('/etc/runlevels/boot/networking', '/etc/init.d/networking')
    .file('/usr/sbin/sshd', 'ELF')
    .file('/etc/ssh/sshd_config', 'PermitRootLogin yes\n')
    .link('/etc/runlevels/default/sshd', '/etc/init.d/sshd')
    .file('/usr/bin/osconf', '#!/usr/bin/env node\n')
    .file('/etc/init.d/osconf', '#!/sbin/openrc-run\n')
    .link('/etc/runlevels/boot/osconf', '/etc/init.d/osconf');
  const all = await verdicts(target(root));
  t.deepEqual(ROOT_ITEMS.filter((n) => all[n]!.result !== 'OK').map((n) => `${n}: ${all[n]!.description}`), []);
  t.regex(all.osconf!.description, /enabled \(osconf, openrc\)/);
});

test("OpenRC: osconf in a runlevel after networking's fails 2205, naming both; Debian's openrc runs networking in sysinit", async (t) => {
  const openrcRoot = (osconfLevel: string | null, netLevel: string) => {
    let r = new MemoryRoot()
      .file('/etc/os-release', 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n')
      .file('/sbin/init', 'ELF')
      .file('/sbin/openrc', 'ELF')
      .file('/usr/bin/node', 'ELF')
      .file('/sbin/ifup', 'ELF')
      .link(`/etc/runlevels/${netLevel}/networking`, '/etc/init.d/networking')
      .file('/usr/bin/osconf', '#!/usr/bin/env node\n')
      .file('/etc/init.d/osconf', '#!/sbin/openrc-run\n');
    if (osconfLevel) r = r.link(`/etc/runlevels/${osconfLevel}/osconf`, '/etc/init.d/osconf');
    return r;
  };
  const late = (await verdicts(target(openrcRoot('default', 'sysinit')))).osconf!;
  t.is(late.errorCode, '2205');
  t.regex(late.description, /runlevel default, after networking's \(sysinit\)/);
  t.regex(late.comment, /rc-update add osconf sysinit/);
  t.is((await verdicts(target(openrcRoot('sysinit', 'sysinit')))).osconf!.result, 'OK');
  t.is((await verdicts(target(openrcRoot('sysinit', 'boot')))).osconf!.result, 'OK', 'an earlier runlevel is fine');
  const none = (await verdicts(target(openrcRoot(null, 'sysinit')))).osconf!;
  t.is(none.errorCode, '2203');
  t.regex(none.comment, /rc-update add osconf sysinit/);
});

test('rc links count under systemd only for scripts without a native unit (as systemd-sysv-generator reads them)', async (t) => {
  const systemd = debianRoot()
    .remove('/etc/systemd/system/multi-user.target.wants/networking.service')
    .file('/usr/lib/systemd/system/networking.service', '[Install]\nWantedBy=multi-user.target\n')
    .link('/etc/rcS.d/S01networking', '../init.d/networking');
  t.is((await verdicts(target(systemd))).network!.errorCode, '501', 'networking.service exists and is not enabled');
  const sysv = debianRoot()
    .remove('/etc/systemd/system/multi-user.target.wants/networking.service')
    .remove('/usr/sbin/init')
    .file('/usr/sbin/init', 'ELF')
    .file('/usr/lib/systemd/system/networking.service', '[Install]\nWantedBy=multi-user.target\n')
    .link('/etc/rcS.d/S01networking', '../init.d/networking');
  t.is((await verdicts(target(sysv))).network!.result, 'OK', 'under SysV init the rc link is what starts it');
});
