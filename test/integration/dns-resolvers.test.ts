// The name servers reach the resolver really in charge, proven with Debian 12's own systemd-resolved, D-Bus,
// ifupdown and systemd-networkd from the tools root, in throwaway namespaces (test/helpers/netns.ts): what
// `resolvectl dns` reports is the answer. systemd is not PID 1 in the sandbox, so the daemons are started by
// the script in the order systemd would start them, and osconf (the bundle, on Debian's Node.js 18) sees no
// systemd: it asks resolved directly and brings NICs up with ifupdown or iproute2.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { profileForStack } from '../../src/distro/profiles.js';
import { renderSystem } from '../../src/render/system.js';
import { RESOLVERS } from '../fixtures/resolvers.js';
import { NetSandbox } from '../helpers/netns.js';
import { examplesDir, osconfBin } from '../helpers/paths.js';

const classicText = readFileSync(join(examplesDir, 'classic.conf'), 'utf8');
const classic = readOsConf(classicText).config;
const nics = classic.interfaces.map((n) => ({ name: n.name, mac: n.mac }));

// Debian 12's systemd-resolved package links resolv.conf to the stub; the daemons need the system bus.
const RESOLVED_IMAGE = `ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
mkdir -p /run/dbus /run/network /run/systemd && dbus-daemon --system --fork`;
// As its unit does: the runtime directory its user owns (RuntimeDirectory=), then the daemon, which drops to
// that user itself; it answers once it is on the bus.
const START_RESOLVED = `mkdir -p /run/systemd/resolve && chown systemd-resolve: /run/systemd/resolve
/lib/systemd/systemd-resolved > /run/resolved.log 2>&1 &
for i in $(seq 1 100); do resolvectl dns > /dev/null 2>&1 && break; sleep 0.1; done
echo "=== resolved.log"; cat /run/resolved.log`;
const START_NETWORKD = `mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif
/lib/systemd/systemd-networkd > /run/networkd.log 2>&1 &`;

/** The sections a script prints as `=== name` followed by its output. */
function sections(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split(/^=== /m).slice(1).map((chunk) => [chunk.slice(0, chunk.indexOf('\n')), chunk.slice(chunk.indexOf('\n') + 1)]));
}

const results = (json: string) => (JSON.parse(json) as { concerns: Array<{ concern: string; result: string; message?: string; files: string[] }> }).concerns;

/** Name servers per `resolvectl dns` line: `Global`, `eth1`, … */
function resolvectlDns(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of text.matchAll(/^(Global|Link \d+ \((\S+)\)):(.*)$/gm)) out[m[2] ?? 'Global'] = m[3]!.trim().split(/\s+/).filter(Boolean);
  return out;
}

async function inSandbox(script: string, setup: (box: NetSandbox) => void = () => undefined): Promise<{ box: NetSandbox; out: Record<string, string>; stderr: string }> {
  const box = NetSandbox.create(nics);
  try {
    box.addTmpFile('osconf', readFileSync(osconfBin), 0o755);
    box.addTmpFile('os.conf', classicText);
    setup(box);
    const r = await box.runInRoot(script, 120_000);
    if (r.code !== 0) throw new Error(`sandbox script failed (${r.code}): ${r.stdout}${r.stderr}`);
    return { box, out: sections(r.stdout), stderr: r.stderr };
  } catch (e) {
    box.destroy();
    throw e;
  }
}

test("Debian 12 with ifupdown and systemd-resolved (the issue's image): resolved reports os.conf's name servers, and a second apply finds them live", async (t) => {
  const { box, out } = await inSandbox(`${RESOLVED_IMAGE}
    # At boot osconf runs before the network; systemd then starts resolved (Before=sysinit.target).
    echo "=== first"; /tmp/osconf apply --conf /tmp/os.conf --stack eni --json 2> /tmp/first.log; echo "=== first.log"; cat /tmp/first.log
    ${START_RESOLVED}
    echo "=== resolvectl"; resolvectl dns
    echo "=== second"; /tmp/osconf apply --conf /tmp/os.conf --stack eni --json 2> /tmp/second.log; echo "=== second.log"; cat /tmp/second.log`);
  try {
    const first = results(out.first!);
    t.deepEqual(first.map((c) => c.result), ['applied', 'applied', 'applied', 'applied'], out['first.log']);
    t.deepEqual(first[3]!.files, ['/etc/systemd/resolved.conf.d/90-osconf.conf']);
    t.notRegex(box.etcFile('/etc/network/interfaces.d/50-osconf')!, /dns-nameservers/);
    t.deepEqual(resolvectlDns(out.resolvectl!).Global, ['7.7.7.7', '8.8.8.8'], out.resolvectl);
    const second = results(out.second!);
    t.deepEqual(second.map((c) => c.result), ['unchanged', 'unchanged', 'unchanged', 'unchanged'], out['second.log']);
    t.is(second[3]!.message, 'the resolver already reports them');
  } finally {
    box.destroy();
  }
});

test("Debian 12's if-up.d/resolved hook loses static dns-nameservers (why ifupdown's name servers go to a resolved drop-in)", async (t) => {
  // What a per-link hand-over would write: dns-nameservers in ifupdown's file (as for resolvconf's hook).
  const files = renderSystem({ config: classic, profile: profileForStack('eni'), resolver: RESOLVERS.resolvconf }).files.filter((f) => f.concern === 'network');
  t.regex(files.find((f) => f.path.endsWith('50-osconf'))!.content, /dns-nameservers 7\.7\.7\.7 8\.8\.8\.8/);
  const { box, out } = await inSandbox(
    `${RESOLVED_IMAGE}
    ifup -a 2> /tmp/ifup.log || true
    ${START_RESOLVED}
    echo "=== resolvectl"; resolvectl dns
    echo "=== state"; cat /run/systemd/resolve/netif/* 2>/dev/null || true
    echo "=== ifup"; cat /tmp/ifup.log`,
    (b) => b.addEtcFiles(files),
  );
  try {
    // The hook ran (resolved is enabled), but what it left for resolved is the word DNS, not the servers.
    t.regex(out.state!, /^SERVERS=DNS$/m, out.ifup);
    t.deepEqual(resolvectlDns(out.resolvectl!).eth1, [], 'if Debian fixes the hook, ifupdown may hand name servers to resolved per link again');
  } finally {
    box.destroy();
  }
});

// The stacks that hand name servers to resolved per link: osconf's files for each, the stack started as
// systemd would start it, then resolved's answer, and osconf finding it live.
// netplan's generator output for networkd only: a plain \`netplan generate\` also fills /run/systemd/system,
// which would tell osconf that systemd is PID 1 here.
const NETPLAN = `mkdir -p /tmp/gen/etc /run/systemd/network && cp -r /etc/netplan /tmp/gen/etc/
netplan generate --root-dir /tmp/gen && cp /tmp/gen/run/systemd/network/*.network /run/systemd/network/
# netplan matches PermanentMACAddress=; veth devices have no permanent address, real NICs do.
sed -i 's/^PermanentMACAddress=/MACAddress=/' /run/systemd/network/*.network
${START_NETWORKD}`;
const NETWORK_MANAGER = `NetworkManager --no-daemon > /run/nm.log 2>&1 &`;
for (const [stack, start] of [
  ['netplan', NETPLAN],
  ['network-manager', NETWORK_MANAGER],
] as const) {
  test(`${stack} and systemd-resolved: the name servers reach resolved on the primary NIC, and osconf finds them live`, async (t) => {
    const files = renderSystem({ config: classic, profile: profileForStack(stack), resolver: RESOLVERS.resolved }).files.filter((f) => f.concern !== 'hostname');
    t.deepEqual(files.filter((f) => f.concern === 'dns'), [], 'through the stack: no file of its own');
    const { box, out } = await inSandbox(
      `${RESOLVED_IMAGE}
      ${START_RESOLVED}
      ${start}
      for i in $(seq 1 300); do resolvectl dns eth1 2>/dev/null | grep -q 8.8.8.8 && break; sleep 0.1; done
      echo "=== resolvectl"; resolvectl dns
      echo "=== again"; /tmp/osconf apply --conf /tmp/os.conf --stack ${stack} --json 2> /tmp/again.log; echo "=== again.log"; cat /tmp/again.log`,
      (b) => b.addEtcFiles(files),
    );
    try {
      t.deepEqual(resolvectlDns(out.resolvectl!).eth1, ['7.7.7.7', '8.8.8.8'], out.resolvectl);
      t.deepEqual(resolvectlDns(out.resolvectl!).eth0 ?? [], [], 'only the NIC with the default route carries them');
      const again = results(out.again!);
      t.deepEqual([again[3]!.result, again[3]!.message], ['unchanged', 'the resolver already reports them'], out['again.log']);
    } finally {
      box.destroy();
    }
  });
}

test('systemd-networkd and systemd-resolved: DNS= reaches resolved on the primary NIC; osconf reads it back, and reports a resolver left behind', async (t) => {
  // The files osconf writes for Debian with networkd and resolved (the registry's networkd renderer).
  const files = renderSystem({ config: classic, profile: profileForStack('networkd'), resolver: RESOLVERS.resolved }).files.filter((f) => f.concern !== 'hostname');
  t.deepEqual(files.filter((f) => f.concern === 'dns'), [], 'through the stack: no file of its own');
  const changed = classicText.replace('dns_nameserver="7.7.7.7 8.8.8.8"', 'dns_nameserver="9.9.9.9"');
  const { box, out } = await inSandbox(
    `${RESOLVED_IMAGE}
    ${START_RESOLVED}
    ${START_NETWORKD}
    for i in $(seq 1 100); do resolvectl dns eth1 2>/dev/null | grep -q 8.8.8.8 && break; sleep 0.1; done
    echo "=== resolvectl"; resolvectl dns
    echo "=== again"; /tmp/osconf apply --conf /tmp/os.conf --stack networkd --json 2> /tmp/again.log; echo "=== again.log"; cat /tmp/again.log
    # New name servers, but nothing tells networkd (systemd is not here to report it running, so osconf falls
    # back to iproute2): resolved keeps the old ones, and osconf must say so.
    echo "=== changed"; /tmp/osconf apply --conf /tmp/changed.conf --stack networkd --json 2> /tmp/changed.log; code=$?; echo "=== changed.code"; echo $code
    echo "=== changed.log"; cat /tmp/changed.log`,
    (b) => {
      b.addEtcFiles(files);
      b.addTmpFile('changed.conf', changed);
    },
  );
  try {
    t.deepEqual(resolvectlDns(out.resolvectl!).eth1, ['7.7.7.7', '8.8.8.8'], out.resolvectl);
    t.deepEqual(resolvectlDns(out.resolvectl!).eth0, [], 'only the NIC with the default route carries them');
    const again = results(out.again!);
    t.is(again[1]!.result, 'unchanged', out['again.log']);
    t.deepEqual([again[3]!.result, again[3]!.message], ['unchanged', 'the resolver already reports them']);
    const changedRun = results(out.changed!);
    t.is(out['changed.code']!.trim(), '1');
    t.is(changedRun[3]!.result, 'failed', out['changed.log']);
    t.regex(changedRun[3]!.message!, /does not report os\.conf's name servers after 20 s: missing name server 9\.9\.9\.9 \(resolvectl dns reports 7\.7\.7\.7 8\.8\.8\.8\)/);
  } finally {
    box.destroy();
  }
});
