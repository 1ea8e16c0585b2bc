// What `osconf prepare` plans, on roots laid out like real distributions; no path it plans goes through a
// symbolic link.
import test from 'ava';
import { planFirstPartition, planPrepare, type PrepareAction } from '../../../src/prepare/plan.js';
import { debianRoot, MemoryRoot } from '../../helpers/memory-root.js';

const paths = (actions: PrepareAction[]) => actions.map((a) => ('path' in a ? `${a.kind} ${a.path}` : 'argv' in a ? `${a.kind} ${a.argv.join(' ')}` : a.kind));

test('a sealed Debian root with osconf enabled needs nothing', async (t) => {
  const plan = await planPrepare(debianRoot().view(), { live: false });
  t.deepEqual(plan, { actions: [], problems: [] });
});

test('systemd: osconf is enabled through its [Install] WantedBy=, creating the .wants directory when needed', async (t) => {
  const root = debianRoot().remove('/etc/systemd/system/multi-user.target.wants/osconf.service');
  root.file('/usr/lib/systemd/system/osconf.service', '[Unit]\n[Install]\nWantedBy=multi-user.target sysinit.target\n');
  const plan = await planPrepare(root.view(), { live: false });
  t.deepEqual(plan.actions, [
    { kind: 'symlink', path: '/etc/systemd/system/multi-user.target.wants/osconf.service', target: '/lib/systemd/system/osconf.service', purpose: 'enable osconf at boot' },
    { kind: 'mkdir', path: '/etc/systemd/system/sysinit.target.wants', purpose: 'enable osconf at boot' },
    { kind: 'symlink', path: '/etc/systemd/system/sysinit.target.wants/osconf.service', target: '/lib/systemd/system/osconf.service', purpose: 'enable osconf at boot' },
  ]);
});

function sysvRoot(): MemoryRoot {
  return new MemoryRoot().file('/sbin/init', 'ELF').file('/etc/init.d/osconf', '#!/bin/sh\n').file('/usr/sbin/update-rc.d', '#!/usr/bin/perl\n');
}

test('SysV init: a live system runs update-rc.d; an offline root is reported, since insserv computes the links', async (t) => {
  t.deepEqual(paths((await planPrepare(sysvRoot().view(), { live: true })).actions), ['exec update-rc.d osconf defaults']);
  const offline = await planPrepare(sysvRoot().view(), { live: false });
  t.deepEqual(offline.actions, []);
  t.regex(offline.problems[0]!, /chroot DIR update-rc\.d osconf defaults/);
  t.deepEqual(await planPrepare(sysvRoot().link('/etc/rcS.d/S09osconf', '../init.d/osconf').view(), { live: false }), { actions: [], problems: [] });
});

test("OpenRC: osconf joins the network's runlevel (boot on Alpine, sysinit on Debian's openrc), unless already enabled there or earlier", async (t) => {
  const alpine = () => new MemoryRoot().link('/sbin/init', '/bin/busybox').file('/sbin/openrc', 'ELF').file('/etc/init.d/osconf', '#!/sbin/openrc-run\n').link('/etc/runlevels/boot/networking', '/etc/init.d/networking');
  t.deepEqual((await planPrepare(alpine().view(), { live: false })).actions, [
    { kind: 'symlink', path: '/etc/runlevels/boot/osconf', target: '/etc/init.d/osconf', purpose: 'enable osconf at boot (OpenRC boot runlevel, where the network starts)' },
  ]);
  const debian = new MemoryRoot().file('/sbin/init', 'ELF').file('/sbin/openrc', 'ELF').file('/etc/init.d/osconf', '#!/sbin/openrc-run\n').link('/etc/runlevels/sysinit/networking', '/etc/init.d/networking');
  t.deepEqual((await planPrepare(debian.view(), { live: false })).actions, [
    { kind: 'symlink', path: '/etc/runlevels/sysinit/osconf', target: '/etc/init.d/osconf', purpose: 'enable osconf at boot (OpenRC sysinit runlevel, where the network starts)' },
  ]);
  t.deepEqual((await planPrepare(alpine().link('/etc/runlevels/boot/osconf', '/etc/init.d/osconf').view(), { live: false })).actions, []);
  t.deepEqual((await planPrepare(alpine().link('/etc/runlevels/sysinit/osconf', '/etc/init.d/osconf').view(), { live: false })).actions, [], 'an earlier runlevel');
  // Only in default, after networking: added to networking's runlevel.
  t.deepEqual((await planPrepare(alpine().link('/etc/runlevels/default/osconf', '/etc/init.d/osconf').view(), { live: false })).actions.map((a) => 'path' in a && a.path), ['/etc/runlevels/boot/osconf']);
});

test('nothing is planned through a symbolic link: linked log, home and lease directories are left alone', async (t) => {
  const root = debianRoot()
    .link('/var/log', '/elsewhere/log')
    .file('/elsewhere/log/syslog', 'outside the image tree')
    .link('/root', '/elsewhere/root')
    .file('/elsewhere/root/.bash_history', 'x')
    .link('/var/lib/dhcp', '../../elsewhere/dhcp')
    .file('/elsewhere/dhcp/dhclient.leases', 'x')
    .link('/etc/ssh/ssh_host_rsa_key', '/elsewhere/key');
  const plan = await planPrepare(root.view(), { live: false });
  t.deepEqual(paths(plan.actions), ['remove /etc/ssh/ssh_host_rsa_key'], 'only the link itself, which removing does not follow');
});

test('first partition: creates aliyun_custom_image/ and removes an earlier os.conf (it holds a password)', async (t) => {
  t.deepEqual(paths(await planFirstPartition(new MemoryRoot().view())), ['mkdir /aliyun_custom_image']);
  const used = new MemoryRoot().file('/aliyun_custom_image/os.conf', 'password=x').file('/aliyun_custom_image/os.conf.rejected', 'x');
  t.deepEqual(paths(await planFirstPartition(used.view())), ['remove /aliyun_custom_image/os.conf', 'remove /aliyun_custom_image/os.conf.rejected']);
  // What apply set aside under unique names: a file, a link, a directory (issue 16, item 9).
  const setAside = new MemoryRoot()
    .file('/aliyun_custom_image/os.conf.rejected-20261130T054500-a1b2c3', 'password=x')
    .link('/aliyun_custom_image/os.conf.rejected-20261130T054501-d4e5f6', '/etc/shadow')
    .file('/aliyun_custom_image/os.conf.rejected-20261130T054502-0a0b0c/inner', 'x')
    .file('/aliyun_custom_image/notes', 'kept');
  t.deepEqual(paths(await planFirstPartition(setAside.view())), [
    'remove /aliyun_custom_image/os.conf.rejected-20261130T054500-a1b2c3',
    'remove /aliyun_custom_image/os.conf.rejected-20261130T054501-d4e5f6',
    'remove /aliyun_custom_image/os.conf.rejected-20261130T054502-0a0b0c/inner',
    'remove-dir /aliyun_custom_image/os.conf.rejected-20261130T054502-0a0b0c',
  ]);
});

test("prepare removes osconf's per-machine digest key with its state, its last run and its instance data", async (t) => {
  const root = new MemoryRoot()
    .file('/var/lib/osconf/state.json', '{}')
    .file('/var/lib/osconf/digest.key', 'ab')
    .file('/var/lib/osconf/last-run.json', '{}')
    .file('/var/lib/osconf/located', 'uuid=x\n')
    .file('/var/lib/osconf/instance-data.json', '{}')
    .file('/run/osconf/instance-data.json', '{}');
  const offline = paths((await planPrepare(root.view(), { live: false })).actions);
  for (const f of ['state.json', 'digest.key', 'last-run.json', 'located', 'instance-data.json']) t.true(offline.includes(`remove /var/lib/osconf/${f}`), f);
  // /run of an offline root is not the image's: only a live prepare clears this boot's copy.
  t.false(offline.includes('remove /run/osconf/instance-data.json'));
  const live = paths((await planPrepare(root.view(), { live: true })).actions);
  t.true(live.includes('remove /run/osconf/instance-data.json'));
});

test("cloud-init's instance state goes as `cloud-init clean` removes it, and osconf's own NoCloud seed with it (issue 16 reproduction 10)", async (t) => {
  const { renderMetaData } = await import('../../../src/datasource/meta-data.js');
  const { renderUserData } = await import('../../../src/datasource/user-data.js');
  const seedMeta = renderMetaData({ hostname: 'builder', interfaces: [] } as never, 'iid-builder');
  const root = debianRoot()
    .link('/var/lib/cloud/instance', '/var/lib/cloud/instances/iid-builder')
    .file('/var/lib/cloud/instances/iid-builder/obj.pkl', 'x')
    .file('/var/lib/cloud/data/result.json', '{}')
    .file('/var/lib/cloud/sem/config_scripts_per_once.once', '')
    .dir('/var/lib/cloud/scripts/per-boot')
    .file('/var/lib/cloud/seed/nocloud/meta-data', seedMeta)
    .file('/var/lib/cloud/seed/nocloud/user-data', renderUserData(null))
    .file('/var/lib/cloud/seed/nocloud/network-config', "#cloud-config\n# the builder's own seed\nversion: 2\n")
    .file('/run/cloud-init/enabled', '');
  const offline = paths((await planPrepare(root.view(), { live: false })).actions);
  t.deepEqual(offline, [
    'remove /var/lib/cloud/data/result.json',
    'remove-dir /var/lib/cloud/data',
    'remove /var/lib/cloud/instance',
    'remove /var/lib/cloud/instances/iid-builder/obj.pkl',
    'remove-dir /var/lib/cloud/instances/iid-builder',
    'remove-dir /var/lib/cloud/instances',
    'remove-dir /var/lib/cloud/scripts/per-boot',
    'remove-dir /var/lib/cloud/scripts',
    'remove /var/lib/cloud/sem/config_scripts_per_once.once',
    'remove-dir /var/lib/cloud/sem',
    'remove /var/lib/cloud/seed/nocloud/meta-data',
    'remove /var/lib/cloud/seed/nocloud/user-data',
  ], "a seed osconf did not write stays; /run is this boot's, left alone offline");
  const live = paths((await planPrepare(root.view(), { live: true })).actions);
  t.deepEqual(live.slice(-2), ['remove /run/cloud-init/enabled', 'remove-dir /run/cloud-init']);
});

test("authorized_keys of root and of every account with a home go, each listed, unless --keep-authorized-keys (issue 16 reproduction 10)", async (t) => {
  const root = debianRoot()
    .file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/srv/bob:/bin/sh\ncarol:x:1002:1002::/home/carol:/bin/sh\n')
    .file('/root/.ssh/authorized_keys', 'ssh-ed25519 AAAA builder')
    .file('/root/.ssh/known_hosts', 'kept')
    .file('/home/alice/.ssh/authorized_keys2', 'ssh-rsa AAAA alice')
    .link('/srv/bob', '/data/bob')
    .file('/data/bob/.ssh/authorized_keys', 'ssh-rsa AAAA bob')
    .link('/home/carol/.ssh/authorized_keys', '/etc/shadow')
    .file('/home/dave/.ssh/authorized_keys', 'no passwd entry: not a user home');
  const plan = await planPrepare(root.view(), { live: false });
  const removed = plan.actions.filter((a) => a.kind === 'remove' && /authorized_keys/.test(a.path));
  t.deepEqual(paths(removed), [
    'remove /root/.ssh/authorized_keys',
    'remove /home/alice/.ssh/authorized_keys2',
    'remove /data/bob/.ssh/authorized_keys',
    'remove /home/carol/.ssh/authorized_keys',
  ], "bob's linked home is resolved inside the root; carol's link is removed itself, never followed");
  const { describeAction } = await import('../../../src/prepare/plan.js');
  t.regex(describeAction(removed[0]!, true), /^would remove \/root\/\.ssh\/authorized_keys \(SSH keys of the source machine/);
  const kept = await planPrepare(root.view(), { live: false, keepAuthorizedKeys: true });
  t.false(kept.actions.some((a) => 'path' in a && /authorized_keys/.test(a.path)));
});

test('first partition: an os.conf set aside after the retry limit goes too (it holds a password)', async (t) => {
  const used = new MemoryRoot().file('/aliyun_custom_image/os.conf.failed', 'password=x').file('/aliyun_custom_image/os.conf.failed-20261130T054500-a1b2c3', 'password=y');
  t.deepEqual(paths(await planFirstPartition(used.view())), ['remove /aliyun_custom_image/os.conf.failed', 'remove /aliyun_custom_image/os.conf.failed-20261130T054500-a1b2c3']);
});
