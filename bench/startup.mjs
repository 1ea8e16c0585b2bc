// bench/startup: what osconf costs before and around its first useful action, as whole processes, next to a
// bare `node -e 0` and cloud-init's `devel net-convert`, measured in one run, interleaved: wall time (median)
// and peak RSS. "cold" is a first boot (no V8 code cache), "cached" every later boot (the launcher's cache in
// a temporary directory). Sandbox roots only; nothing on this machine changes.
// Usage: node bench/startup.mjs [runs]   (needs `npm run build` and scripts/install-test-deps.sh)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 20);
const repo = new URL('..', import.meta.url).pathname;
const osconf = join(repo, 'dist/osconf');
const cloudInit = join(process.env.OSCONF_TOOLS_DIR ?? join(repo, '.tools'), 'cloud-init');
const work = mkdtempSync(join(tmpdir(), 'osconf-startup-'));
const root = join(work, 'root');
mkdirSync(join(root, 'etc'), { recursive: true });
writeFileSync(join(root, 'etc/shadow'), 'root:*:1:0:99999:7:::\n');
writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID=12\n');
const nc = spawnSync(process.execPath, [osconf, 'datasource', '--conf', join(repo, 'examples/classic.conf'), '--format', 'network-config'], { encoding: 'utf8' });
writeFileSync(join(work, 'network-config'), nc.stdout);

// One cache per command, as at boot, where the command is always `apply`.
const cacheFor = (name) => {
  const dir = join(work, `cache-${name}`);
  mkdirSync(dir, { mode: 0o755 });
  return dir;
};
const noCache = join(work, 'no-cache');
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'osconf --version, cold': [process.execPath, [osconf, '--version'], noCache],
  'osconf --version, cached': [process.execPath, [osconf, '--version'], cacheFor('version')],
  'apply no os.conf, cold': [process.execPath, [osconf, 'apply', '--root', root, '--conf', join(work, 'absent.conf')], noCache],
  'apply no os.conf, cached': [process.execPath, [osconf, 'apply', '--root', root, '--conf', join(work, 'absent.conf')], cacheFor('noop')],
  'apply vpc, cold': [process.execPath, [osconf, 'apply', '--root', root, '--conf', join(repo, 'examples/vpc.conf')], noCache],
  'apply vpc, cached': [process.execPath, [osconf, 'apply', '--root', root, '--conf', join(repo, 'examples/vpc.conf')], cacheFor('vpc')],
  'apply classic, cached': [process.execPath, [osconf, 'apply', '--root', root, '--conf', join(repo, 'examples/classic.conf')], cacheFor('classic')],
  'cloud-init net-convert': [
    '/usr/bin/python3',
    [join(cloudInit, 'usr/bin/cloud-init'), 'devel', 'net-convert', '-p', join(work, 'network-config'), '-k', 'yaml', '-D', 'debian', '-O', 'eni', '-d', join(work, 'out')],
  ],
};
const env = { ...process.env, PYTHONPATH: join(cloudInit, 'usr/lib/python3/dist-packages') };
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, { ms: [], rssKb: [] }]));
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args, cacheDir]] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: { ...env, OSCONF_CACHE_DIR: cacheDir ?? noCache }, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
    results[name].ms.push(ms);
    results[name].rssKb.push(Number(r.stderr.trim().split('\n').at(-1)));
  }
}
rmSync(work, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results['node -e 0'].ms);
const ci = median(results['cloud-init net-convert'].ms);
console.log(`bench/startup: ${runs} runs each, whole processes; bundle ${(statSync(osconf).size / 1024).toFixed(0)} KiB`);
for (const [name, r] of Object.entries(results)) {
  const ms = median(r.ms);
  console.log(`  ${name.padEnd(26)} ${ms.toFixed(1).padStart(7)} ms  (+${(ms - base).toFixed(1)} ms over node, ${(ms / ci).toFixed(2)}x net-convert)  peak RSS ${(median(r.rssKb) / 1024).toFixed(1)} MB`);
}
