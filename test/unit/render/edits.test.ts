// Files osconf edits in place rather than owns: only the managed part changes, everything else is kept.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../../src/config/validate.js';
import { PROFILES } from '../../../src/distro/profiles.js';
import { dropEniSource, editEniMain } from '../../../src/render/eni.js';
import { setShellVar } from '../../../src/render/format/shell-vars.js';
import { isOsconfFile } from '../../../src/render/header.js';
import { renderHosts } from '../../../src/render/hosts.js';
import { nicViews } from '../../../src/render/nic-view.js';
import { renderResolvConf } from '../../../src/render/resolv-conf.js';
import { renderSystem } from '../../../src/render/system.js';
import { examplesDir } from '../../helpers/paths.js';

const classic = readOsConf(readFileSync(join(examplesDir, 'classic.conf'))).config;

test('/etc/hosts: one managed line, added once, replaced in place, other lines untouched', (t) => {
  const original = '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n\n# my own entry\n10.9.9.9 db\n';
  const first = renderHosts(classic, original)!.content;
  t.is(first, `${original}10.171.254.123\tiZ23r29djmjZ\t# managed by osconf\n`);
  t.is(renderHosts(classic, first)!.content, first, 'idempotent');
  const renamed = renderHosts({ ...classic, hostname: 'web.example.com' }, `${first}# after\n`)!.content;
  t.is(renamed, `${original}10.171.254.123\tweb.example.com web\t# managed by osconf\n# after\n`);
  t.is(renamed.match(/managed by osconf/g)!.length, 1);
});

test("/etc/hosts: Debian's 127.0.1.1 line for the new name is commented out, and the managed line takes its place", (t) => {
  const debian = '127.0.0.1\tlocalhost\n127.0.1.1\tnode-a.corp.example.com\tnode-a\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n';
  const config = { ...classic, hostname: 'node-a.corp.example.com' };
  const out = renderHosts(config, debian)!.content;
  t.is(
    out,
    [
      '127.0.0.1\tlocalhost',
      "# 127.0.1.1\tnode-a.corp.example.com\tnode-a  # osconf: the host name maps to the instance's address",
      '10.171.254.123\tnode-a.corp.example.com node-a\t# managed by osconf',
      '',
      '# The following lines are desirable for IPv6 capable hosts',
      '::1     localhost ip6-localhost ip6-loopback',
      '',
    ].join('\n'),
  );
  t.is(renderHosts(config, out)!.content, out, 'idempotent');
});

test('/etc/hosts: new and old names leave loopback lines; localhost names, other addresses and comments stay', (t) => {
  const image = '127.0.0.1 localhost localhost.localdomain debian node-a # the installer\n::1 localhost ip6-localhost node-a\n127.0.1.1 debian\n10.0.0.9 debian db\n';
  const out = renderHosts({ ...classic, hostname: 'node-a' }, image, ['debian.example.com', 'localhost'])!.content;
  t.is(
    out,
    [
      '127.0.0.1 localhost localhost.localdomain # the installer',
      '::1 localhost ip6-localhost',
      "# 127.0.1.1 debian  # osconf: the host name maps to the instance's address",
      '10.171.254.123\tnode-a\t# managed by osconf',
      '10.0.0.9 debian db',
      '',
    ].join('\n'),
  );
  // Without a NIC the name stays on loopback (Debian's convention for hosts without a permanent address).
  const noNic = renderHosts({ ...classic, interfaces: [], hostname: 'node-a' }, '127.0.0.1 localhost\n127.0.1.1 node-a\n')!.content;
  t.is(noNic, '127.0.0.1 localhost\n127.0.1.1 node-a\n127.0.1.1\tnode-a\t# managed by osconf\n');
});

test('the image\'s old host name comes from its static files and the running name', (t) => {
  const existing: Record<string, string> = { '/etc/hostname': 'debian\n', '/etc/hosts': '127.0.0.1 localhost\n127.0.1.1 debian.lan debian\n127.0.1.1 builder\n' };
  const files = renderSystem({ config: classic, profile: PROFILES['debian-ifupdown'], existing: (p) => existing[p] ?? null, runningHostname: 'builder' }).files;
  t.is(
    files.find((f) => f.path === '/etc/hosts')!.content,
    "127.0.0.1 localhost\n# 127.0.1.1 debian.lan debian  # osconf: the host name maps to the instance's address\n10.171.254.123\tiZ23r29djmjZ\t# managed by osconf\n# 127.0.1.1 builder  # osconf: the host name maps to the instance's address\n",
  );
});

test('/etc/resolv.conf: nameservers replaced where they stood, search and options kept', (t) => {
  const existing = '# local\nsearch corp.example\nnameserver 1.1.1.1\noptions timeout:2\nnameserver 9.9.9.9\n';
  t.is(
    renderResolvConf(['7.7.7.7', '8.8.8.8'], existing).content,
    '# local\nsearch corp.example\nnameserver 7.7.7.7\nnameserver 8.8.8.8\noptions timeout:2\n',
  );
  t.is(renderResolvConf(['7.7.7.7'], null).content, 'nameserver 7.7.7.7\n');
});

test('/etc/resolv.conf owned by another writer is left alone; the name servers go where that writer reads them', (t) => {
  const rendered = renderSystem({
    config: classic,
    profile: PROFILES['debian-ifupdown'],
    existing: (p) => (p === '/etc/resolv.conf' ? '# Generated by NetworkManager\nnameserver 1.1.1.1\n' : null),
  });
  t.false(rendered.files.some((f) => f.path === '/etc/resolv.conf'));
  t.is(rendered.dns?.owner, 'NetworkManager');
  t.truthy(rendered.files.find((f) => f.path === '/etc/NetworkManager/conf.d/90-osconf-dns.conf'));
  t.true(rendered.notes.some((n) => /NetworkManager's; .*global-dns-domain/.test(n)));
});

test('/etc/network/interfaces: our NICs\' stanzas commented out, a source line added, the rest kept', (t) => {
  const existing = [
    'source /etc/network/interfaces.d/*',
    '',
    'auto lo',
    'iface lo inet loopback',
    '',
    'allow-hotplug eth0 eth5',
    'iface eth0 inet dhcp',
    '    pre-up echo hi',
    '',
    'iface eth5 inet dhcp',
  ].join('\n');
  const edited = editEniMain(existing, nicViews(classic))!.content;
  t.is(
    edited,
    [
      'source /etc/network/interfaces.d/*',
      '',
      'auto lo',
      'iface lo inet loopback',
      '',
      '# allow-hotplug eth0 eth5  # osconf: /etc/network/interfaces.d/50-osconf configures this interface',
      'allow-hotplug eth5',
      '# iface eth0 inet dhcp  # osconf: /etc/network/interfaces.d/50-osconf configures this interface',
      '#     pre-up echo hi',
      '',
      'iface eth5 inet dhcp',
      '',
    ].join('\n'),
  );
  t.is(editEniMain(edited, nicViews(classic)), null, 'a second run changes nothing');
});

test("/etc/network/interfaces without a source line (Alpine's): our file sourced by its full name, once", (t) => {
  // ifupdown-ng up to 0.12.1 (Alpine) refuses a whole configuration that sources a pattern: the added line
  // names the file. test/integration/ifupdown-ng.test.ts runs both implementations on it.
  const alpine = 'auto lo\niface lo inet loopback\n';
  const edited = editEniMain(alpine, nicViews(classic))!.content;
  t.is(edited, 'auto lo\niface lo inet loopback\n\n# osconf: /etc/network/interfaces.d/50-osconf (os.conf\'s NICs); remove this line with that file\nsource /etc/network/interfaces.d/50-osconf\n');
  t.is(editEniMain(edited, nicViews(classic)), null, 'a second run changes nothing');
  // A line that already reads interfaces.d (by pattern, directory or our file's name) is enough.
  for (const line of ['source /etc/network/interfaces.d/*', 'source-directory /etc/network/interfaces.d', 'source-directory /etc/network/interfaces.d/', '  source /etc/network/interfaces.d/50-osconf']) {
    t.is(editEniMain(`${alpine}${line}\n`, nicViews(classic)), null, line);
  }
  // Another file in interfaces.d is not ours.
  t.regex(editEniMain(`${alpine}source /etc/network/interfaces.d/eth0\n`, nicViews(classic))!.content, /\nsource \/etc\/network\/interfaces\.d\/50-osconf\n$/);
});

test('/etc/network/interfaces: the source line osconf added goes with its file, and only that line', (t) => {
  const alpine = 'auto lo\niface lo inet loopback\n';
  const edited = editEniMain(alpine, nicViews(classic))!.content;
  t.is(dropEniSource(edited), alpine, 'the comment, the line and the blank line before them');
  t.is(dropEniSource(alpine), null, 'nothing of ours: no change');
  t.is(dropEniSource(null), null);
  // The image's own line naming our file (no osconf comment above it) stays.
  t.is(dropEniSource(`${alpine}source /etc/network/interfaces.d/50-osconf\n`), null);
  // Lines after ours stay.
  t.is(dropEniSource(`${edited}auto eth9\n`), `${alpine}auto eth9\n`);
});

test("ifupdown-ng (Alpine): a wildcard source line, which it would refuse whole, is commented out and our file sourced by name", (t) => {
  const alpine = 'auto lo\niface lo inet loopback\n';
  for (const line of ['source /etc/network/interfaces.d/*', '  source /etc/network/interfaces.d/*.cfg']) {
    const edited = editEniMain(`${alpine}${line}\n`, nicViews(classic), { patterns: false })!.content;
    t.is(
      edited,
      `${alpine}# ${line}  # osconf: ifupdown-ng reads no wildcards and would refuse this whole file\n\n# osconf: /etc/network/interfaces.d/50-osconf (os.conf's NICs); remove this line with that file\nsource /etc/network/interfaces.d/50-osconf\n`,
    );
    t.is(editEniMain(edited, nicViews(classic), { patterns: false }), null, 'a second run changes nothing');
  }
  // Lines that name a file or a directory stay, and count where they read our file.
  t.is(editEniMain(`${alpine}source-directory /etc/network/interfaces.d\n`, nicViews(classic), { patterns: false }), null);
  // ifupdown keeps its wildcard line.
  t.is(editEniMain(`${alpine}source /etc/network/interfaces.d/*\n`, nicViews(classic), { patterns: true }), null);
});

test('KEY=value files: one key set in place, duplicates dropped, the rest kept', (t) => {
  t.is(setShellVar('NETWORKING=yes\nHOSTNAME=old\nGATEWAY=1.2.3.4\nHOSTNAME=dup\n', 'HOSTNAME', 'new'), 'NETWORKING=yes\nHOSTNAME=new\nGATEWAY=1.2.3.4\n');
  t.is(setShellVar('', 'A', "it's $x"), "A='it'\\''s $x'\n");
  t.is(setShellVar('X=1', 'A', 'b'), 'X=1\nA=b\n');
});

test('EL6 keeps its host name in /etc/sysconfig/network, edited in place', (t) => {
  const { files } = renderSystem({
    config: classic,
    profile: PROFILES['rhel-6'],
    existing: (p) => (p === '/etc/sysconfig/network' ? 'NETWORKING=yes\nHOSTNAME=localhost.localdomain\nNOZEROCONF=yes\n' : null),
  });
  t.is(files.find((f) => f.path === '/etc/sysconfig/network')!.content, 'NETWORKING=yes\nHOSTNAME=iZ23r29djmjZ\nNOZEROCONF=yes\n');
  t.false(files.some((f) => f.path === '/etc/hostname'));
});

test('every file osconf owns starts with its header; edited files do not claim ownership', (t) => {
  for (const profile of Object.values(PROFILES)) {
    for (const f of renderSystem({ config: classic, profile }).files) {
      const owned = !['/etc/hostname', '/etc/HOSTNAME', '/etc/hosts', '/etc/resolv.conf', '/etc/sysconfig/network', '/etc/sysconfig/network/config', '/etc/network/interfaces'].includes(f.path);
      t.is(isOsconfFile(f.content), owned, `${profile.id} ${f.path}`);
    }
  }
});

test('NICs use the running names given at apply time, matched by MAC where the stack can', (t) => {
  const names = new Map([
    ['eth0', 'ens3'],
    ['eth1', 'ens4'],
  ]);
  const eni = renderSystem({ config: classic, profile: PROFILES['debian-ifupdown'], names }).files.find((f) => f.path.endsWith('50-osconf'))!;
  t.regex(eni.content, /iface ens4 inet static/);
  t.regex(eni.content, /dev ens3/);
  t.notRegex(eni.content, /eth\d/);
  const rhel = renderSystem({ config: classic, profile: PROFILES['rhel-7'], names }).files.map((f) => f.path);
  t.true(rhel.includes('/etc/sysconfig/network-scripts/ifcfg-ens3'));
  const networkd = renderSystem({ config: classic, profile: PROFILES.arch, names }).files.find((f) => f.path.endsWith('eth1.network'))!;
  t.regex(networkd.content, /MACAddress=00:8c:fa:5e:14:24/);
  t.notRegex(networkd.content, /Name=/);
});

test('the generic profile writes no network files and says why', (t) => {
  const r = renderSystem({ config: classic, profile: PROFILES.generic });
  t.deepEqual(r.files.filter((f) => f.concern === 'network'), []);
  t.regex(r.notes.join('\n'), /no persistent network stack/);
});

test('/etc/hosts: only our names leave loopback lines; aliases that merely share a first label stay', (t) => {
  const image = '127.0.0.1 localhost web.dev.local api.local db.local\n127.0.1.1 node-a.corp.example.com node-a\n';
  const out = renderHosts({ ...classic, hostname: 'web.prod.example.com' }, image, ['node-a', 'db'])!.content;
  t.regex(out, /^127\.0\.0\.1 localhost web\.dev\.local api\.local db\.local$/m);
  t.regex(out, /^# 127\.0\.1\.1 node-a\.corp\.example\.com node-a {2}# osconf/m, "Debian's FQDN SHORT line goes whole");
});
