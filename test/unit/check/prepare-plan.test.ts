// What `osconf prepare` plans, on roots laid out like real distributions; no path it plans goes through a
// symbolic link.
import test from 'ava';
import { planFirstPartition, planPrepare, type PrepareAction } from '../../../src/prepare/plan.js';
import { debianRoot, MemoryRoot } from '../../helpers/memory-root.js';

const paths = (actions: PrepareAction[]) => actions.map((a) => ('path' in a ? `${a.kind} ${a.path}` : `${a.kind} ${a.argv.join(' ')}`));

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

test('OpenRC: osconf joins the boot runlevel', async (t) => {
  const root = new MemoryRoot().link('/sbin/init', '/bin/busybox').file('/sbin/openrc', 'ELF').file('/etc/init.d/osconf', '#!/sbin/openrc-run\n');
  t.deepEqual((await planPrepare(root.view(), { live: false })).actions, [
    { kind: 'symlink', path: '/etc/runlevels/boot/osconf', target: '/etc/init.d/osconf', purpose: 'enable osconf at boot (OpenRC boot runlevel)' },
  ]);
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

test("prepare removes osconf's per-machine digest key with its state", async (t) => {
  const root = new MemoryRoot().file('/var/lib/osconf/state.json', '{}').file('/var/lib/osconf/digest.key', 'ab');
  const planned = paths((await planPrepare(root.view(), { live: false })).actions);
  t.true(planned.includes('remove /var/lib/osconf/state.json'));
  t.true(planned.includes('remove /var/lib/osconf/digest.key'));
});
