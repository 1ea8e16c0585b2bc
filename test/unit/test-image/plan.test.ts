// test-image's pure planning: the generated os.conf is one osconf accepts, each NIC's qemu network holds
// os.conf's subnet with qemu's own addresses and DHCP range away from os.conf's address, the second boot's
// change, qemu's argv (loopback only, firmware boot), and observations turned into items.
import test from 'ava';
import { readOsConf } from '../../../src/config/validate.js';
import { UsageError } from '../../../src/errors.js';
import { bootItems, changedOsConf, generateOsConf, qemuArgv, slirpNets, statusSummary, type BootObservation } from '../../../src/test-image/plan.js';

const bytes = (seed: number, n = 64) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 17) & 255);
const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

for (const network of ['classic', 'vpc'] as const) {
  test(`a generated ${network} os.conf is valid, with a fresh host name, two name servers and a route besides the default`, (t) => {
    for (const seed of [1, 2, 3, 250]) {
      const g = generateOsConf(network, bytes(seed));
      const read = readOsConf(g.text);
      t.deepEqual(read.errors, [], g.text);
      t.deepEqual(read.warnings, [], g.text);
      const c = read.config;
      t.is(c.network, network);
      t.is(c.interfaces.length, network === 'classic' ? 2 : 1);
      t.regex(c.hostname!, /^osconf-test-[a-z0-9]{6}$/);
      t.is(c.password?.reveal(), g.password);
      t.regex(g.password, /^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9]).{16}$/);
      t.is(c.nameservers.length, 2);
      t.true(c.interfaces.some((n) => n.routes.some((r) => r.to !== '0.0.0.0/0')));
      t.truthy(c.defaultRoute);
    }
  });
}

test('two generated os.confs differ in password and host name', (t) => {
  const a = generateOsConf('vpc', bytes(1));
  const b = generateOsConf('vpc', bytes(2));
  t.not(a.password, b.password);
  t.not(readOsConf(a.text).config.hostname, readOsConf(b.text).config.hostname);
});

test("each NIC's qemu network is os.conf's subnet: qemu is the gateway, DNS and the 16 DHCP addresses avoid os.conf's address", (t) => {
  const { config } = readOsConf(generateOsConf('classic', bytes(7)).text);
  const nets = slirpNets(config);
  t.is(nets.length, 2);
  for (const [i, n] of nets.entries()) {
    const nic = config.interfaces[i]!;
    t.is(n.mac, nic.mac);
    t.is(n.address, nic.address);
    t.is(n.host, nic.gateway!);
    t.is(n.prefix, 24);
    t.is(n.network, nic.address.replace(/\.\d+$/, '.0'));
    const start = toInt(n.dhcpStart);
    for (const a of [n.address, n.host, n.dns]) t.false(toInt(a) >= start && toInt(a) < start + 16, `${a} outside ${n.dhcpStart}+16`);
    t.not(n.dns, n.host);
    t.not(n.dns, n.address);
  }
});

test("a user's os.conf with the gateway outside the subnet: qemu takes a free address; too small a subnet is a usage error", (t) => {
  const text = 'hostname=h1\npassword=cXdIcjEyMzQK\neth0_ip_addr=192.168.5.1\neth0_mac_addr=00:16:3e:00:00:01\neth0_netmask=255.255.255.224\ndns_nameserver="1.1.1.1"\n';
  const nets = slirpNets(readOsConf(text).config);
  t.is(nets[0]!.network, '192.168.5.0');
  t.is(nets[0]!.host, '192.168.5.2');
  t.is(nets[0]!.dns, '192.168.5.3');
  t.is(nets[0]!.dhcpStart, '192.168.5.15');
  const small = text.replace('255.255.255.224', '255.255.255.248');
  t.throws(() => slirpNets(readOsConf(small).config), { instanceOf: UsageError, message: /\/29 leaves no room/ });
});

test('the second boot changes the password, the host name and the first address, to one qemu does not use', (t) => {
  const first = readOsConf(generateOsConf('vpc', bytes(9)).text).config;
  const nets = slirpNets(first);
  const changed = changedOsConf(first, nets, bytes(10, 32));
  const second = readOsConf(changed.text);
  t.deepEqual(second.errors, []);
  t.is(second.config.hostname, changed.hostname);
  t.not(changed.hostname, first.hostname);
  t.is(second.config.password?.reveal(), changed.password);
  t.not(second.config.interfaces[0]!.address, first.interfaces[0]!.address);
  const n2 = slirpNets(second.config);
  t.not(n2[0]!.address, nets[0]!.host);
  t.deepEqual(second.config.defaultRoute, first.defaultRoute);
});

test('qemu boots by firmware, binds only loopback ports, and forwards each to os.conf address port 22', (t) => {
  const { config } = readOsConf(generateOsConf('classic', bytes(3)).text);
  const nets = slirpNets(config);
  const argv = qemuArgv({ overlay: '/tmp/o.qcow2', accel: 'tcg', nets, ports: [2201, 2202], serialSocket: '/tmp/s.sock' });
  t.false(argv.includes('-kernel'));
  t.is(argv[argv.indexOf('-accel') + 1], 'tcg,thread=multi');
  const netdevs = argv.filter((_, i) => argv[i - 1] === '-netdev');
  t.is(netdevs.length, 2);
  for (const [i, n] of nets.entries()) {
    t.is(netdevs[i], `user,id=n${i},net=${n.network}/24,host=${n.host},dns=${n.dns},dhcpstart=${n.dhcpStart},restrict=on,hostfwd=tcp:127.0.0.1:${2201 + i}-${n.address}:22`);
    t.true(argv.includes(`virtio-net-pci,netdev=n${i},mac=${n.mac}`));
  }
  t.true(argv.includes('socket,id=console,path=/tmp/s.sock,server=on,wait=off'));
});

const vpcText = 'hostname=osconf-test-aaaaaa\npassword=cXdIcjEyMzQK\neth0_ip_addr=172.16.3.20\neth0_mac_addr=00:16:3e:00:00:02\neth0_netmask=255.255.255.0\neth0_gateway=172.16.3.1\neth0_route="0.0.0.0/0 172.16.3.1;100.64.0.0/10 172.16.3.1"\ndns_nameserver="172.16.3.3 100.100.2.136"\n';
const config = readOsConf(vpcText).config;
const ipAddr = (addr: string) => JSON.stringify([{ ifname: 'lo', address: '00:00:00:00:00:00', addr_info: [] }, { ifname: 'eth0', address: '00:16:3e:00:00:02', addr_info: [{ family: 'inet', local: addr, prefixlen: 24, scope: 'global' }] }]);
const routes = JSON.stringify([{ dst: 'default', gateway: '172.16.3.1', dev: 'eth0' }, { dst: '100.64.0.0/10', gateway: '172.16.3.1', dev: 'eth0' }, { dst: '172.16.3.0/24', dev: 'eth0' }]);
const done = JSON.stringify({ status: 'done', detail: 'applied', verify: { result: 'passed' }, concerns: [] });
const good: BootObservation = {
  boot: 1,
  timedOut: false,
  ssh: { ok: true, hostKey: 'AAAAfresh' },
  console: null,
  shell: { hostname: 'osconf-test-aaaaaa\n', ipAddr: ipAddr('172.16.3.20'), ipRoute: routes, resolv: 'nameserver 172.16.3.3\nnameserver 100.100.2.136\n', status: done, hostKeys: '' },
  p1Entries: [],
};
const results = (items: ReturnType<typeof bootItems>) => Object.fromEntries(items.map((i) => [i.name, i.result]));

test('a boot that shows everything os.conf says gives every item OK', (t) => {
  t.deepEqual(results(bootItems(good, { config, imageHostKeys: ['AAAAimage'] })), {
    boot1_ssh_login: 'OK',
    boot1_hostname: 'OK',
    boot1_addresses: 'OK',
    boot1_routes: 'OK',
    boot1_name_servers: 'OK',
    boot1_osconf_status: 'OK',
    boot1_ssh_host_keys: 'OK',
    boot1_os_conf_removed: 'OK',
  });
});

test("a DHCP address instead of os.conf's fails the addresses item, naming both and osconf's status", (t) => {
  const status = JSON.stringify({ status: 'failed', detail: 'verify failed', verify: { result: 'failed' }, concerns: [{ concern: 'network', result: 'failed', warnings: ['/etc/systemd/network/05-x.network would configure eth0'] }] });
  const obs: BootObservation = { ...good, ssh: { ok: false, passwordRefused: false, reason: 'Connection lost before handshake' }, console: { ok: true, reason: '' }, shell: { ...good.shell!, ipAddr: ipAddr('172.16.3.245'), status, hostKeys: 'ssh-ed25519 AAAAfresh root@x\n' }, p1Entries: ['os.conf'] };
  const items = bootItems(obs, { config, imageHostKeys: [] });
  const r = results(items);
  t.is(r.boot1_ssh_login, 'FAILED');
  t.is(r.boot1_console_login, 'OK');
  t.is(r.boot1_addresses, 'FAILED');
  t.is(r.boot1_osconf_status, 'FAILED');
  t.is(r.boot1_os_conf_removed, 'FAILED');
  const addresses = items.find((i) => i.name === 'boot1_addresses')!;
  t.regex(addresses.description, /eth0 \(00:16:3e:00:00:02\) has 172\.16\.3\.245\/24, os\.conf says 172\.16\.3\.20\/24/);
  t.regex(addresses.description, /status failed.*verify failed.*would configure eth0/);
});

test("sshd refusing root's password is a WARNING of its own; the rest is proven on the console", (t) => {
  const obs: BootObservation = { ...good, ssh: { ok: false, passwordRefused: true, reason: 'All configured authentication methods failed' }, console: { ok: true, reason: '' }, shell: { ...good.shell!, hostKeys: 'ssh-ed25519 AAAAfresh root@x\n' } };
  const items = bootItems(obs, { config, imageHostKeys: ['AAAAimage'] });
  const login = items.find((i) => i.name === 'boot1_ssh_login')!;
  t.is(login.result, 'WARNING');
  t.regex(login.comment, /PermitRootLogin yes/);
  t.false(items.some((i) => i.result === 'FAILED'));
});

test("the image's own host key, or a key that changed since boot 1, fails the host key item", (t) => {
  t.is(results(bootItems(good, { config, imageHostKeys: ['AAAAfresh'] })).boot1_ssh_host_keys, 'FAILED');
  t.is(results(bootItems({ ...good, boot: 2 }, { config, imageHostKeys: [], firstHostKey: 'AAAAother' })).boot2_ssh_host_keys, 'FAILED');
  t.is(results(bootItems({ ...good, boot: 2 }, { config, imageHostKeys: [], firstHostKey: 'AAAAfresh' })).boot2_ssh_host_keys, 'OK');
});

test('no login at all: one FAILED item that names the cause found on the disk', (t) => {
  const osconfItem = { name: 'osconf', result: 'FAILED' as const, errorCode: '2203', description: 'osconf is installed (/usr/bin/osconf) but not enabled for systemd', comment: 'run osconf prepare, or enable it' };
  const obs: BootObservation = { ...good, ssh: { ok: false, passwordRefused: false, reason: 'Connection lost before handshake' }, console: { ok: false, reason: "the console refused root's os.conf password (Login incorrect)" }, shell: null, p1Entries: ['os.conf'], offline: { osconfItem, log: 'no /var/log/osconf.log: osconf never ran', state: 'no /var/lib/osconf/state.json' } };
  const items = bootItems(obs, { config, imageHostKeys: [] });
  t.deepEqual(items.map((i) => `${i.name} ${i.result}`), ['boot1_ssh_login FAILED', 'boot1_login FAILED']);
  t.regex(items[1]!.description, /os\.conf is still on partition 1.*not enabled for systemd.*osconf never ran/);
  t.is(items[1]!.comment, 'run osconf prepare, or enable it');
});

test('osconf status JSON reduced to a line; no JSON says so', (t) => {
  t.deepEqual(statusSummary(done), { ok: true, line: 'status done, (applied), verify passed' });
  t.false(statusSummary('bash: osconf: command not found').ok);
});
