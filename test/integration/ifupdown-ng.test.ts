// Alpine's stack: ifupdown-ng (Debian 12's package, 0.11.4~rc1; Alpine ships upstream releases, and the parser
// and static executor of 0.11.3 and 0.12.1, the newest release, differ only in VXLAN keywords) reads what osconf
// writes for an Alpine image and configures os.conf's addresses and routes. In an Alpine-like root (test/helpers/alpine-root.ts): osconf detects Alpine from os-release and edits
// Alpine's own /etc/network/interfaces; then the boot's `ifup -a`, or osconf's live apply followed by the
// networking service's start as Alpine's OpenRC script does it. Checked with `ip -j` from outside.
// The same main file without a source line is also read by Debian's ifupdown (the last test).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceConfig } from '../../src/config/model.js';
import { readOsConf } from '../../src/config/validate.js';
import { PROFILES } from '../../src/distro/profiles.js';
import { ENI_SOURCE_COMMENT, ENI_SOURCE_LINE } from '../../src/render/eni.js';
import { renderSystem } from '../../src/render/system.js';
import { ALPINE_INTERFACES, AlpineLayer, AlpineSandbox } from '../helpers/alpine-root.js';
import { NetSandbox } from '../helpers/netns.js';
import { examplesDir, goldenDir } from '../helpers/paths.js';
import { expectedAddresses, expectedRoutes } from '../helpers/stack-files.js';

const texts = {
  vpc: readFileSync(join(examplesDir, 'vpc.conf'), 'utf8'),
  classic: readFileSync(join(examplesDir, 'classic.conf'), 'utf8'),
  // Netmasks other than ifupdown-ng's default /24 (/20 on the first NIC, /22), three NICs.
  'three-nics': readFileSync(join(goldenDir, 'three-nics', 'input.conf'), 'utf8'),
  // A /32 address whose gateway is outside it (the default route and a static route go `onlink`).
  'off-link': readFileSync(join(goldenDir, 'off-link', 'input.conf'), 'utf8'),
};
const configOf = (text: string): InstanceConfig => readOsConf(text).config;
const nicsOf = (config: InstanceConfig) => config.interfaces.map((n) => ({ name: n.name, mac: n.mac }));
const ifaceNames = (config: InstanceConfig) => ['lo', ...config.interfaces.map((n) => n.name)];

// One Alpine-like root for the file (installing ifupdown-ng takes a few seconds); each test adds its own layer.
let layer: AlpineLayer | null = null;
const alpine = (): AlpineLayer => {
  if (!layer) throw new Error('the Alpine layer was not made');
  return layer;
};
test.before(async () => {
  layer = await AlpineLayer.create();
});
test.after.always(() => layer?.destroy());

/** Alpine's networking service (ifupdown-ng's dist/openrc/networking.initd): `ifup` per auto interface. */
const NETWORKING_START = `for i in $(ifquery --auto --list); do ifup "$i" || { echo "ifup $i failed"; exit 1; }; done`;

for (const [name, text] of Object.entries(texts)) {
  const config = configOf(text);

  test(`ifupdown-ng reads osconf's files for Alpine, written offline, and ifup -a configures them: ${name}`, async (t) => {
    const box = AlpineSandbox.create(alpine(), nicsOf(config), text);
    try {
      t.regex(alpine().version, /^ifupdown-ng /, 'ifup is ifupdown-ng');
      // The image builder's (or an earlier boot's) offline apply: files only.
      const offline = await box.run('/tmp/osconf apply --conf /tmp/os.conf --root /mnt/target --json');
      t.is(offline.code, 0, offline.stderr);
      const result = JSON.parse(offline.stdout);
      t.is(result.profile, 'alpine-3 (alpine)');
      t.deepEqual(result.concerns[1].files, ['/etc/network/interfaces', '/etc/network/interfaces.d/50-osconf']);
      t.deepEqual(result.concerns[1].commands, [], 'offline: nothing run');
      // Alpine's loopback stanza kept; our file sourced by a line ifupdown-ng can read.
      t.is(box.file('etc/network/interfaces'), `${ALPINE_INTERFACES}\n${ENI_SOURCE_COMMENT}\n${ENI_SOURCE_LINE}\n`);

      // The boot: ifupdown-ng parses the configuration and brings every auto interface up.
      const boot = await box.run(`ifquery --list; echo "--- ifparse"; ifparse -A; echo "--- ifup"; ifup -a; echo "ifup -a exit $?"; ifquery --state`);
      t.is(boot.code, 0, boot.stdout + boot.stderr);
      const [list, rest] = boot.stdout.split('--- ifparse\n') as [string, string];
      t.deepEqual(list.trim().split('\n').sort(), ifaceNames(config).sort(), boot.stderr);
      t.regex(rest, /^ifup -a exit 0$/m, boot.stdout + boot.stderr);
      t.is(boot.stderr, '', 'ifupdown-ng reports no error or unknown keyword');
      for (const nic of config.interfaces) {
        t.regex(rest, new RegExp(`^iface ${nic.name}\\n(  .*\\n)*  use static\\n`, 'm'), `${nic.name} uses the static executor`);
        t.regex(rest, new RegExp(`^${nic.name}=${nic.name} 1 explicit$`, 'm'), `${nic.name} is up in ifupdown-ng's state`);
      }
      t.deepEqual(box.netns.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.netns.gatewayRoutes(), expectedRoutes(config));
    } finally {
      box.destroy();
    }
  });
}

for (const name of ['vpc', 'classic'] as const) {
  const text = texts[name];
  const config = configOf(text);

  test(`live apply on Alpine: osconf brings the NICs up with ifupdown-ng, the networking service then adds nothing: ${name}`, async (t) => {
    const box = AlpineSandbox.create(alpine(), nicsOf(config), text);
    try {
      const r = await box.run(`/tmp/osconf apply --conf /tmp/os.conf --json > /tmp/first.json; echo "apply exit $?" >&2
        # osconf's ifup is in ifupdown-ng's state, so the networking service, which OpenRC starts after osconf
        # (osconf's OpenRC script is ordered before it), skips those NICs instead of adding their routes again.
        ifquery --state >&2
        ${NETWORKING_START}
        echo "networking exit $?" >&2
        /tmp/osconf apply --conf /tmp/os.conf --json > /tmp/second.json; echo "second apply exit $?" >&2
        cat /tmp/first.json; echo "--- second"; cat /tmp/second.json`);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stderr, /^apply exit 0$/m, r.stderr);
      t.regex(r.stderr, /^networking exit 0$/m, r.stderr);
      t.regex(r.stderr, /^second apply exit 0$/m, r.stderr);
      const [first, second] = r.stdout.split('--- second\n').map((s) => JSON.parse(s));
      t.is(first.profile, 'alpine-3 (alpine)');
      t.deepEqual(first.concerns.map((c: { result: string }) => c.result), ['applied', 'applied', 'applied', 'applied'], r.stderr);
      for (const nic of config.interfaces) t.true(first.concerns[1].commands.includes(`ifup ${nic.name}`), first.concerns[1].commands.join('\n'));
      t.deepEqual(second.concerns.map((c: { result: string }) => c.result), ['unchanged', 'unchanged', 'unchanged', 'unchanged'], 'a second run changes nothing');
      for (const nic of config.interfaces) t.regex(r.stderr, new RegExp(`^${nic.name}=${nic.name} 1 explicit$`, 'm'), `${nic.name} is up in ifupdown-ng's state`);
      t.deepEqual(box.netns.ipv4ByNic(), expectedAddresses(config));
      t.deepEqual(box.netns.gatewayRoutes(), expectedRoutes(config));
      t.deepEqual([...(box.file('etc/resolv.conf') ?? '').matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]), config.nameservers);
    } finally {
      box.destroy();
    }
  });
}

test("Debian's ifupdown reads the same edit of a main file without a source line", async (t) => {
  const config = configOf(texts.classic);
  // Rendered for Debian (its profile) from Alpine's main file, which has no source line.
  const files = renderSystem({
    config,
    profile: PROFILES['debian-ifupdown'],
    existing: (path) => (path === '/etc/network/interfaces' ? ALPINE_INTERFACES : null),
  }).files.filter((f) => f.concern === 'network');
  t.is(files.find((f) => f.path === '/etc/network/interfaces')?.content, `${ALPINE_INTERFACES}\n${ENI_SOURCE_COMMENT}\n${ENI_SOURCE_LINE}\n`);
  const box = NetSandbox.create(nicsOf(config));
  try {
    box.addEtcFiles(files);
    const r = await box.runInRoot('ifquery --list; mkdir -p /run/network; ifup -a');
    t.is(r.code, 0, r.stdout + r.stderr);
    t.deepEqual(r.stdout.trim().split('\n').sort(), ifaceNames(config).sort());
    t.deepEqual(box.ipv4ByNic(), expectedAddresses(config));
    t.deepEqual(box.gatewayRoutes(), expectedRoutes(config));
  } finally {
    box.destroy();
  }
});

test("an Alpine image whose interfaces file sources interfaces.d by wildcard (a Debian habit, or an older osconf's line), which ifupdown-ng refuses whole: osconf comments it out and ifup -a configures os.conf", async (t) => {
  const config = configOf(texts.classic);
  const box = AlpineSandbox.create(alpine(), nicsOf(config), texts.classic);
  try {
    const before = await box.run('mkdir -p /etc/network/interfaces.d && echo "source /etc/network/interfaces.d/*" >> /etc/network/interfaces && ifquery --list');
    t.not(before.code, 0, `ifupdown-ng refuses the wildcard line: ${before.stdout}${before.stderr}`);
    const offline = await box.run('/tmp/osconf apply --conf /tmp/os.conf --root /mnt/target --json');
    t.is(offline.code, 0, offline.stderr);
    t.is(
      box.file('etc/network/interfaces'),
      `${ALPINE_INTERFACES}# source /etc/network/interfaces.d/*  # osconf: ifupdown-ng reads no wildcards and would refuse this whole file\n\n${ENI_SOURCE_COMMENT}\n${ENI_SOURCE_LINE}\n`,
    );
    const boot = await box.run('ifup -a; echo "ifup -a exit $?"');
    t.regex(boot.stdout, /^ifup -a exit 0$/m, boot.stdout + boot.stderr);
    t.deepEqual(box.netns.ipv4ByNic(), expectedAddresses(config));
    t.deepEqual(box.netns.gatewayRoutes(), expectedRoutes(config));
  } finally {
    box.destroy();
  }
});

test("a stack change on Alpine removes osconf's file and the line that sourced it, which ifupdown-ng would otherwise refuse whole", async (t) => {
  const config = configOf(texts.classic);
  const box = AlpineSandbox.create(alpine(), nicsOf(config), texts.classic);
  try {
    const eni = await box.run('/tmp/osconf apply --conf /tmp/os.conf --root /mnt/target --json');
    t.is(eni.code, 0, eni.stderr);
    t.regex(box.file('etc/network/interfaces')!, new RegExp(`^${ENI_SOURCE_LINE}$`, 'm'));
    // The image builder moves the image to another stack; osconf's next run takes its ENI file away.
    const moved = await box.run(`mkdir -p /etc/osconf && printf '[network]\\nstack = networkd\\n' > /etc/osconf/osconf.conf
      /tmp/osconf apply --conf /tmp/os.conf --root /mnt/target --json; echo "apply exit $?" >&2
      test -e /etc/network/interfaces.d/50-osconf && echo "50-osconf still there" >&2
      ifquery --list; echo "ifquery exit $?" >&2`);
    t.regex(moved.stderr, /^apply exit 0$/m, moved.stderr);
    t.notRegex(moved.stderr, /50-osconf still there/);
    t.is(box.file('etc/network/interfaces'), ALPINE_INTERFACES, "Alpine's own file again");
    t.regex(moved.stderr, /^ifquery exit 0$/m, `ifupdown-ng reads the configuration: ${moved.stderr}`);
    t.regex(moved.stdout, /^lo$/m);
  } finally {
    box.destroy();
  }
});
