// Proof by the real tools: each stack's own software, from Debian 12, reads osconf's files and configures
// NICs named and addressed like os.conf's inside a throwaway network namespace. Addresses and routes are read
// back with `ip -j`.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceConfig } from '../../src/config/model.js';
import { staticRoutes } from '../../src/config/model.js';
import { readOsConf } from '../../src/config/validate.js';
import { profileForStack, type Stack } from '../../src/distro/profiles.js';
import { renderSystem } from '../../src/render/system.js';
import { expectedFacts, factsOf } from '../helpers/network-facts.js';
import { debianRoot, NetSandbox } from '../helpers/netns.js';
import { examplesDir, goldenDir, osconfBin } from '../helpers/paths.js';

const load = (path: string): InstanceConfig => readOsConf(readFileSync(path)).config;
const cases: Array<[string, InstanceConfig]> = [
  ['vpc', load(join(examplesDir, 'vpc.conf'))],
  ['classic', load(join(examplesDir, 'classic.conf'))],
  ['three-nics', load(join(goldenDir, 'three-nics', 'input.conf'))],
];

function expectedAddresses(config: InstanceConfig): Record<string, string[]> {
  return Object.fromEntries(config.interfaces.map((n) => [n.name, [`${n.address}/${n.prefix}`]]));
}

function expectedRoutes(config: InstanceConfig): string[] {
  const routes = config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via} dev ${n.name}`));
  if (config.defaultRoute) routes.push(`0.0.0.0/0 via ${config.defaultRoute.via} dev ${config.defaultRoute.interface}`);
  return routes.sort();
}

function filesFor(config: InstanceConfig, stack: Stack) {
  const existing = (path: string): string | null => {
    try {
      return readFileSync(join(debianRoot, path), 'utf8');
    } catch {
      return null;
    }
  };
  return renderSystem({ config, profile: profileForStack(stack), existing }).files.filter((f) => f.concern !== 'hostname');
}

async function inSandbox(config: InstanceConfig, stack: Stack, script: string, check: (box: NetSandbox) => void | Promise<void>) {
  const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
  try {
    box.addEtcFiles(filesFor(config, stack));
    const r = await box.runInRoot(script);
    if (r.code !== 0) throw new Error(`sandbox script failed (${r.code}): ${r.stdout}${r.stderr}`);
    await check(box);
    return r;
  } finally {
    box.destroy();
  }
}

// systemd-networkd outside systemd: its state directory, the daemon in the background, then the wait below.
const START_NETWORKD = `mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif
       /lib/systemd/systemd-networkd & pid=$!`;

// Polls until the stack has configured what we expect, for daemons that apply asynchronously.
const DAEMON_WAIT = `
for i in $(seq 1 100); do
  if [ "$(ip -4 -o addr show | grep -c ' inet ' )" -ge "$EXPECT_ADDRS" ] && ip -4 route show default | grep -q via; then break; fi
  sleep 0.1
done`;

for (const [name, config] of cases) {
  const addrs = config.interfaces.length + 1; // + loopback

  test(`systemd-networkd applies our .network files: ${name}`, async (t) => {
    await inSandbox(
      config,
      'networkd',
      `${START_NETWORKD}
       EXPECT_ADDRS=${addrs}; ${DAEMON_WAIT}
       kill $pid; wait $pid || true`,
      (box) => {
        t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
        t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
      },
    );
  });

  test(`netplan generate accepts our YAML and networkd applies what it generates: ${name}`, async (t) => {
    const r = await inSandbox(
      config,
      'netplan',
      `mkdir -p /tmp/gen/etc && cp -r /etc/netplan /tmp/gen/etc/
       netplan generate --root-dir /tmp/gen
       for f in /tmp/gen/run/systemd/network/*.network; do echo "=== $f"; cat "$f"; done
       netplan generate
       # netplan matches PermanentMACAddress=; veth devices have no permanent address, real NICs do.
       sed -i 's/^PermanentMACAddress=/MACAddress=/' /run/systemd/network/*.network
       ${START_NETWORKD}
       EXPECT_ADDRS=${addrs}; ${DAEMON_WAIT}
       kill $pid; wait $pid || true`,
      (box) => {
        t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
        t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
      },
    );
    const units = r.stdout.split(/^=== /m).slice(1).map((chunk) => ({ path: chunk.split('\n')[0]!, text: chunk }));
    t.is(units.length, config.interfaces.length);
    t.deepEqual(factsOf('networkd', units), expectedFacts(config), 'the generated units carry our addresses, routes and DNS');
  });

  test(`ifupdown parses our interfaces files and ifup configures them: ${name}`, async (t) => {
    const r = await inSandbox(
      config,
      'eni',
      `ifquery --list
       mkdir -p /run/network
       ifup -a`,
      (box) => {
        t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
        t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
        // Without resolvconf, name servers go to a plain /etc/resolv.conf.
        t.deepEqual([...(box.etcFile('/etc/resolv.conf') ?? '').matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]), config.nameservers);
      },
    );
    t.deepEqual(r.stdout.trim().split('\n').sort(), ['lo', ...config.interfaces.map((n) => n.name)].sort());
  });

  test(`NetworkManager loads our keyfiles and activates them: ${name}`, async (t) => {
    const r = await inSandbox(
      config,
      'network-manager',
      `mkdir -p /run/dbus && dbus-daemon --system --fork
       NetworkManager --no-daemon > /run/nm.log 2>&1 & pid=$!
       EXPECT_ADDRS=${addrs}; ${DAEMON_WAIT}
       for i in $(seq 1 50); do nmcli -t -f NAME,DEVICE,STATE connection show --active | grep -c activated | grep -qx ${config.interfaces.length} && break; sleep 0.1; done
       nmcli -t -f NAME,DEVICE,STATE connection show --active
       kill $pid; wait $pid || true`,
      (box) => {
        t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
        t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
        const resolv = box.etcFile('/etc/resolv.conf') ?? '';
        for (const ns of config.nameservers.filter((n) => !n.includes(':'))) t.regex(resolv, new RegExp(`^nameserver ${ns.replace(/\./g, '\\.')}$`, 'm'));
      },
    );
    for (const nic of config.interfaces) t.regex(r.stdout, new RegExp(`^osconf ${nic.name}:${nic.name}:activated$`, 'm'));
  });
}

// Live `osconf apply` inside the Debian root, on Debian's own Node.js 18: the stack's own tool brings the NICs up.
for (const [stack, start] of [
  ['eni', 'mkdir -p /run/network'],
  ['network-manager', 'mkdir -p /run/dbus && dbus-daemon --system --fork && (NetworkManager --no-daemon > /run/nm.log 2>&1 &) && for i in $(seq 1 50); do nmcli -t -f RUNNING general 2>/dev/null | grep -q running && break; sleep 0.1; done'],
] as const) {
  test(`live apply with ${stack}: osconf brings NICs up with the stack's own tool (classic)`, async (t) => {
    const config = cases[1]![1];
    const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
    try {
      box.addTmpFile('osconf', readFileSync(osconfBin), 0o755);
      box.addTmpFile('os.conf', readFileSync(join(examplesDir, 'classic.conf')));
      const r = await box.runInRoot(`${start}
        /tmp/osconf apply --conf /tmp/os.conf --stack ${stack} --json --log-level debug`);
      t.is(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      t.deepEqual(result.concerns.map((c: { result: string }) => c.result), ['applied', 'applied', 'applied', 'applied'], r.stderr);
      const commands: string[] = result.concerns[1].commands;
      if (stack === 'eni') t.true(commands.includes('ifup eth1'), commands.join('\n'));
      else t.true(commands.some((c) => c.startsWith('nmcli connection up')), commands.join('\n'));
      t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
    } finally {
      box.destroy();
    }
  });
}
