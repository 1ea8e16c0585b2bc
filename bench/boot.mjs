// bench/boot: the same Debian 12 image (ifupdown) and the same settings (the guide's classic example),
// configured at boot by osconf alone, by cloud-init 22.4 alone (NoCloud seed made by
// `osconf datasource --nocloud-dir`) and by osconf in cloud-init mode (osconf hands cloud-init the network),
// several boots each under qemu. Prints the median boot totals
// (systemd-analyze), the agents' own unit times, the ratio osconf / cloud-init, and what each one left
// unapplied. Usage: npx tsc -p . && node bench/boot.mjs [boots]   (as root; builds the guest on first use)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const boots = Number(process.argv[2] ?? 3);
const repo = new URL('..', import.meta.url).pathname;
const { Guest } = await import(join(repo, 'build/test/helpers/vm.js'));
const { readOsConf } = await import(join(repo, 'build/src/config/validate.js'));
const { staticRoutes } = await import(join(repo, 'build/src/config/model.js'));

const confPath = join(repo, 'examples/classic.conf');
const text = readFileSync(confPath, 'utf8');
const config = readOsConf(text).config;
const macs = config.interfaces.map((n) => n.mac);
const seed = mkdtempSync(join(tmpdir(), 'osconf-bench-seed-'));
execFileSync(process.execPath, [join(repo, 'dist/osconf'), 'datasource', '--conf', confPath, '--nocloud-dir', seed, '--instance-id', 'iid-bench'], { stdio: 'ignore' });

const seconds = (s) => {
  let total = 0;
  for (const m of s.matchAll(/([\d.]+)(min|ms|s)\b/g)) total += Number(m[1]) * (m[2] === 'min' ? 60 : m[2] === 'ms' ? 0.001 : 1);
  return total;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const expectedRoutes = [...config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via}`)), `0.0.0.0/0 via ${config.defaultRoute.via}`].sort();

async function measure(label, spec) {
  const results = [];
  const guest = await Guest.create(spec);
  try {
    for (let i = 0; i < boots; i++) {
      const p = await guest.boot(macs);
      const total = /= ([\d.]+(?:min|ms|s)(?: [\d.]+(?:ms|s))?)\s*$/.exec(p.analyze)?.[1] ?? '';
      const userspace = /\+ ([\d.]+(?:min|ms|s)(?: [\d.]+(?:ms|s))?) \(userspace\)/.exec(p.analyze)?.[1] ?? '';
      const units = Object.fromEntries([...p.unitTimes.matchAll(/^\s*([\d.]+(?:min|ms|s)(?: [\d.]+(?:ms|s))?) (\S+)$/gm)].map((m) => [m[2], seconds(m[1])]));
      const agent = Object.entries(units).filter(([u]) => /^(osconf|cloud-init-local|cloud-init|cloud-config|cloud-final)\.service$/.test(u)).reduce((a, [, v]) => a + v, 0);
      const missing = [
        ...expectedRoutes.filter((r) => !p.routes.includes(r)).map((r) => `route ${r}`),
        ...config.nameservers.filter((ns) => !p.resolv.includes(ns)).map((ns) => `name server ${ns}`),
        ...(p.hostname === config.hostname ? [] : [`host name (got ${p.hostname})`]),
      ];
      results.push({ total: seconds(total), userspace: seconds(userspace), agent, units, missing });
      process.stderr.write(`${label} boot ${i + 1}: total ${total}, agent units ${agent.toFixed(2)} s${missing.length ? `, missing: ${missing.join(', ')}` : ''}\n`);
    }
  } finally {
    guest.destroy();
  }
  return results;
}

const osconf = await measure('osconf', { stack: 'eni', p1fs: 'vfat', osConf: text, expectAddresses: 2 });
const cloud = await measure('cloud-init', { stack: 'eni', p1fs: 'vfat', osConf: null, expectAddresses: 2, cloudInitSeed: seed });
// osconf in cloud-init mode (auto, cloud-init enabled): osconf sets the password and host name and hands
// cloud-init the network through its NoCloud seed; both agents' units are counted.
const handoff = await measure('cloud-init mode', { stack: 'eni', p1fs: 'vfat', osConf: text, expectAddresses: 2, cloudInit: true });
rmSync(seed, { recursive: true, force: true });

const row = (label, r) =>
  `  ${label.padEnd(16)} boot total median ${median(r.map((x) => x.total)).toFixed(2)} s, userspace ${median(r.map((x) => x.userspace)).toFixed(2)} s, its units ${median(r.map((x) => x.agent)).toFixed(2)} s`;
console.log(`bench/boot: ${boots} boots each, qemu (${process.env.OSCONF_VM_ACCEL ?? 'TCG'}), Debian 12 + ifupdown, examples/classic.conf`);
console.log(row('osconf', osconf));
console.log(row('cloud-init', cloud));
console.log(row('cloud-init mode', handoff));
console.log(`  ratio osconf / cloud-init: boot total ${(median(osconf.map((x) => x.total)) / median(cloud.map((x) => x.total))).toFixed(3)}, agent units ${(median(osconf.map((x) => x.agent)) / median(cloud.map((x) => x.agent))).toFixed(3)}`);
console.log(`  not applied by osconf: ${[...new Set(osconf.flatMap((x) => x.missing))].join(', ') || 'nothing'}`);
console.log(`  ratio cloud-init mode / osconf: boot total ${(median(handoff.map((x) => x.total)) / median(osconf.map((x) => x.total))).toFixed(3)}, agent units ${(median(handoff.map((x) => x.agent)) / median(osconf.map((x) => x.agent))).toFixed(3)}`);
console.log(`  not applied by cloud-init: ${[...new Set(cloud.flatMap((x) => x.missing))].join(', ') || 'nothing'}`);
console.log(`  not applied in cloud-init mode: ${[...new Set(handoff.flatMap((x) => x.missing))].join(', ') || 'nothing'}`);
