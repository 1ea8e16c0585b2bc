// Configuration of others that a stack would apply to an os.conf NIC: found by the stack's own matching
// rules and precedence, neutralised in its idiom, and nothing else touched.
import test from 'ava';
import { parse } from 'yaml';
import { DISABLED_DIR, findForeignConfig, globMatches, type ForeignFile, type NicRef } from '../../../src/plan/foreign-config.js';

const eth0: NicRef = { id: 'eth0', name: 'eth0', mac: '00:16:3e:00:00:01' };
const eth1: NicRef = { id: 'eth1', name: 'ens6', mac: '00:16:3e:00:00:02' };
const own = new Map([
  ['eth0', '/etc/systemd/network/10-osconf-eth0.network'],
  ['eth1', '/etc/systemd/network/10-osconf-eth1.network'],
]);
const file = (path: string, content: string | null): ForeignFile => ({ path, content });

test('fnmatch globs as networkd and netplan use them', (t) => {
  t.true(globMatches('e*', 'eth0'));
  t.true(globMatches('en[ops]*', 'ens6'));
  t.false(globMatches('en[!s]*', 'ens6'));
  t.true(globMatches('eth?', 'eth0'));
  t.false(globMatches('eth?', 'eth10'));
  t.false(globMatches('eth0.', 'eth0x'));
});

test("netplan: a cloud image's catch-all DHCP file is moved aside; the NIC is named in the warning", (t) => {
  const yaml = 'network:\n  version: 2\n  ethernets:\n    all-en:\n      match:\n        name: "e*"\n      dhcp4: true\n';
  const [n, ...rest] = findForeignConfig('netplan', [file('/etc/netplan/50-cloud-init.yaml', yaml)], [eth0], own);
  t.deepEqual(rest, []);
  t.deepEqual(n!.nics, ['eth0']);
  t.deepEqual(n!.actions, [{ kind: 'move', path: '/etc/netplan/50-cloud-init.yaml', to: `${DISABLED_DIR}/etc/netplan/50-cloud-init.yaml`, before: yaml, purpose: 'move aside: it would configure an os.conf NIC' }]);
  t.regex(n!.message, /^\/etc\/netplan\/50-cloud-init\.yaml would configure eth0 \(all-en\): moved to/);
});

test("netplan: an installer's file keeps what it says about other NICs; only the os.conf NIC's definition goes", (t) => {
  const yaml = '# installer\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n    eth9:\n      dhcp4: true\n    byMac:\n      match: {macaddress: "00:16:3E:00:00:02"}\n      dhcp4: true\n';
  const [n] = findForeignConfig('netplan', [file('/etc/netplan/00-installer-config.yaml', yaml)], [eth0, eth1], own);
  t.deepEqual(n!.nics, ['eth0', 'eth1']);
  const write = n!.actions[0]!;
  t.is(write.kind, 'write');
  if (write.kind !== 'write') return;
  t.deepEqual(parse(write.content), { network: { version: 2, ethernets: { eth9: { dhcp4: true } } } });
  t.regex(write.content, /^# installer$/m, 'comments kept');
});

test('netplan: a file in /lib is shadowed by an edited copy in /etc; a same-named file in /run shadows both', (t) => {
  const yaml = 'network:\n  ethernets:\n    eth0: {dhcp4: true}\n  bridges:\n    br0: {dhcp4: true}\n';
  const [n] = findForeignConfig('netplan', [file('/lib/netplan/10-vendor.yaml', yaml)], [eth0], own);
  t.is(n!.actions[0]!.kind === 'write' && n!.actions[0]!.path, '/etc/netplan/10-vendor.yaml');
  t.deepEqual(findForeignConfig('netplan', [file('/lib/netplan/10-vendor.yaml', yaml), file('/run/netplan/10-vendor.yaml', 'network: {version: 2}\n')], [eth0], own), []);
});

test('networkd: a file that sorts before osconf and matches the NIC moves aside; one after it is left alone', (t) => {
  const dhcp = '[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n';
  const found = findForeignConfig('networkd', [file('/etc/systemd/network/05-dhcp.network', dhcp), file('/etc/systemd/network/99-late.network', dhcp)], [eth0], own);
  t.deepEqual(found.map((f) => f.path), ['/etc/systemd/network/05-dhcp.network']);
  t.is(found[0]!.actions[0]!.kind, 'move');
});

test('networkd: a vendor catch-all is masked with /dev/null in /etc; NICs os.conf does not name are reported', (t) => {
  const catchAll = '[Match]\nName=e* en*\n\n[Network]\nDHCP=yes\n';
  const other: NicRef = { id: 'eth7', name: 'eth7', mac: '00:16:3e:00:00:07' };
  const [n] = findForeignConfig('networkd', [file('/usr/lib/systemd/network/01-all.network', catchAll)], [eth0, eth1], own, [other]);
  t.deepEqual(n!.actions, [{ kind: 'symlink', path: '/etc/systemd/network/01-all.network', target: '/dev/null', purpose: 'mask /usr/lib/systemd/network/01-all.network: it would configure an os.conf NIC' }]);
  t.deepEqual(n!.nics, ['eth0', 'eth1']);
  t.deepEqual(n!.others, ['eth7']);
  t.deepEqual(findForeignConfig('networkd', [file('/etc/systemd/network/01-all.network', null), file('/usr/lib/systemd/network/01-all.network', catchAll)], [eth0], own), [], 'already masked');
});

test('networkd: negation, MAC and unknown conditions follow systemd.network(5)', (t) => {
  const run = (match: string) => findForeignConfig('networkd', [file('/etc/systemd/network/00-x.network', `[Match]\n${match}\n[Network]\nDHCP=yes\n`)], [eth0], own).filter((n) => n.actions.length > 0).length;
  t.is(run('Name=!eth0'), 0);
  t.is(run('Name=!eth9'), 1);
  t.is(run('MACAddress=00:16:3E:00:00:01'), 1);
  t.is(run('MACAddress=00:16:3e:00:00:09'), 0);
  t.is(run('Name=eth0\nName='), 1, 'an empty assignment resets the list: matches all');
  t.is(run('Driver=virtio_net'), 0, 'not judged from here: left alone');
  t.is(run('Type=ether\nName=e*'), 1);
});

test('ifupdown: the NIC stanzas in interfaces.d are commented out; other NICs stay', (t) => {
  const text = 'auto eth0 eth9\niface eth0 inet dhcp\n    hostname x\n\niface eth9 inet dhcp\n';
  const [n] = findForeignConfig('eni', [file('/etc/network/interfaces.d/50-cloud-init', text), file('/etc/network/interfaces', 'auto eth0\niface eth0 inet dhcp\n')], [eth0], own);
  t.is(n!.path, '/etc/network/interfaces.d/50-cloud-init');
  const w = n!.actions[0]!;
  t.true(w.kind === 'write' && w.content === '# auto eth0 eth9  # osconf: /etc/network/interfaces.d/50-osconf configures this interface\nauto eth9\n# iface eth0 inet dhcp  # osconf: /etc/network/interfaces.d/50-osconf configures this interface\n#     hostname x\n\niface eth9 inet dhcp\n');
});

test('NetworkManager: a profile bound to the NIC moves aside; an unbound one is left to autoconnect priority', (t) => {
  const bound = '[connection]\nid=Wired\ntype=ethernet\ninterface-name=eth0\n[ipv4]\nmethod=auto\n';
  const byMac = '[connection]\nid=m\ntype=ethernet\n[ethernet]\nmac-address=00:16:3E:00:00:02\n';
  const unbound = '[connection]\nid=any\ntype=ethernet\n[ipv4]\nmethod=auto\n';
  const found = findForeignConfig(
    'network-manager',
    [file('/etc/NetworkManager/system-connections/a.nmconnection', bound), file('/etc/NetworkManager/system-connections/b.nmconnection', byMac), file('/etc/NetworkManager/system-connections/c.nmconnection', unbound)],
    [eth0, eth1],
    own,
  );
  t.deepEqual(found.map((f) => [f.path, f.nics]), [
    ['/etc/NetworkManager/system-connections/a.nmconnection', ['eth0']],
    ['/etc/NetworkManager/system-connections/b.nmconnection', ['eth1']],
  ]);
});

test("osconf's own files are never foreign", (t) => {
  t.deepEqual(findForeignConfig('networkd', [file('/etc/systemd/network/10-osconf-eth0.network', '[Match]\nName=eth0\n')], [eth0], own), []);
});

test('networkd: each assignment is negated on its own, as systemd tests lists (net_condition_test_strv)', (t) => {
  const run = (match: string) => findForeignConfig('networkd', [file('/etc/systemd/network/00-x.network', `[Match]\n${match}\n[Network]\nDHCP=yes\n`)], [eth0], own).filter((n) => n.actions.length > 0).length;
  t.is(run('Name=e*\nName=!eth0'), 0, 'a negated hit fails the list');
  t.is(run('Name=!eth1\nName=!eth0'), 0);
  t.is(run('Name=!eth9\nName=eth0'), 1, 'a plain hit and no negated hit');
  t.is(run('Name="eth0"'), 1, 'quotes are stripped');
  t.is(run('MACAddress=00-16-3e-00-00-01'), 1, 'any MAC notation');
});

test('networkd: an /etc file that shadows a vendor file of the same name is moved and its name masked', (t) => {
  const dhcp = '[Match]\nName=eth0\n[Network]\nDHCP=yes\n';
  const [n] = findForeignConfig('networkd', [file('/etc/systemd/network/05-x.network', dhcp), file('/usr/lib/systemd/network/05-x.network', dhcp)], [eth0], own);
  t.deepEqual(n!.actions.map((a) => a.kind), ['move', 'symlink']);
});

test('networkd: conditions osconf cannot judge leave the file alone, with a warning', (t) => {
  const [n] = findForeignConfig('networkd', [file('/etc/systemd/network/00-x.network', '[Match]\nDriver=virtio_net\n[Network]\nDHCP=yes\n')], [eth0], own);
  t.deepEqual(n!.actions, []);
  t.regex(n!.message, /left as it is: its \[Match\] has conditions/);
});

test('netplan: a member of a bridge, an alias into a removed definition: the file is left alone, with a warning', (t) => {
  const bridge = 'network:\n  ethernets:\n    ens3: {match: {macaddress: "00:16:3e:00:00:01"}}\n  bridges:\n    br0: {interfaces: [ens3], dhcp4: true}\n';
  const [b] = findForeignConfig('netplan', [file('/etc/netplan/01-br.yaml', bridge)], [eth0], own);
  t.deepEqual(b!.actions, []);
  t.regex(b!.message, /ens3 is a member of bridges br0/);
  const alias = 'network:\n  ethernets:\n    eth0: &d {dhcp4: true}\n    eth9: *d\n';
  const [a] = findForeignConfig('netplan', [file('/etc/netplan/02-alias.yaml', alias)], [eth0], own);
  t.deepEqual(a!.actions, []);
  t.regex(a!.message, /cannot be edited safely/);
});

test("edits of others' files are withheld from --dry-run (they may hold secrets)", (t) => {
  const yaml = 'network:\n  ethernets:\n    eth0: {dhcp4: true, auth: {password: hunter2}}\n    eth9: {dhcp4: true}\n';
  const [n] = findForeignConfig('netplan', [file('/etc/netplan/00-x.yaml', yaml)], [eth0], own);
  const w = n!.actions[0]!;
  t.true(w.kind === 'write' && typeof w.sensitive === 'string');
});

test('ifupdown: a NIC still used by an active bridge stanza leaves the file alone', (t) => {
  const text = 'iface eth0 inet manual\n\nauto br0\niface br0 inet dhcp\n    bridge_ports eth0\n';
  const [n] = findForeignConfig('eni', [file('/etc/network/interfaces.d/br', text)], [eth0], own);
  t.deepEqual(n!.actions, []);
  t.regex(n!.message, /bridge, bond or VLAN/);
});
