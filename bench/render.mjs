// bench/render: `osconf render` against `cloud-init devel net-convert` on the same settings, both as whole
// processes (start-up included, as at boot), several runs each, interleaved. Prints medians and the ratio.
// Then the largest os.conf files that fit in 64 KiB (bench/big-conf.mjs): whole-process `osconf render` per
// stack next to `node -e 0` and the classic example, and in process (needs `npx tsc -p .`) the time to read
// and validate and to render. Benchmarks only: no thresholds.
// Usage: node bench/render.mjs [runs]   (needs `npm run build` and scripts/install-test-deps.sh)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 15);
const repo = new URL('..', import.meta.url).pathname;
const osconf = join(repo, 'dist/osconf');
const cloudInitRoot = join(process.env.OSCONF_TOOLS_DIR ?? join(repo, '.tools'), 'cloud-init');
const conf = join(repo, 'examples/classic.conf');
const work = mkdtempSync(join(tmpdir(), 'osconf-bench-'));

const view = spawnSync(process.execPath, [osconf, 'datasource', '--conf', conf, '--format', 'network-config'], { encoding: 'utf8' });
if (view.status !== 0) throw new Error(view.stderr);
writeFileSync(join(work, 'network-config'), view.stdout);

const commands = {
  osconf: [process.execPath, [osconf, 'render', '--conf', conf, '--stack', 'netplan', '--json']],
  'cloud-init net-convert': [
    '/usr/bin/python3',
    [join(cloudInitRoot, 'usr/bin/cloud-init'), 'devel', 'net-convert', '-p', join(work, 'network-config'), '-k', 'yaml', '-D', 'ubuntu', '-O', 'netplan', '-d', join(work, 'out')],
  ],
};
const env = { ...process.env, PYTHONPATH: join(cloudInitRoot, 'usr/lib/python3/dist-packages') };

const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
    times[name].push(ms);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const o = median(times.osconf);
const c = median(times['cloud-init net-convert']);
console.log(`bench/render: ${runs} runs each, whole processes, examples/classic.conf → netplan`);
for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(24)} median ${median(xs).toFixed(1)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
console.log(`  ratio osconf / cloud-init: ${(o / c).toFixed(3)}  (cloud-init takes ${(c / o).toFixed(1)}x as long)`);

// The largest os.conf files.
const { bigConfs } = await import('./big-conf.mjs');
const big = Object.entries(bigConfs()).map(([name, text], i) => {
  const file = join(work, `big-${i}.conf`);
  writeFileSync(file, text);
  return [name, file, text];
});
const stacks = ['netplan', 'eni', 'networkd', 'network-manager'];
const procs = { 'node -e 0': [process.execPath, ['-e', '0']], 'classic example, netplan': [process.execPath, [osconf, 'render', '--conf', conf, '--stack', 'netplan', '--json']] };
for (const [name, file] of big) for (const stack of stacks) procs[`${name}, ${stack}`] = [process.execPath, [osconf, 'render', '--conf', file, '--stack', stack, '--json']];
const bigTimes = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
for (let i = 0; i < Math.max(3, Math.ceil(runs / 3)); i++) {
  for (const [name, [cmd, args]] of Object.entries(procs)) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    bigTimes[name].push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  }
}
const nodeMs = median(bigTimes['node -e 0']);
console.log(`bench/render, largest os.conf in 64 KiB (${big.map(([n, , t]) => `${n}: ${Buffer.byteLength(t)} bytes`).join('; ')}), whole processes, median of ${bigTimes['node -e 0'].length}`);
for (const [name, xs] of Object.entries(bigTimes)) console.log(`  ${name.padEnd(40)} ${median(xs).toFixed(1).padStart(8)} ms  (+${(median(xs) - nodeMs).toFixed(1)} over node -e 0)`);

const built = join(repo, 'build/src/config/validate.js');
if (existsSync(built)) {
  const { readOsConf } = await import(built);
  const { renderSystem } = await import(join(repo, 'build/src/render/system.js'));
  const { detectProfile } = await import(join(repo, 'build/src/distro/detect.js'));
  console.log('  in process (build/), median of 5 after one warm-up:');
  for (const [name, , text] of big) {
    const read = [];
    const render = [];
    let config;
    for (let i = 0; i < 6; i++) {
      let t = process.hrtime.bigint();
      const r = readOsConf(text);
      if (r.errors.length > 0) throw new Error(`${name}: ${JSON.stringify(r.errors[0])}`);
      config = r.config;
      if (i > 0) read.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      for (const stack of stacks) {
        const profile = detectProfile({ osRelease: null, paths: new Set(), enabled: new Set(), nmPlugins: null }, { stack }).profile;
        renderSystem({ config, profile });
      }
      if (i > 0) render.push(Number(process.hrtime.bigint() - t) / 1e6 / stacks.length);
    }
    const routes = config.interfaces.reduce((a, n) => a + n.routes.length, 0);
    console.log(`    ${name.padEnd(24)} ${String(config.interfaces.length).padStart(4)} NICs ${String(routes).padStart(5)} routes: read and validate ${median(read).toFixed(1)} ms, render ${median(render).toFixed(1)} ms per stack`);
  }
}
rmSync(work, { recursive: true, force: true });
