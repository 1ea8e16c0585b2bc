// bench/startup: osconf's boot path as whole processes, next to a bare `node -e 0` measured in the same run.
// Each run builds a fresh throwaway instance (test/helpers/live-sandbox.ts: network, mount and UTS namespaces,
// an overlay over /etc, tmpfs /run, /var/lib, /var/log, and an ext4 image on a loop device as partition 1,
// found by its UUID as osconf.conf's [source] says) and runs `osconf apply` there as the unit does: no --root,
// no --conf, so it locates, mounts and unmounts partition 1, writes its log file and notifies a NOTIFY_SOCKET.
//   - no-op: partition 1 without os.conf (every boot after the first), with V8's code cache as at such a boot;
//     interleaved with `node -e 0`, reported as the ratio of the medians.
//   - pre-check no-op: the same boot as the units run it now, through dist/osconf-boot (the sh pre-check reads
//     the record the untimed apply wrote, mounts partition 1 read-only, finds nothing, records the run,
//     notifies): no Node at all. Interleaved with the two above.
//   - apply: the VPC example copied onto partition 1, applied once per fresh instance with no code cache (a
//     first boot): wall time and peak RSS (/usr/bin/time, around both kinds of process alike).
// Benchmarks only: no thresholds. Nothing on this machine changes.
// Usage, as root: npm run build && npx tsc -p . && node bench/startup.mjs [runs]   (OSCONF_BIN=FILE: that bundle)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = new URL('..', import.meta.url).pathname;
const self = new URL(import.meta.url).pathname;

/** Inside a sandbox: times each command of argv (JSON) `count` times, interleaved; appends lines to `out`. */
function measure(out, count, commands) {
  for (let i = 0; i < count; i++) {
    for (const [name, cmd] of commands) {
      const start = process.hrtime.bigint();
      const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
      const rssKb = Number(r.stderr.trim().split('\n').at(-1));
      writeFileSync(out, `${JSON.stringify({ name, ms, rssKb, stdout: r.stdout })}\n`, { flag: 'a' });
    }
  }
}

if (process.argv[2] === '--inside') {
  measure(process.argv[3], Number(process.argv[4]), JSON.parse(process.argv[5]));
  process.exit(0);
}

const runs = Number(process.argv[2] ?? 5);
const { LiveSandbox } = await import(join(repo, 'build/test/helpers/live-sandbox.js'));
const { readOsConf } = await import(join(repo, 'build/src/config/validate.js'));
const vpc = readFileSync(join(repo, 'examples/vpc.conf'), 'utf8');
const nics = readOsConf(vpc).config.interfaces.map((n) => ({ name: n.name, mac: n.mac }));
const node = process.execPath;
// OSCONF_BIN: another build of dist/osconf, to compare two versions in the same conditions.
const osconf = process.env.OSCONF_BIN ?? join(repo, 'dist/osconf');
const precheck = join(repo, 'dist/osconf-boot');
const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
// A datagram listener for NOTIFY_SOCKET, as systemd would be (Node has no datagram unix sockets).
const listener = 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nwhile True: s.recv(65536)';

const samples = [];
for (let run = 0; run < runs; run++) {
  const box = LiveSandbox.create(nics, null, (b) => `[source]\nuuid=${b.uuid}\n`);
  try {
    writeFileSync(join(box.dir, 'os.conf.next'), vpc);
    mkdirSync(join(box.dir, 'cache'), { mode: 0o755 });
    mkdirSync(join(box.dir, 'cold'), { mode: 0o755 });
    const times = join(box.dir, 'out', 'times');
    const inside = (count, commands) => `${q(node)} ${q(self)} --inside ${q(times)} ${count} ${q(JSON.stringify(commands))}`;
    const r = await box.run(
      `set -e
      python3 -c ${q(listener)} "$BOX/notify" & listener=$!
      trap 'kill $listener' EXIT
      export NOTIFY_SOCKET="$BOX/notify"
      # Every boot after the first: V8's code cache is there. One untimed no-op fills it.
      OSCONF_CACHE_DIR="$BOX/cache" ${q(node)} ${q(osconf)} apply > /dev/null 2>&1
      OSCONF_CACHE_DIR="$BOX/cache" ${inside(3, [['node -e 0', [node, '-e', '0']], ['no-op boot', [node, osconf, 'apply']], ['pre-check no-op', [precheck]]])}
      test -s /var/log/osconf.log
      # A first boot: os.conf on partition 1, no code cache.
      mkdir -p /tmp/p && mount "$LOOP" /tmp/p && cp "$BOX/os.conf.next" /tmp/p/aliyun_custom_image/os.conf && umount /tmp/p
      OSCONF_CACHE_DIR="$BOX/cold" ${inside(1, [['apply (first boot)', [node, osconf, 'apply', '--json']]])}
      `,
    );
    if (r.code !== 0) throw new Error(`run ${run}: ${r.stderr}`);
    for (const line of readFileSync(times, 'utf8').trim().split('\n')) {
      const s = JSON.parse(line);
      // No osconf on the sandbox's PATH: a pre-check that ran it would have failed; this says it found nothing.
      if (s.name === 'pre-check no-op' && !s.stdout.includes('nothing to apply (osconf-boot)')) throw new Error(`run ${run}: ${s.stdout}`);
      if (s.name.startsWith('apply')) {
        const results = JSON.parse(s.stdout).concerns.map((c) => c.result);
        if (results.some((x) => x !== 'applied')) throw new Error(`run ${run}: apply did not apply everything: ${results}`);
      }
      samples.push(s);
    }
  } finally {
    box.destroy();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const of = (name) => samples.filter((s) => s.name === name);
const base = median(of('node -e 0').map((s) => s.ms));
console.log(`bench/startup: ${runs} fresh instances; no-op ${of('no-op boot').length}, pre-check ${of('pre-check no-op').length} and node ${of('node -e 0').length} runs interleaved, one first-boot apply per instance`);
for (const name of ['node -e 0', 'no-op boot', 'pre-check no-op', 'apply (first boot)']) {
  const xs = of(name);
  const ms = median(xs.map((s) => s.ms));
  const rss = xs.map((s) => s.rssKb / 1024);
  console.log(
    `  ${name.padEnd(20)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / base).toFixed(2)}x node -e 0  peak RSS median ${median(rss).toFixed(1)} MB, max ${Math.max(...rss).toFixed(1)} MB`,
  );
}

// The crypt alone: one SHA-512 crypt (5000 rounds) in a fresh process, as in an apply (with the V8 flags the
// launcher sets, read from it), CPU time and peak RSS growth across the call.
const launcherFlags = [...readFileSync(join(repo, 'src/launcher/launcher.cjs'), 'utf8').matchAll(/setFlagsFromString\('([^']+)'\)/g)].map((m) => m[1]);
const cryptProbe = `(await import('node:v8')).setFlagsFromString(${JSON.stringify(launcherFlags.join(' '))});
const { sha512Crypt } = await import(${JSON.stringify(join(repo, 'build/src/config/password-hash.js'))});
const { Secret } = await import(${JSON.stringify(join(repo, 'build/src/config/secret.js'))});
const rss = process.resourceUsage().maxRSS, cpu = process.cpuUsage(), t = process.hrtime.bigint();
// A random password made inside the probe (the cost does not depend on it; no password in argv).
sha512Crypt(new Secret((await import('node:crypto')).randomBytes(9).toString('base64')), 'saltsaltsaltsalt');
const c = process.cpuUsage(cpu);
console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: (c.user + c.system) / 1000, mb: (process.resourceUsage().maxRSS - rss) / 1024 }));`;
const crypts = Array.from({ length: 7 }, () => JSON.parse(spawnSync(node, ['--input-type=module', '-e', cryptProbe], { encoding: 'utf8' }).stdout));
console.log(
  `  one SHA-512 crypt, fresh process (7, ${launcherFlags.join(' ')}): ${median(crypts.map((c) => c.ms)).toFixed(1)} ms wall, ${median(crypts.map((c) => c.cpuMs)).toFixed(1)} ms CPU, peak RSS +${median(crypts.map((c) => c.mb)).toFixed(1)} MB`,
);
