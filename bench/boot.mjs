// bench/boot: what configuring at boot adds to a boot. The same Debian 12 image (ifupdown) and the same
// settings (the guide's classic example), booted under qemu in five configurations, interleaved (round r boots
// each configuration once, one guest at a time, so load drifts hit all alike):
//   no agent         the settings applied offline (`osconf apply --root` into a copy of the image's /etc,
//                    the changed files baked in) and osconf disabled: the baseline;
//   osconf           first boot: os.conf on partition 1, osconf applies it;
//   osconf, no-op    a later boot: the instance booted once with os.conf, then no os.conf (each measured boot
//                    starts from that state);
//   cloud-init       cloud-init 22.4 alone, NoCloud seed from `osconf datasource --nocloud-dir`;
//   cloud-init mode  osconf sets the password and host name and hands cloud-init the network.
// Prints each one's boot total (systemd-analyze) and the time it adds to the baseline (median of the per-round
// differences), osconf's added time over cloud-init's, osconf's own steps (from its status, per step median),
// and what each left unapplied.
// Usage: npx tsc -p . && node bench/boot.mjs [boots]   (as root; builds the guest on first use)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const boots = Number(process.argv[2] ?? 3);
const repo = new URL('..', import.meta.url).pathname;
const { Guest, vmDir } = await import(join(repo, 'build/test/helpers/vm.js'));
const { readOsConf } = await import(join(repo, 'build/src/config/validate.js'));
const { staticRoutes } = await import(join(repo, 'build/src/config/model.js'));
const osconfBin = join(repo, 'dist/osconf');

const confPath = join(repo, 'examples/classic.conf');
const text = readFileSync(confPath, 'utf8');
const config = readOsConf(text).config;
const macs = config.interfaces.map((n) => n.mac);
const work = mkdtempSync(join(tmpdir(), 'osconf-bench-boot-'));
const seed = join(work, 'seed');
mkdirSync(seed);
execFileSync(process.execPath, [osconfBin, 'datasource', '--conf', confPath, '--nocloud-dir', seed, '--instance-id', 'iid-bench'], { stdio: 'ignore' });

/**
 * The baseline's files: osconf's own offline apply into a copy of the guest's /etc (the guest root is shared
 * through hard links, so it is copied, never written), and every file that changed, as the image carries them.
 */
function offlineFiles() {
  const root = join(work, 'offline-root');
  const etc = join(vmDir, 'rootfs', 'etc');
  cpSync(etc, join(root, 'etc'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
  cpSync(join(vmDir, 'rootfs', 'usr', 'lib', 'os-release'), join(root, 'usr', 'lib', 'os-release'));
  mkdirSync(join(root, 'etc', 'osconf'), { recursive: true });
  execFileSync('sh', ['-c', 'printf "[network]\\nstack = eni\\n" > "$1"', 'sh', join(root, 'etc', 'osconf', 'osconf.conf')]);
  execFileSync(process.execPath, [osconfBin, 'apply', '--root', root, '--conf', confPath], { stdio: 'ignore' });
  const files = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const rel = relative(root, p);
        const before = (() => {
          try {
            return readFileSync(join(vmDir, 'rootfs', rel), 'utf8');
          } catch {
            return null;
          }
        })();
        const now = readFileSync(p, 'utf8');
        if (now !== before) files[`/${rel}`] = { content: now, mode: st.mode & 0o7777 };
      }
    }
  };
  walk(join(root, 'etc'));
  files['/etc/osconf/disabled'] = { content: '', mode: 0o644 };
  return files;
}

const seconds = (s) => {
  let total = 0;
  for (const m of s.matchAll(/([\d.]+)(min|ms|s)\b/g)) total += Number(m[1]) * (m[2] === 'min' ? 60 : m[2] === 'ms' ? 0.001 : 1);
  return total;
};
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const expectedRoutes = [...config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via}`)), `0.0.0.0/0 via ${config.defaultRoute.via}`].sort();

const eni = { stack: 'eni', p1fs: 'vfat', expectAddresses: 2 };
const configs = [
  { label: 'no agent', spec: { ...eni, osConf: null, extraFiles: offlineFiles() } },
  { label: 'osconf', spec: { ...eni, osConf: text } },
  { label: 'osconf, no-op', spec: { ...eni, osConf: text }, warmUp: true },
  { label: 'cloud-init', spec: { ...eni, osConf: null, cloudInitSeed: seed } },
  { label: 'cloud-init mode', spec: { ...eni, osConf: text, cloudInit: true } },
];

const guests = [];
try {
  for (const c of configs) {
    c.guest = await Guest.create(c.spec);
    guests.push(c.guest);
    c.results = [];
    // The no-op configuration is an instance after its first boot: that boot (with os.conf) is kept, not measured.
    if (c.warmUp) await c.guest.boot(macs, { persist: true, timeoutSeconds: 900 });
  }
  for (let round = 0; round < boots; round++) {
    for (const c of configs) {
      const p = await c.guest.boot(macs, { timeoutSeconds: 900 });
      const total = /= ([\d.]+(?:min|ms|s)(?: [\d.]+(?:ms|s))?)\s*$/.exec(p.analyze)?.[1] ?? '';
      const units = Object.fromEntries([...p.unitTimes.matchAll(/^\s*([\d.]+(?:min|ms|s)(?: [\d.]+(?:ms|s))?) (\S+)$/gm)].map((m) => [m[2], seconds(m[1])]));
      const agent = Object.entries(units).filter(([u]) => /^(osconf|cloud-init-local|cloud-init|cloud-config|cloud-final)\.service$/.test(u)).reduce((a, [, v]) => a + v, 0);
      const missing = [
        ...expectedRoutes.filter((r) => !p.routes.includes(r)).map((r) => `route ${r}`),
        ...config.nameservers.filter((ns) => !p.resolv.includes(ns)).map((ns) => `name server ${ns}`),
        ...(p.hostname === config.hostname ? [] : [`host name (got ${p.hostname})`]),
      ];
      const steps = p.status?.ranThisBoot ? p.status.steps : [];
      c.results.push({ total: seconds(total), agent, missing, steps, unitStatus: p.unitStatus.match(/StatusText=(.*)/)?.[1] ?? '' });
      process.stderr.write(`round ${round + 1}, ${c.label}: total ${total || '?'}, agent units ${agent.toFixed(2)} s${missing.length ? `, missing: ${missing.join(', ')}` : ''}\n`);
    }
  }
} finally {
  for (const g of guests) g.destroy();
  rmSync(work, { recursive: true, force: true });
}

const [base, first, noop, cloud, handoff] = configs;
const added = (c) => median(c.results.map((r, i) => r.total - base.results[i].total));
const fmt = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)} s` : 'n/a');
console.log(`bench/boot: ${boots} rounds, interleaved, one guest at a time, qemu (${process.env.OSCONF_VM_ACCEL ?? 'TCG'}), Debian 12 + ifupdown, examples/classic.conf`);
console.log(`  ${'configuration'.padEnd(16)} ${'boot total'.padStart(10)} ${'added'.padStart(10)} ${'agent units'.padStart(12)}  not applied`);
for (const c of configs) {
  const notApplied = c === base ? '' : [...new Set(c.results.flatMap((r) => r.missing))].join(', ') || 'nothing';
  console.log(`  ${c.label.padEnd(16)} ${`${median(c.results.map((r) => r.total)).toFixed(2)} s`.padStart(10)} ${(c === base ? '' : fmt(added(c))).padStart(10)} ${`${median(c.results.map((r) => r.agent)).toFixed(2)} s`.padStart(12)}  ${notApplied}`);
}
console.log(`  osconf's added time / cloud-init's: first boot ${(added(first) / added(cloud)).toFixed(3)}, cloud-init mode ${(added(handoff) / added(cloud)).toFixed(3)}`);
for (const c of [first, noop, handoff]) {
  const names = [...new Set(c.results.flatMap((r) => r.steps.map((s) => s.name)))];
  const line = names.map((n) => `${n} ${median(c.results.flatMap((r) => r.steps.filter((s) => s.name === n).map((s) => s.durationMs)))} ms`).join(', ');
  console.log(`  osconf's steps (${c.label}, median): ${line || `no osconf run this boot (${c.results[0]?.unitStatus || 'no status'})`}`);
}
