// Input truth (issue 15): what osconf accepts, every stack applies; what no stack can apply, osconf refuses at
// validation for its concern alone. Each reproduction of the issue runs here against the real tools: Debian
// 12's systemd-networkd, netplan, ifupdown and NetworkManager, and iproute2 (osconf's fallback), inside
// throwaway namespaces (NetSandbox), read back with `ip -j`; the refusals through the bundled CLI.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceConfig } from '../../src/config/model.js';
import { readOsConf } from '../../src/config/validate.js';
import type { Stack } from '../../src/distro/profiles.js';
import { iproute2Activation } from '../../src/plan/activation.js';
import { nicViews } from '../../src/render/nic-view.js';
import { NetSandbox } from '../helpers/netns.js';
import { expectedAddresses, expectedRoutes, filesFor } from '../helpers/stack-files.js';
import { goldenDir, osconfBin } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';

const FQDN72 = `${'a'.repeat(30)}.${'b'.repeat(29)}.example.com`;
const PASSWORD = 'wrapped Pass-1234';
const base64 = Buffer.from(`${PASSWORD}\n`).toString('base64');

// The reproduction: a /32 address whose gateway is outside its subnet, a route through that gateway,
// an IPv6 name server first, a 72-character FQDN, the Base64 password wrapped over two lines in quotes.
const offLinkVpc = [
  `hostname=${FQDN72}`,
  `password="${base64.slice(0, 10)}`,
  `${base64.slice(10)}"`,
  'eth0_ip_addr=203.0.113.77',
  'eth0_mac_addr=02:00:5e:00:00:77',
  'eth0_netmask=255.255.255.255',
  'eth0_gateway=203.0.113.1',
  'eth0_route="10.0.0.0/8 203.0.113.1"',
  'dns_nameserver="2001:db8::53 192.0.2.53"',
  '',
].join('\n');

// Classic: eth0 on a /31 (its peer is the gateway, on-link), a route on eth0 through a gateway outside it;
// eth1 on a /32 with the default route through an off-subnet gateway.
const offLinkClassic = [
  'hostname=edge-1',
  'eth0_ip_addr=10.0.0.8',
  'eth0_mac_addr=02:00:5e:00:01:08',
  'eth0_netmask=255.255.255.254',
  'eth0_gateway=10.0.0.9',
  'eth0_route="172.16.0.0/12 10.0.0.9;192.168.0.0/16 10.0.7.1"',
  'eth1_ip_addr=198.51.100.20',
  'eth1_mac_addr=02:00:5e:00:01:20',
  'eth1_netmask=255.255.255.255',
  'eth1_gateway=198.51.100.1',
  'eth1_route="0.0.0.0/0 198.51.100.1"',
  'dns_nameserver="192.0.2.53"',
  '',
].join('\n');

function load(text: string): InstanceConfig {
  const r = readOsConf(text);
  if (r.errors.length > 0) throw new Error(`test os.conf is invalid: ${JSON.stringify(r.errors)}`);
  return r.config;
}

const cases: Array<[string, string]> = [
  ['off-subnet gateway on a /32 (VPC)', offLinkVpc],
  ['/31 and /32 with off-subnet next hops (classic)', offLinkClassic],
];



async function inSandbox(config: InstanceConfig, stack: Stack | null, script: string): Promise<{ box: NetSandbox; stdout: string; destroy: () => void }> {
  const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
  if (stack) box.addEtcFiles(filesFor(config, stack));
  const r = await box.runInRoot(script);
  if (r.code !== 0) {
    box.destroy();
    throw new Error(`sandbox script failed (${r.code}): ${r.stdout}${r.stderr}`);
  }
  return { box, stdout: r.stdout, destroy: () => box.destroy() };
}

const START_NETWORKD = `mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif
  /lib/systemd/systemd-networkd & pid=$!`;
// Waits until every route os.conf lists is there (or 10 s), for daemons that apply asynchronously.
const waitRoutes = (n: number) => `
for i in $(seq 1 100); do
  [ "$(ip -4 route show | grep -c ' via ')" -ge ${n} ] && break
  sleep 0.1
done`;

for (const [name, text] of cases) {
  const config = load(text);
  const routes = expectedRoutes(config).length;

  test(`systemd-networkd installs routes through off-subnet gateways: ${name}`, async (t) => {
    const { box, destroy } = await inSandbox(config, 'networkd', `${START_NETWORKD}\n${waitRoutes(routes)}\nkill $pid; wait $pid || true`);
    try {
      t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
    } finally {
      destroy();
    }
  });

  test(`netplan generates on-link routes that networkd installs: ${name}`, async (t) => {
    const { box, destroy } = await inSandbox(
      config,
      'netplan',
      `netplan generate
       # netplan matches PermanentMACAddress=; veth devices have no permanent address, real NICs do.
       sed -i 's/^PermanentMACAddress=/MACAddress=/' /run/systemd/network/*.network
       grep -h GatewayOnLink /run/systemd/network/*.network
       ${START_NETWORKD}
       ${waitRoutes(routes)}
       kill $pid; wait $pid || true`,
    );
    try {
      t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
    } finally {
      destroy();
    }
  });

  test(`ifup configures routes through off-subnet gateways: ${name}`, async (t) => {
    const { box, destroy } = await inSandbox(config, 'eni', 'mkdir -p /run/network\nifup -a');
    try {
      t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
      t.deepEqual([...(box.etcFile('/etc/resolv.conf') ?? '').matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]), config.nameservers);
    } finally {
      destroy();
    }
  });

  test(`NetworkManager activates our keyfiles with off-subnet gateways, name servers in order: ${name}`, async (t) => {
    const { box, stdout, destroy } = await inSandbox(
      config,
      'network-manager',
      `mkdir -p /run/dbus && dbus-daemon --system --fork
       NetworkManager --no-daemon > /run/nm.log 2>&1 & pid=$!
       for i in $(seq 1 100); do nmcli -t -f NAME,STATE connection show --active | grep -c '^osconf.*:activated$' | grep -qx ${config.interfaces.length} && break; sleep 0.1; done
       ${waitRoutes(routes)}
       nmcli -t -f NAME,DEVICE,STATE connection show --active
       kill $pid; wait $pid || true`,
    );
    try {
      // The whole profile was accepted: NetworkManager did not fall back to its own DHCP profile.
      for (const nic of config.interfaces) t.regex(stdout, new RegExp(`^osconf ${nic.name}:${nic.name}:activated$`, 'm'));
      t.notRegex(stdout, /Wired connection/);
      t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
      const resolv = box.etcFile('/etc/resolv.conf') ?? '';
      t.deepEqual([...resolv.matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]), config.nameservers, resolv);
    } finally {
      destroy();
    }
  });

  test(`iproute2 (osconf's fallback) installs routes through off-subnet gateways: ${name}`, async (t) => {
    const commands = iproute2Activation(nicViews(config)).map((a) => (a.kind === 'exec' ? a.argv.join(' ') : ''));
    const { box, destroy } = await inSandbox(config, null, commands.join('\n'));
    try {
      t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
    } finally {
      destroy();
    }
  });
}

// The whole reproduction through `osconf apply` on Debian's Node.js 18, with the stack's own tool.
for (const [stack, start] of [
  ['eni', 'mkdir -p /run/network'],
  ['network-manager', 'mkdir -p /run/dbus && dbus-daemon --system --fork && (NetworkManager --no-daemon > /run/nm.log 2>&1 &) && for i in $(seq 1 50); do nmcli -t -f RUNNING general 2>/dev/null | grep -q running && break; sleep 0.1; done'],
] as const) {
  test(`live apply with ${stack}: a 72-character FQDN, a wrapped password, an off-subnet gateway and an IPv6 name server all apply`, async (t) => {
    const config = load(offLinkVpc);
    const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
    try {
      box.addTmpFile('osconf', readFileSync(osconfBin), 0o755);
      box.addTmpFile('os.conf', offLinkVpc);
      const r = await box.runInRoot(`${start}
        /tmp/osconf apply --conf /tmp/os.conf --stack ${stack} --json > /tmp/out.json; code=$?
        echo "exit=$code"; echo "running=$(hostname)"
        grep -c '^root:\\$6\\$' /etc/shadow
        echo '--- json'; cat /tmp/out.json`);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, /^exit=0$/m, r.stdout + r.stderr);
      const result = JSON.parse(r.stdout.split('--- json\n')[1]!);
      t.deepEqual(result.concerns.map((c: { result: string }) => c.result), ['applied', 'applied', 'applied', 'applied'], r.stdout);
      // The kernel takes 64 characters: the first label, as cloud-init does with an FQDN; /etc/hosts has both.
      t.regex(r.stdout, new RegExp(`^running=${'a'.repeat(30)}$`, 'm'));
      t.is(box.etcFile('/etc/hostname'), `${'a'.repeat(30)}\n`);
      t.regex(box.etcFile('/etc/hosts') ?? '', new RegExp(`^203\\.0\\.113\\.77\\t${FQDN72.replace(/\./g, '\\.')} ${'a'.repeat(30)}\\t`, 'm'));
      t.regex(r.stdout, /^1$/m, 'root got a SHA-512 hash');
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
      // Secrets stay out of the output.
      t.false(r.stdout.includes(PASSWORD) || r.stdout.includes(base64.slice(0, 10)) || r.stderr.includes(PASSWORD));
    } finally {
      box.destroy();
    }
  });
}

// What no stack can apply is refused at validation, exit 3, naming line and key; the other concerns stay valid.
const vpc = readFileSync(join(goldenDir, 'off-link', 'input.conf'), 'utf8');
for (const [value, message] of [
  ['localhost', /loopback name/],
  ['localhost.localdomain', /loopback name/],
  ['12345', /all digits/],
  ['10.0.0.1', /numeric in its last label/],
] as const) {
  test(`show refuses hostname=${value} for the hostname concern only, exit 3`, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'osconf-truth-'));
    try {
      const path = join(work, 'os.conf');
      writeFileSync(path, vpc.replace(/^hostname=.*$/m, `hostname=${value}`));
      const r = await osconf(['show', '--conf', path, '--json']);
      t.is(r.code, 3, r.stderr);
      const json = JSON.parse(r.stdout);
      t.like(json.errors[0], { line: 1, key: 'hostname', concerns: ['hostname'] });
      t.regex(json.errors[0].message, message);
      t.deepEqual(json.valid, { password: true, hostname: false, dns: true, network: true });
      const text = await osconf(['show', '--conf', path]);
      t.regex(text.stderr + text.stdout, /os\.conf:1: hostname: /);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

test('live apply refuses hostname=localhost with exit 3 and applies the network, password and DNS', async (t) => {
  const text = offLinkVpc.replace(/^hostname=.*$/m, 'hostname=localhost');
  const config = load(offLinkVpc);
  const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
  try {
    box.addTmpFile('osconf', readFileSync(osconfBin), 0o755);
    box.addTmpFile('os.conf', text);
    const r = await box.runInRoot(`mkdir -p /run/network
      hostname before-osconf
      /tmp/osconf apply --conf /tmp/os.conf --stack eni --json > /tmp/out.json 2> /tmp/err.log; echo "exit=$?"; echo "running=$(hostname)"
      cat /tmp/err.log >&2; echo '--- json'; cat /tmp/out.json`);
    t.regex(r.stdout, /^exit=3$/m, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout.split('--- json\n')[1]!);
    t.deepEqual(
      Object.fromEntries(result.concerns.map((c: { concern: string; result: string }) => [c.concern, c.result])),
      { password: 'applied', network: 'applied', hostname: 'refused', dns: 'applied' },
      r.stdout,
    );
    t.regex(r.stderr, /os\.conf:1: hostname: "localhost" is the loopback name/);
    t.regex(r.stdout, /^running=before-osconf$/m);
    t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
  } finally {
    box.destroy();
  }
});
