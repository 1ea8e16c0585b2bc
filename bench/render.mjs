// bench/render: `osconf render` against `cloud-init devel net-convert` on the same settings, both as whole
// processes (start-up included, as at boot), several runs each, interleaved. Prints medians and the ratio.
// Usage: node bench/render.mjs [runs]   (needs `npm run build` and scripts/install-test-deps.sh)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
rmSync(work, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const o = median(times.osconf);
const c = median(times['cloud-init net-convert']);
console.log(`bench/render: ${runs} runs each, whole processes, examples/classic.conf → netplan`);
for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(24)} median ${median(xs).toFixed(1)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
console.log(`  ratio osconf / cloud-init: ${(o / c).toFixed(3)}  (cloud-init takes ${(c / o).toFixed(1)}x as long)`);
