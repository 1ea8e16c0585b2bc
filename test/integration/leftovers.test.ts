// The image as it really is: a cloud image's or an installer's network configuration is still there. osconf
// writes its files offline (apply --root, as before the stack's first start at boot), neutralising in the
// stack's own idiom whatever the stack would apply to os.conf's NIC; then the real stack from Debian 12 starts
// cold in a throwaway namespace, and the NIC must carry os.conf's address and routes. Each case is also run
// with the neutralisation undone, to show that the leftover really wins without it.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import type { Stack } from '../../src/distro/profiles.js';
import { NetSandbox } from '../helpers/netns.js';
import { examplesDir, osconfBin } from '../helpers/paths.js';

const text = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');
const config = readOsConf(text).config;
const expected = { addresses: { eth0: ['10.171.254.123/24'] }, routes: ['0.0.0.0/0 via 10.171.254.1 dev eth0'] };

const START_NETWORKD = `mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif
  /lib/systemd/systemd-networkd > /run/networkd.log 2>&1 & pid=$!
  for i in $(seq 1 60); do ip -4 route show default | grep -q via && break; sleep 0.1; done
  sleep 0.5; kill $pid; wait $pid || true`;

const START: Record<string, string> = {
  networkd: START_NETWORKD,
  // netplan matches PermanentMACAddress=; veth devices have none, real NICs do.
  netplan: `netplan generate && sed -i 's/^PermanentMACAddress=/MACAddress=/' /run/systemd/network/*.network
  ${START_NETWORKD}`,
  eni: 'mkdir -p /run/network && ifup -a || true',
  'network-manager': `mkdir -p /run/dbus && dbus-daemon --system --fork
  NetworkManager --no-daemon > /run/nm.log 2>&1 & pid=$!
  for i in $(seq 1 80); do ip -4 route show default | grep -q via && break; sleep 0.1; done
  sleep 1; nmcli -t -f NAME,DEVICE connection show --active; kill $pid; wait $pid || true`,
};

interface Leftover {
  title: string;
  stack: Stack;
  files: Array<{ path: string; content: string; mode?: number }>;
  /** What stays of the leftover afterwards, checked in the sandbox's /etc. */
  after: (box: NetSandbox) => void;
}

const leftovers: Leftover[] = [
  {
    title: "netplan: a cloud image's catch-all DHCP file (50-cloud-init.yaml)",
    stack: 'netplan',
    files: [{ path: '/etc/netplan/50-cloud-init.yaml', content: 'network:\n  version: 2\n  ethernets:\n    all-en:\n      match:\n        name: "e*"\n      dhcp4: true\n', mode: 0o600 }],
    after: (box) => {
      if (box.etcFile('/etc/netplan/50-cloud-init.yaml') !== null) throw new Error('50-cloud-init.yaml still read by netplan');
    },
  },
  {
    title: "netplan: an installer's 00-installer-config.yaml for the NIC (by MAC), with another NIC kept",
    stack: 'netplan',
    files: [
      {
        path: '/etc/netplan/00-installer-config.yaml',
        content: `network:\n  version: 2\n  ethernets:\n    ens3:\n      match:\n        macaddress: "${config.interfaces[0]!.mac}"\n      dhcp4: true\n    eth9:\n      dhcp4: true\n`,
        mode: 0o600,
      },
    ],
    after: (box) => {
      const left = box.etcFile('/etc/netplan/00-installer-config.yaml') ?? '';
      if (!/eth9:/.test(left) || /ens3:/.test(left)) throw new Error(`00-installer-config.yaml: ${left}`);
    },
  },
  {
    title: 'systemd-networkd: a 10-*.network for the NIC that sorts before osconf',
    stack: 'networkd',
    files: [{ path: '/etc/systemd/network/10-dhcp.network', content: '[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n' }],
    after: (box) => {
      if (box.etcFile('/etc/systemd/network/10-dhcp.network') !== null) throw new Error('10-dhcp.network still there');
    },
  },
  {
    title: 'ifupdown: an interfaces.d DHCP stanza for the NIC',
    stack: 'eni',
    files: [{ path: '/etc/network/interfaces.d/50-cloud-init', content: 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n' }],
    after: (box) => {
      const left = box.etcFile('/etc/network/interfaces.d/50-cloud-init') ?? '';
      if (!/^# iface eth0 inet dhcp/m.test(left) || !/^iface lo inet loopback$/m.test(left)) throw new Error(`50-cloud-init: ${left}`);
    },
  },
  {
    title: 'NetworkManager: a DHCP profile bound to the NIC',
    stack: 'network-manager',
    files: [
      {
        path: '/etc/NetworkManager/system-connections/Wired.nmconnection',
        content: '[connection]\nid=Wired\nuuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\ntype=ethernet\ninterface-name=eth0\nautoconnect-priority=999\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=ignore\n',
        mode: 0o600,
      },
    ],
    after: (box) => {
      if (box.etcFile('/etc/NetworkManager/system-connections/Wired.nmconnection') !== null) throw new Error('the profile is still there');
    },
  },
];

async function boot(leftover: Leftover, neutralise: boolean) {
  const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
  try {
    box.addEtcFiles(leftover.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode ?? 0o644 })));
    box.addTmpFile('osconf', readFileSync(osconfBin), 0o755);
    box.addTmpFile('os.conf', text);
    // Without neutralisation (the control): osconf's files only, as rendered for this stack.
    const apply = neutralise
      ? `/tmp/osconf apply --root /mnt/target --conf /tmp/os.conf --stack ${leftover.stack} --json > /tmp/apply.json 2> /tmp/apply.log; echo "apply exit $?"; cat /tmp/apply.json; cat /tmp/apply.log >&2`
      : `/tmp/osconf render --conf /tmp/os.conf --stack ${leftover.stack} --json > /tmp/render.json && node -e '
          const fs = require("fs"), path = require("path");
          for (const f of JSON.parse(fs.readFileSync("/tmp/render.json", "utf8")).files) if (f.concern === "network") {
            fs.mkdirSync(path.dirname(f.path), { recursive: true }); fs.writeFileSync(f.path, f.content, { mode: parseInt(f.mode, 8) });
          }'`;
    const r = await box.runInRoot(`${apply}\n${START[leftover.stack]}`, 90_000, true);
    return { box, r, state: { addresses: box.ipv4ByNic(), routes: box.gatewayRoutes() } };
  } catch (e) {
    box.destroy();
    throw e;
  }
}

for (const leftover of leftovers) {
  test(leftover.title, async (t) => {
    const { box, r, state } = await boot(leftover, true);
    try {
      t.regex(r.stdout, /^apply exit 0$/m, r.stdout + r.stderr);
      const result = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1)) as { concerns: Array<{ concern: string; warnings?: string[]; files: string[] }> };
      const network = result.concerns.find((c) => c.concern === 'network')!;
      t.true((network.warnings ?? []).some((w) => w.startsWith(leftover.files[0]!.path)), `a warning names ${leftover.files[0]!.path}: ${JSON.stringify(network.warnings)}`);
      t.regex(r.stderr, new RegExp(`warning: network: ${leftover.files[0]!.path.replace(/\./g, '\\.')}`), 'logged as a warning');
      t.deepEqual(state, expected, r.stdout + r.stderr);
      t.notThrows(() => leftover.after(box));
    } finally {
      box.destroy();
    }
  });

  test(`control, without neutralisation: ${leftover.title} wins`, async (t) => {
    const { box, r, state } = await boot(leftover, false);
    try {
      t.notDeepEqual(state, expected, `the leftover should have won: ${r.stdout}${r.stderr}`);
    } finally {
      box.destroy();
    }
  });
}
