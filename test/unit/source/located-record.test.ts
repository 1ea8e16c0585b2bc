// The record the boot pre-check reads (src/source/located-record.ts): only values it can read without quoting.
import test from 'ava';
import { locatedRecordText, parseBlkidExport } from '../../../src/source/located-record.js';
import { SSH_HOST_KEY } from '../../../src/distro/facts.js';

test('a device is recorded by partition UUID, file system UUID and type', (t) => {
  const ids = parseBlkidExport('DEVNAME=/dev/vda1\nUUID=1234-ABCD\nBLOCK_SIZE=512\nTYPE=vfat\nPARTUUID=5d1c3a2e-01\n');
  t.is(locatedRecordText({ partuuid: ids.PARTUUID!, uuid: ids.UUID!, type: ids.TYPE! }), '# Written by osconf apply: where it found aliyun_custom_image/. Read by osconf-boot at boot.\npartuuid=5d1c3a2e-01\nuuid=1234-ABCD\ntype=vfat\n');
});

test('nothing is recorded that the pre-check could misread', (t) => {
  t.is(locatedRecordText({ partuuid: '', uuid: '', type: 'ext4' }), null, 'nothing to find it by');
  t.is(locatedRecordText({ partuuid: 'a b', uuid: 'x', type: 'ext4' }), null);
  t.is(locatedRecordText({ partuuid: '', uuid: 'x\ntype=vfat', type: 'ext4' }), null);
  t.is(locatedRecordText({ partuuid: '', uuid: 'x', type: 'ext4;reboot' }), null);
  t.is(locatedRecordText({ path: '/srv/my conf' }), null);
  t.is(locatedRecordText({ path: '/srv/../etc' }), null);
  t.is(locatedRecordText({ path: 'relative' }), null);
  t.regex(locatedRecordText({ path: '/srv/osconf-part' })!, /\npath=\/srv\/osconf-part\n$/);
});

test("the host key regular expression is the pre-check's glob", (t) => {
  for (const name of ['ssh_host_ed25519_key', 'ssh_host_rsa_key', 'ssh_host__key']) t.true(SSH_HOST_KEY.test(name), name);
  for (const name of ['ssh_host_ed25519_key.pub', 'xssh_host_rsa_key', 'ssh_host_rsa_keys', 'ssh_config']) t.false(SSH_HOST_KEY.test(name), name);
});
