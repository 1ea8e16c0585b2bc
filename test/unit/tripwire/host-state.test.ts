// The tripwire's comparison: every kind of change to this machine is named, and what changes by itself
// (lifetimes, carrier, netns mounts, privacy addresses, route expiry) is not.
import test from 'ava';
import { compareHostStates, describeCoverage, hostState, mountLines, type HostReadings } from '../../tripwire/host-state.js';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '23 22 0:5 / /proc rw,nosuid - proc proc rw',
  '24 22 0:6 / /dev/pts rw - devpts devpts rw,mode=600',
  '25 22 0:6 / /dev/pts rw - devpts devpts rw,mode=600',
  '26 22 0:7 / /mnt/with\\040space rw - tmpfs tmpfs rw',
].join('\n');

function readings(): HostReadings {
  return {
    hostName: 'vm',
    domainName: '(none)',
    files: {
      '/etc/hostname': { link: null, content: 'vm\n' },
      '/etc/hosts': { link: null, content: '127.0.0.1 localhost\n' },
      '/etc/resolv.conf': { link: '../run/systemd/resolve/stub-resolv.conf', content: 'nameserver 127.0.0.53\n' },
    },
    rootShadowDigest: 'a'.repeat(64),
    ipAddr: [
      { ifname: 'lo', address: '00:00:00:00:00:00', mtu: 65536, flags: ['LOOPBACK', 'UP', 'LOWER_UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, valid_life_time: 4294967295 }] },
      {
        ifname: 'eth0',
        address: '02:fc:00:00:00:01',
        mtu: 1500,
        flags: ['BROADCAST', 'UP', 'LOWER_UP'],
        addr_info: [
          { family: 'inet', local: '192.0.2.2', prefixlen: 24, valid_life_time: 3600 },
          { family: 'inet6', local: '2001:db8::1234', prefixlen: 64, temporary: true },
        ],
      },
    ],
    ipRoute: [
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', flags: [] },
      { dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.0.2.2', flags: [] },
      { dst: '2001:db8::/64', dev: 'eth0', protocol: 'ra', metric: 100, expires: 1700, flags: [] },
    ],
    mountinfo: MOUNTINFO,
    configFiles: { '/etc/netplan': 'dir', '/etc/netplan/50-cloud-init.yaml': 'sha256:0011223344556677', '/etc/ssh/ssh_host_rsa_key': 'sha256:8899aabbccddeeff' },
  };
}

const state = (change: (r: HostReadings) => void = () => {}) => {
  const r = readings();
  change(r);
  return hostState(r);
};

test('two snapshots of an untouched machine compare equal, whatever changes by itself', (t) => {
  const after = state((r) => {
    const eth0 = r.ipAddr[1] as { flags: string[]; addr_info: Array<Record<string, unknown>> };
    eth0.flags = ['BROADCAST', 'UP']; // carrier lost: not ours
    eth0.addr_info[0]!.valid_life_time = 1200;
    eth0.addr_info[1]!.local = '2001:db8::9876'; // a new privacy address
    (r.ipRoute[2] as Record<string, unknown>).expires = 12;
    (r.ipRoute[0] as Record<string, unknown>).flags = ['linkdown'];
    r.mountinfo += '\n40 22 0:50 / /run/netns rw - tmpfs tmpfs rw\n41 40 0:4 net:[4026532] /run/netns/osconf-t-1a2b rw - nsfs nsfs rw';
  });
  t.deepEqual(compareHostStates(state(), after), []);
});

test('the host-name leak is named with both names', (t) => {
  t.deepEqual(compareHostStates(state(), state((r) => (r.hostName = 'iZ23r29djmjZ'))), ['running host name: "vm" -> "iZ23r29djmjZ"']);
});

test('files: content, link target, appearance and removal are each named; the changed lines are shown', (t) => {
  const after = state((r) => {
    r.files['/etc/hosts']!.content = '127.0.0.1 localhost\n10.0.0.5 node-a\n';
    r.files['/etc/resolv.conf'] = { link: null, content: 'nameserver 10.0.0.53\n' };
    r.files['/etc/hostname']!.content = null;
  });
  t.deepEqual(compareHostStates(state(), after), [
    '/etc/hostname: removed',
    '/etc/hosts: content changed\n    + 10.0.0.5 node-a',
    '/etc/resolv.conf: link target "../run/systemd/resolve/stub-resolv.conf" -> (none)',
    '/etc/resolv.conf: content changed\n    - nameserver 127.0.0.53\n    + nameserver 10.0.0.53',
  ]);
});

test("root's shadow entry: named, never shown", (t) => {
  const d = compareHostStates(state(), state((r) => (r.rootShadowDigest = 'b'.repeat(64))));
  t.deepEqual(d, ["root's /etc/shadow entry changed (its content is not shown)"]);
  t.false(d.join('').includes('aaaa'));
});

test('addresses, links, routes and mounts: each added or removed line is named', (t) => {
  const after = state((r) => {
    (r.ipAddr[1] as { addr_info: unknown[] }).addr_info.push({ family: 'inet', local: '10.0.0.5', prefixlen: 24 });
    r.ipAddr.push({ ifname: 'veth0', address: '00:16:3e:00:00:01', mtu: 1500, flags: ['BROADCAST'], addr_info: [] });
    r.ipRoute.splice(0, 1);
    r.mountinfo = r.mountinfo.replace(/^25 .*\n/m, '') + '\n30 22 7:0 / /mnt rw - ext4 /dev/loop0 rw';
  });
  t.deepEqual(compareHostStates(state(), after), [
    'addresses of the host network namespace changed\n    + eth0 inet 10.0.0.5/24\n    + veth0 link 00:16:3e:00:00:01 mtu 1500 down',
    'routes of the host network namespace changed\n    - default via 192.0.2.1 dev eth0',
    'mount table of the host mount namespace changed\n    - /dev/pts devpts devpts rw\n    + /mnt ext4 /dev/loop0 rw',
  ]);
});

test('a link set down, a remount read-only and a changed MTU are changes', (t) => {
  const after = state((r) => {
    const eth0 = r.ipAddr[1] as { flags: string[]; mtu: number };
    eth0.flags = ['BROADCAST'];
    r.mountinfo = r.mountinfo.replace('/ / rw,relatime', '/ / ro,relatime');
  });
  const d = compareHostStates(state(), after);
  t.is(d.length, 2);
  t.regex(d[0]!, /- eth0 link 02:fc:00:00:00:01 mtu 1500 up\n {4}\+ eth0 link 02:fc:00:00:00:01 mtu 1500 down/);
  t.regex(d[1]!, /- \/ ext4 \/dev\/vda rw,relatime\n {4}\+ \/ ext4 \/dev\/vda ro,relatime/);
});

test('mount points are unescaped as proc(5) escapes them', (t) => {
  t.true(mountLines(MOUNTINFO).includes('/mnt/with space tmpfs tmpfs rw'));
});

test('the coverage line lists what was compared', (t) => {
  t.is(
    describeCoverage(state()),
    "running host name, NIS domain name, /etc/hostname (content and link target), /etc/hosts (content and link target), /etc/resolv.conf (content and link target), root's /etc/shadow entry (digest), 2 links with 2 addresses, 3 routes, 5 mounts, 3 network, cloud-init, SSH host key and osconf files",
  );
});

test("a leftover moved aside, a stack file masked and new SSH host keys are named: what only the next boot would show", (t) => {
  const after = state((r) => {
    delete r.configFiles['/etc/netplan/50-cloud-init.yaml'];
    r.configFiles['/etc/systemd/network/01-all.network'] = '-> /dev/null';
    r.configFiles['/etc/ssh/ssh_host_rsa_key'] = 'sha256:0000000000000000';
  });
  t.deepEqual(compareHostStates(state(), after), [
    'network, cloud-init, SSH host key and osconf files (next boot) changed\n    - /etc/netplan/50-cloud-init.yaml sha256:0011223344556677\n    - /etc/ssh/ssh_host_rsa_key sha256:8899aabbccddeeff\n    + /etc/ssh/ssh_host_rsa_key sha256:0000000000000000\n    + /etc/systemd/network/01-all.network -> /dev/null',
  ]);
});
