import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue } from '../../../src/config/model.js';
import { readOsConf } from '../../../src/config/validate.js';
import { examplesDir } from '../../helpers/paths.js';

const example = (name: string) => readFileSync(join(examplesDir, name));
const vpcBase = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');
/** The VPC example with one key's value replaced in place (or its line removed when value is null). */
const withKey = (key: string, value: string | null): string =>
  vpcBase
    .split('\n')
    .flatMap((l) => (l.startsWith(`${key}=`) ? (value === null ? [] : [`${key}=${value}`]) : [l]))
    .join('\n');

test("the guide's VPC example", (t) => {
  const r = readOsConf(example('vpc.conf'));
  t.deepEqual(r.errors, []);
  t.deepEqual(r.warnings, []);
  const c = r.config;
  t.is(c.network, 'vpc');
  t.is(c.hostname, 'iZ23r29djmjZ');
  t.is(c.password!.reveal(), 'qwHr1234');
  t.deepEqual(c.nameservers, ['7.7.7.7', '8.8.8.8']);
  t.deepEqual(JSON.parse(JSON.stringify(c.interfaces)), [
    {
      name: 'eth0',
      mac: '00:8c:fa:5e:14:23',
      address: '10.171.254.123',
      prefix: 24,
      netmask: '255.255.255.0',
      gateway: '10.171.254.1',
      routes: [{ to: '0.0.0.0/0', via: '10.171.254.1' }],
    },
  ]);
  t.deepEqual(c.defaultRoute, { interface: 'eth0', via: '10.171.254.1' });
  t.deepEqual(r.valid, { password: true, hostname: true, dns: true, network: true });
});

test("the guide's classic example: eth1 carries the default route", (t) => {
  const r = readOsConf(example('classic.conf'));
  t.deepEqual(r.errors, []);
  t.is(r.config.network, 'classic');
  t.deepEqual(r.config.interfaces.map((n) => [n.name, n.mac, n.address, n.prefix, n.routes]), [
    ['eth0', '00:8c:fa:5e:14:23', '10.171.254.123', 24, [{ to: '10.0.0.0/8', via: '10.171.254.1' }, { to: '172.16.0.0/12', via: '10.171.254.1' }]],
    ['eth1', '00:8c:fa:5e:14:24', '42.120.74.105', 24, [{ to: '0.0.0.0/0', via: '42.120.74.1' }]],
  ]);
  t.deepEqual(r.config.defaultRoute, { interface: 'eth1', via: '42.120.74.1' });
});

test('classic is decided by any eth1_* key, not by the substring eth1 elsewhere', (t) => {
  t.is(readOsConf(`${vpcBase}\nhostname=eth1host\n`).config.network, 'vpc');
  t.is(readOsConf(`${vpcBase}\n# eth1_ip_addr=1.2.3.4\n`).config.network, 'vpc');
  const r = readOsConf(`${vpcBase}\neth1_gateway=42.120.74.1\n`);
  t.is(r.config.network, 'classic');
  t.false(r.valid.network); // eth1 is incomplete
});

test('default route: the gateway when no 0.0.0.0/0 is listed', (t) => {
  const r = readOsConf(withKey('eth0_route', '"10.0.0.0/8 10.171.254.1"'));
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config.defaultRoute, { interface: 'eth0', via: '10.171.254.1' });
});

test('default route: a listed 0.0.0.0/0 wins over the gateway', (t) => {
  const r = readOsConf(withKey('eth0_route', '"0.0.0.0/0 10.171.254.2"'));
  t.deepEqual(r.config.defaultRoute, { interface: 'eth0', via: '10.171.254.2' });
});

test('default route: a 0.0.0.0/0 on the intranet NIC of a classic network is dropped with a warning', (t) => {
  const text = readFileSync(join(examplesDir, 'classic.conf'), 'utf8').replace('eth0_route="', 'eth0_route="0.0.0.0/0 10.171.254.1;');
  const r = readOsConf(text);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config.defaultRoute, { interface: 'eth1', via: '42.120.74.1' });
  t.true(r.warnings.some((w) => w.key === 'eth0_route' && /not installed/.test(w.message)));
});

test('the primary NIC needs a gateway or a default route', (t) => {
  const r = readOsConf(withKey('eth0_route', null).replace(/^eth0_gateway=.*$/m, ''));
  t.false(r.valid.network);
  t.true(r.errors.some((e) => e.key === 'eth0_gateway' && /neither a gateway nor a 0.0.0.0\/0 route/.test(e.message)));
});

test('a file with only a hostname is valid and configures no network', (t) => {
  const r = readOsConf('hostname=web1\n');
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config.interfaces, []);
  t.is(r.config.defaultRoute, null);
});

test('three NICs, any index', (t) => {
  const r = readOsConf(
    `${vpcBase}\neth2_ip_addr=192.168.5.10\neth2_mac_addr=00:8C:FA:5E:14:25\neth2_netmask=255.255.0.0\neth2_route="192.169.0.0/16 192.168.0.1"\n`,
  );
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config.interfaces.map((n) => `${n.name} ${n.mac} ${n.address}/${n.prefix}`), [
    'eth0 00:8c:fa:5e:14:23 10.171.254.123/24',
    'eth2 00:8c:fa:5e:14:25 192.168.5.10/16',
  ]);
});

// [case, os.conf with one key replaced, expected line, key, message pattern, invalid concern]
const lineOf = (key: string) => vpcBase.split('\n').findIndex((l) => l.startsWith(`${key}=`)) + 1;
const errorCases: Array<[string, string, string, RegExp, string]> = [
  ['eth0_netmask', '255.0.255.0', 'eth0_netmask', /^255\.0\.255\.0 is not a contiguous netmask$/, 'network'],
  ['eth0_netmask', '0.0.0.0', 'eth0_netmask', /empty netmask/, 'network'],
  ['eth0_netmask', '24', 'eth0_netmask', /not a dotted netmask/, 'network'],
  ['eth0_ip_addr', '10.171.254.300', 'eth0_ip_addr', /not an IPv4 address/, 'network'],
  ['eth0_ip_addr', '10.171.254.0', 'eth0_ip_addr', /network address/, 'network'],
  ['eth0_ip_addr', '10.171.254.255', 'eth0_ip_addr', /broadcast address/, 'network'],
  ['eth0_ip_addr', '127.0.0.1', 'eth0_ip_addr', /loopback/, 'network'],
  ['eth0_ip_addr', '010.171.254.123', 'eth0_ip_addr', /not an IPv4 address/, 'network'],
  ['eth0_ip_addr', '10.171.254.123/24', 'eth0_ip_addr', /not an IPv4 address/, 'network'],
  ['eth0_mac_addr', '00:8c:fa:5e:14', 'eth0_mac_addr', /not a MAC address/, 'network'],
  ['eth0_mac_addr', '01:00:5e:00:00:01', 'eth0_mac_addr', /multicast/, 'network'],
  ['eth0_mac_addr', '00:00:00:00:00:00', 'eth0_mac_addr', /all-zero/, 'network'],
  ['eth0_gateway', '10.171.254.123', 'eth0_gateway', /own address/, 'network'],
  ['eth0_gateway', 'gw', 'eth0_gateway', /not an IPv4 address/, 'network'],
  ['eth0_route', '"10.1.2.3/8 10.171.254.1"', 'eth0_route', /host bits set \(did you mean 10\.0\.0\.0\/8\?\)/, 'network'],
  ['eth0_route', '"10.0.0.0/33 10.171.254.1"', 'eth0_route', /not an IPv4 CIDR/, 'network'],
  ['eth0_route', '"10.0.0.0 10.171.254.1"', 'eth0_route', /not an IPv4 CIDR/, 'network'],
  ['eth0_route', '"10.0.0.0/8"', 'eth0_route', /not "CIDR GATEWAY"/, 'network'],
  ['eth0_route', '"10.0.0.0/8 10.171.254.1 extra"', 'eth0_route', /not "CIDR GATEWAY"/, 'network'],
  ['eth0_route', '"10.0.0.0/8 x.y"', 'eth0_route', /gateway "x.y" is not an IPv4 address/, 'network'],
  ['eth0_route', '"10.0.0.0/8 10.171.254.1;10.0.0.0/8 10.171.254.2"', 'eth0_route', /twice with different gateways/, 'network'],
  ['hostname', 'bad_name', 'hostname', /not a valid host name/, 'hostname'],
  ['hostname', '-lead', 'hostname', /not a valid host name/, 'hostname'],
  ['hostname', 'a..b', 'hostname', /empty label/, 'hostname'],
  ['hostname', '.lead', 'hostname', /empty label/, 'hostname'],
  ['hostname', 'trailing..', 'hostname', /empty label/, 'hostname'],
  // RFC 1123 §2.1: never the dotted-decimal form; the loopback names (RFC 6761 §6.3).
  ['hostname', 'localhost', 'hostname', /loopback name/, 'hostname'],
  ['hostname', 'LocalHost.localdomain', 'hostname', /loopback name/, 'hostname'],
  ['hostname', 'web.localhost', 'hostname', /loopback name/, 'hostname'],
  ['hostname', '12345', 'hostname', /all digits; RFC 1123 §2\.1/, 'hostname'],
  ['hostname', '10.0.0.1', 'hostname', /numeric in its last label/, 'hostname'],
  ['eth0_gateway', '127.0.0.1', 'eth0_gateway', /loopback/, 'network'],
  ['eth0_gateway', '224.0.0.1', 'eth0_gateway', /multicast/, 'network'],
  ['eth0_route', '"10.0.0.0/8 10.171.254.123"', 'eth0_route', /own address/, 'network'],
  // The kernel refuses a broadcast next hop, on-link or not (found while building the real-tool property test).
  ['eth0_gateway', '10.171.254.255', 'eth0_gateway', /^10\.171\.254\.255 is the broadcast address of eth0's \/24 subnet; the kernel refuses it as a next hop$/, 'network'],
  ['eth0_route', '"10.0.0.0/8 10.171.254.255"', 'eth0_route', /^route 10\.0\.0\.0\/8: gateway 10\.171\.254\.255 is the broadcast address/, 'network'],
  ['eth0_route', '"10.0.0.0/8 0.0.0.0"', 'eth0_route', /unspecified/, 'network'],
  ['hostname', `${'a'.repeat(64)}`, 'hostname', /64 characters; at most 63/, 'hostname'],
  ['hostname', `${'abcdefghi.'.repeat(25)}abcd`, 'hostname', /254 characters long/, 'hostname'],
  ['hostname', '"web 1"', 'hostname', /not a valid host name/, 'hostname'],
  ['hostname', "'a&&reboot'", 'hostname', /not a valid host name/, 'hostname'],
  ['hostname', '""', 'hostname', /is empty/, 'hostname'],
  ['dns_nameserver', '"7.7.7.7 8.8.8"', 'dns_nameserver', /"8\.8\.8" is not an IPv4 or IPv6 address/, 'dns'],
  ['dns_nameserver', '"7.7.7.7 fe80::1%eth0"', 'dns_nameserver', /not an IPv4 or IPv6 address/, 'dns'],
  ['password', 'cXdIcjEyMzQK=', 'password', /not valid Base64/, 'password'],
  ['password', 'cXdI cjEy', 'password', /text after the value/, 'password'],
  // base64 -d takes line breaks, not other blanks.
  ['password', '"cXdI cjEyMzQK"', 'password', /not valid Base64/, 'password'],
  ['password', 'cXdIcjEyMzQ', 'password', /not valid Base64/, 'password'],
  ['password', '""', 'password', /is empty/, 'password'],
  ['password', Buffer.from('abc\ndef\n').toString('base64'), 'password', /U\+000A.*inject another chpasswd line/, 'password'],
  ['password', Buffer.from('abc\0def').toString('base64'), 'password', /U\+0000/, 'password'],
  ['password', Buffer.from('\n\n').toString('base64'), 'password', /empty password/, 'password'],
  ['password', Buffer.from([0xff, 0xfe, 0x41]).toString('base64'), 'password', /UTF-8/, 'password'],
];

for (const [key, value, issueKey, message, concern] of errorCases) {
  test(`rejects ${key}=${value.length > 40 ? value.slice(0, 40) + '...' : value}`, (t) => {
    const r = readOsConf(withKey(key, value));
    const hit = r.errors.find((e) => e.key === issueKey && message.test(e.message));
    t.truthy(hit, JSON.stringify(r.errors));
    t.is(hit!.line, lineOf(key));
    t.false(r.valid[concern as keyof typeof r.valid]);
    // The other concerns stay valid: apply can still do them.
    for (const other of ['password', 'hostname', 'dns', 'network'] as const) {
      if (other !== concern) t.true(r.valid[other], `${other} should stay valid`);
    }
  });
}

test("a next hop that is another NIC's address or its subnet's broadcast is refused on the route's line", (t) => {
  const classic = `eth0_ip_addr=10.0.0.5\neth0_mac_addr=02:00:00:00:00:05\neth0_netmask=255.255.255.0\neth0_route="172.16.0.0/12 192.168.1.9"\neth1_ip_addr=192.168.1.9\neth1_mac_addr=02:00:00:00:00:09\neth1_netmask=255.255.255.0\neth1_gateway=192.168.1.1\neth1_route="203.0.113.0/24 10.0.0.255"\n`;
  const r = readOsConf(classic);
  t.deepEqual(
    r.errors.map((e) => [e.line, e.key, e.message]),
    [
      [4, 'eth0_route', "route 172.16.0.0/12: gateway 192.168.1.9 is eth1's address; the kernel refuses a local address as a next hop"],
      [9, 'eth1_route', "route 203.0.113.0/24: gateway 10.0.0.255 is the broadcast address of eth0's /24 subnet; the kernel refuses it as a next hop"],
    ],
  );
  t.false(r.valid.network);
  t.true(r.valid.dns && r.valid.hostname && r.valid.password);
});

// The cross-NIC checks index NICs once (issue 21: they were quadratic); every pair is still reported, in order.
test('three NICs sharing a MAC and an address: each later NIC is reported against every earlier one', (t) => {
  const nic = (i: number, mac: string) => `eth${i}_ip_addr=10.0.0.5\neth${i}_mac_addr=${mac}\neth${i}_netmask=255.255.255.0\n`;
  const r = readOsConf(`${nic(0, '02:00:00:00:00:05')}${nic(1, '02:00:00:00:00:05')}eth1_gateway=10.0.0.1\n${nic(2, '02:00:00:00:00:05')}`);
  t.deepEqual(
    r.errors.map((e) => [e.line, e.key, e.message]),
    [
      [4, 'eth1_ip_addr', "10.0.0.5 is also eth0's address"],
      [5, 'eth1_mac_addr', "02:00:00:00:00:05 is also eth0's MAC address"],
      [8, 'eth2_ip_addr', "10.0.0.5 is also eth0's address"],
      [8, 'eth2_ip_addr', "10.0.0.5 is also eth1's address"],
      [9, 'eth2_mac_addr', "02:00:00:00:00:05 is also eth0's MAC address"],
      [9, 'eth2_mac_addr', "02:00:00:00:00:05 is also eth1's MAC address"],
    ],
  );
});

test("the issue's example message format", (t) => {
  const text = vpcBase.replace('eth0_netmask=255.255.255.0', 'eth0_netmask=255.0.255.0');
  const r = readOsConf(text);
  t.is(formatIssue(r.errors[0]!), 'os.conf:5: eth0_netmask: 255.0.255.0 is not a contiguous netmask');
});

test('an incomplete NIC is rejected, naming every missing key', (t) => {
  const r = readOsConf('eth0_ip_addr=10.0.0.5\neth0_gateway=10.0.0.1\n');
  t.deepEqual(
    r.errors.map((e) => [e.line, e.key]),
    [
      [1, 'eth0_mac_addr'],
      [1, 'eth0_netmask'],
    ],
  );
  t.false(r.valid.network);
});

test('every problem is reported at once', (t) => {
  const r = readOsConf('hostname=-x\npassword=!!\neth0_ip_addr=1.2.3\ndns_nameserver=x\n');
  t.deepEqual(r.errors.map((e) => e.key), ['hostname', 'password', 'eth0_mac_addr', 'eth0_netmask', 'eth0_ip_addr', 'dns_nameserver']);
});

test('password: trailing newlines are dropped as $(...) drops them', (t) => {
  t.is(readOsConf(`password=${Buffer.from('Secr3t!pass\n\n').toString('base64')}\n`).config.password!.reveal(), 'Secr3t!pass');
  t.is(readOsConf(`password=${Buffer.from('Secr3t!pass').toString('base64')}\n`).config.password!.reveal(), 'Secr3t!pass');
});

test('password: a length the platform would refuse is only a warning', (t) => {
  const r = readOsConf(`password=${Buffer.from('short').toString('base64')}\n`);
  t.deepEqual(r.errors, []);
  t.regex(r.warnings[0]!.message, /5 characters; the platform requires 8 to 30/);
});

test('name servers: spaces or commas, IPv6 normalised, duplicates dropped with a warning', (t) => {
  const r = readOsConf('dns_nameserver="7.7.7.7, 2001:DB8::1,7.7.7.7  8.8.8.8"\n');
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config.nameservers, ['7.7.7.7', '2001:db8::1', '8.8.8.8']);
  t.regex(r.warnings[0]!.message, /twice/);
});

test('routes: extra blanks and a trailing ; are tolerated', (t) => {
  const r = readOsConf(withKey('eth0_route', '"  10.0.0.0/8   10.171.254.1 ; 0.0.0.0/0 10.171.254.1;"'));
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config.interfaces[0]!.routes, [
    { to: '10.0.0.0/8', via: '10.171.254.1' },
    { to: '0.0.0.0/0', via: '10.171.254.1' },
  ]);
});

test('MAC addresses are normalised to lower case', (t) => {
  t.is(readOsConf(withKey('eth0_mac_addr', '00:8C:FA:5E:14:2A')).config.interfaces[0]!.mac, '00:8c:fa:5e:14:2a');
});

test('two NICs cannot share a MAC or an address', (t) => {
  const r = readOsConf(`${vpcBase}\neth2_ip_addr=10.171.254.123\neth2_mac_addr=00:8c:fa:5e:14:23\neth2_netmask=255.255.255.0\n`);
  t.deepEqual(r.errors.map((e) => e.key), ['eth2_ip_addr', 'eth2_mac_addr']);
});

test('unknown keys are warnings and stay out of the model', (t) => {
  const r = readOsConf(`${vpcBase}\neth01_ip_addr=1.2.3.4\nfoo=bar\n`);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.warnings.map((w) => w.key), ['eth01_ip_addr', 'foo']);
});

test('a syntax error on an unknown key invalidates every concern', (t) => {
  const r = readOsConf(`${vpcBase}\nfoo=$(reboot)\n`);
  t.deepEqual(r.valid, { password: false, hostname: false, dns: false, network: false });
});

test('host name: one trailing dot is dropped, as hostnamectl does', (t) => {
  const r = readOsConf(withKey('hostname', 'web1.example.com.'));
  t.deepEqual(r.errors, []);
  t.is(r.config.hostname, 'web1.example.com');
});

test('host name: a valid FQDN over the kernel\'s 64 characters is kept whole, and the warning names the short name', (t) => {
  const fqdn = `${'a'.repeat(30)}.${'b'.repeat(29)}.example.com`; // 72 characters, RFC 1123 valid
  t.is(fqdn.length, 72);
  const r = readOsConf(withKey('hostname', fqdn));
  t.deepEqual(r.errors, []);
  t.is(r.config.hostname, fqdn);
  t.true(r.valid.hostname);
  t.true(r.warnings.some((w) => w.key === 'hostname' && w.message.includes(`first label "${'a'.repeat(30)}"`)), JSON.stringify(r.warnings));
});

test('a gateway outside the subnet (a /32 address) and routes through it are valid, with no warning', (t) => {
  const text = vpcBase
    .replace('eth0_netmask=255.255.255.0', 'eth0_netmask=255.255.255.255')
    .replace(/eth0_ip_addr=.*/, 'eth0_ip_addr=203.0.113.77')
    .replace(/eth0_gateway=.*/, 'eth0_gateway=203.0.113.1')
    .replace(/eth0_route=.*/, 'eth0_route="10.0.0.0/8 203.0.113.1"');
  const r = readOsConf(text);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.warnings.filter((w) => w.concerns.includes('network')), []);
  t.deepEqual(r.config.defaultRoute, { interface: 'eth0', via: '203.0.113.1' });
});

test('a Base64 password wrapped over two lines inside double quotes is one assignment, decoded as base64 -d does', (t) => {
  const encoded = Buffer.from('correct horse battery\n').toString('base64');
  const text = vpcBase.replace(/^password=.*$/m, `password="${encoded.slice(0, 12)}\n${encoded.slice(12)}"`);
  const r = readOsConf(text);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.valid, { password: true, hostname: true, dns: true, network: true });
  t.is(r.config.password!.reveal(), 'correct horse battery');
  // Lines after the wrapped value keep their own numbers.
  const hostLine = text.split('\n').findIndex((l) => l.startsWith('hostname=')) + 1;
  t.true(hostLine > 0);
});

test('a line that cannot be read refuses only the concern of the key it starts with', (t) => {
  const r = readOsConf(vpcBase.replace(/^password=.*$/m, 'password="cXdIcjEyMzQK'));
  t.true(r.errors.some((e) => e.key === 'password' && /unterminated double quote/.test(e.message)), JSON.stringify(r.errors));
  t.deepEqual(r.valid, { password: false, hostname: true, dns: true, network: true });
});
