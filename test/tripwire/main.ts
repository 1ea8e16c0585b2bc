// The tripwire around a whole test run (scripts/test.sh) and the example (scripts/example.sh):
//   snapshot FILE   records this machine's host name, resolver, hosts, shadow entry digest, addresses,
//                   routes and mounts into FILE (mode 0600)
//   compare FILE    reads them again; prints "tripwire: host unchanged (...)" and exits 0, or names every
//                   difference and exits 1
// It reads only; it never repairs anything. Run it in this machine's own namespaces, never in a sandbox.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { STACK_RENDERERS } from '../../src/render/index.js';
import { compareHostStates, describeCoverage, hostState, type FileReading, type HostReadings } from './host-state.js';

const WATCHED_FILES = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function fileReading(path: string): FileReading {
  let link: string | null = null;
  try {
    link = readlinkSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOENT') throw e;
  }
  return { link, content: readOrNull(path) };
}

function rootShadowDigest(): string | null {
  const line = (readOrNull('/etc/shadow') ?? '').split('\n').find((l) => l.startsWith('root:'));
  return line === undefined ? null : createHash('sha256').update(line).digest('hex');
}

/**
 * What an apply or prepare that escaped its sandbox would leave for the next boot: every stack's configuration
 * directories (the registry), cloud-init's, SSH host keys, the machine id, osconf's own state.
 */
const WATCHED_TREES = [
  ...new Set([
    ...Object.values(STACK_RENDERERS).flatMap((r) => [...r.searchPath.map((d) => d.dir), ...r.owns.map((o) => o.dir), ...r.edits, ...r.files]),
    '/etc/cloud/cloud.cfg.d',
    '/etc/ssh',
    '/etc/machine-id',
    '/etc/osconf',
    '/etc/systemd/resolved.conf.d',
    '/var/lib/osconf',
    '/var/lib/cloud/seed',
  ]),
].filter((p) => !p.startsWith('/run/'));

function digestTree(path: string, out: Record<string, string>, depth = 0): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) out[path] = `-> ${readlinkSync(path)}`;
  else if (st.isFile()) out[path] = `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`;
  else if (st.isDirectory()) {
    out[path] = 'dir';
    if (depth < 4) for (const name of readdirSync(path)) digestTree(`${path}/${name}`, out, depth + 1);
  }
}

function configFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of WATCHED_TREES) digestTree(p, out);
  return out;
}

const ipJson = (...args: string[]): unknown[] => JSON.parse(execFileSync('ip', ['-j', ...args]).toString() || '[]') as unknown[];

function read(): HostReadings {
  return {
    hostName: hostname(),
    domainName: (readOrNull('/proc/sys/kernel/domainname') ?? '').trim(),
    files: Object.fromEntries(WATCHED_FILES.map((p) => [p, fileReading(p)])),
    rootShadowDigest: rootShadowDigest(),
    ipAddr: ipJson('addr', 'show'),
    ipRoute: [...ipJson('route', 'show', 'table', 'all'), ...ipJson('-6', 'route', 'show', 'table', 'all')],
    mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'),
    configFiles: configFiles(),
  };
}

/** What the suite made and did not remove: named network namespaces and loop devices. Reported, not failed. */
function leftovers(): string[] {
  const out: string[] = [];
  try {
    const names = readdirSync('/run/netns').filter((n) => n.startsWith('osconf-'));
    if (names.length) out.push(`network namespaces: ${names.join(' ')}`);
  } catch {
    // no named namespaces at all
  }
  try {
    const loops = execFileSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']).toString().trim();
    const ours = loops.split('\n').filter((l) => /osconf/.test(l));
    if (ours.length) out.push(`loop devices: ${ours.map((l) => l.trim().replace(/\s+/, ' -> ')).join(', ')}`);
  } catch {
    // losetup missing: nothing to say
  }
  return out;
}

function main(argv: string[]): number {
  const [verb, file] = argv;
  if ((verb !== 'snapshot' && verb !== 'compare') || !file) {
    process.stderr.write('usage: tripwire (snapshot|compare) FILE\n');
    return 2;
  }
  if (verb === 'snapshot') {
    writeFileSync(file, JSON.stringify(read()), { mode: 0o600 });
    return 0;
  }
  const before = hostState(JSON.parse(readFileSync(file, 'utf8')) as HostReadings);
  const after = hostState(read());
  const differences = compareHostStates(before, after);
  for (const l of leftovers()) process.stdout.write(`tripwire: note: left behind by the tests (not this machine's configuration): ${l}\n`);
  if (differences.length) {
    process.stdout.write(`tripwire: THE HOST CHANGED during the run (${differences.length} differences):\n`);
    for (const d of differences) process.stdout.write(`  ${d}\n`);
    return 1;
  }
  process.stdout.write(`tripwire: host unchanged (compared ${describeCoverage(after)})\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
