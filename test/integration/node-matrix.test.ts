// The shipped bundle under every Node.js line from the runtime floor (10) to the newest LTS: the official
// builds that scripts/node-runtimes.sh unpacks under .tools/node/ (installed by scripts/install-test-deps.sh).
// Each runs the CLI over both examples (show, render for each stack, datasource in each format, apply into
// a sandbox root, check of that root) and must print, write and log what the development Node does. Only
// what legitimately differs between two runs is normalised: temporary paths, times and durations, and crypt
// salts (every hash is also verified against the password). Node 8 must get the one-line refusal.
import test from 'ava';
import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { DATASOURCE_FORMATS } from '../../src/cli/datasource-formats.js';
import { NodeHost } from '../../src/host/node-host.js';
import { DISTROS } from '../fixtures/distros.js';
import { examplesDir, osconfBin, repoRoot, toolsDir } from '../helpers/paths.js';
import { normalise, tree } from '../helpers/outcome.js';
import { run, type RunResult } from '../helpers/run.js';
import { buildRoot } from '../helpers/sandbox-root.js';
import { rootHashVerifies } from '../helpers/shadow.js';

// The versions scripts/node-runtimes.sh fetches: one list, read from there.
const VERSIONS = /^versions=\(([^)]*)\)$/m.exec(readFileSync(join(repoRoot, 'scripts', 'node-runtimes.sh'), 'utf8'))![1]!.trim().split(/\s+/);
const REFUSED = VERSIONS.filter((v) => Number(v.split('.')[0]) < 10);
const SUPPORTED = VERSIONS.filter((v) => Number(v.split('.')[0]) >= 10);
const STACKS = ['sysconfig', 'sysconfig-suse', 'eni', 'netplan', 'networkd', 'network-manager'];
const EXAMPLES = ['classic', 'vpc'] as const;
// Each example applied into the root of a distribution with a different stack (sysconfig, netplan).
const APPLY_DISTRO = { classic: 'CentOS 7 with the network service', vpc: 'Ubuntu 22.04' } as const;
const SHADOW = 'root:$1$old$oldoldoldoldoldoldold:18000:0:99999:7:::\nbin:*:18000:0:99999:7:::\n';

const nodeBin = (version: string) => join(toolsDir, 'node', version, 'bin', 'node');
const work = mkdtempSync(join(tmpdir(), 'osconf-node-matrix-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
// No code cache: every run compiles the bundle itself, so a cache written by one Node never meets another.
const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', OSCONF_CACHE_DIR: join(work, 'no-cache') };

/** The CLI's observable result with what legitimately differs between two runs replaced by markers. */
interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  files?: Record<string, string>;
}

const passwordOf = (example: string) => readOsConf(readFileSync(join(examplesDir, `${example}.conf`))).config.password!.reveal();

interface Case {
  name: string;
  /** Runs the case with `node` in a fresh scratch directory; returns the outcome, normalised. */
  run(node: string, scratch: string): Promise<Outcome>;
}

async function cli(node: string, args: string[]): Promise<RunResult> {
  return run(node, [osconfBin, ...args], { env, timeoutMs: 120_000 });
}

function simple(name: string, args: string[]): Case {
  return {
    name,
    async run(node) {
      const r = await cli(node, args);
      return { code: r.code, stdout: normalise(r.stdout, { '<repo>': repoRoot }), stderr: normalise(r.stderr, { '<repo>': repoRoot }) };
    },
  };
}

const CASES: Case[] = [];
for (const example of EXAMPLES) {
  const conf = join(examplesDir, `${example}.conf`);
  CASES.push(simple(`${example}: show --json`, ['show', '--conf', conf, '--json']));
  for (const stack of STACKS) CASES.push(simple(`${example}: render --json --stack ${stack}`, ['render', '--conf', conf, '--stack', stack, '--json']));
  for (const format of DATASOURCE_FORMATS) {
    CASES.push(simple(`${example}: datasource --format ${format}`, ['datasource', '--conf', conf, '--format', format, '--instance-id', 'iid-matrix']));
  }
  CASES.push({
    name: `${example}: apply --root, then check --root`,
    async run(node, scratch) {
      const distro = DISTROS.find((d) => d.name === APPLY_DISTRO[example])!;
      const root = buildRoot({ ...distro, extra: { ...distro.extra, '/etc/shadow': SHADOW, '/etc/hosts': '127.0.0.1 localhost\n' } });
      const reports = join(scratch, 'reports');
      try {
        const apply = await cli(node, ['apply', '--root', root, '--conf', conf, '--json']);
        // The salt is random: the hash must verify whichever Node made it.
        const shadow = readFileSync(join(root, 'etc', 'shadow'), 'utf8');
        if (!rootHashVerifies(shadow, passwordOf(example))) throw new Error(`${node}: root's hash does not verify: ${shadow.split('\n')[0]}`);
        mkdirSync(reports);
        const check = await cli(node, ['check', '--root', root, '--json', '-p', reports]);
        // The digest key is random per machine: the state's digest must be os.conf's HMAC under it.
        const key = readFileSync(join(root, 'var', 'lib', 'osconf', 'digest.key'), 'utf8').trim();
        const digest = `hmac-sha256:${createHmac('sha256', Buffer.from(key, 'hex')).update(readFileSync(conf)).digest('hex')}`;
        const state = readFileSync(join(root, 'var', 'lib', 'osconf', 'state.json'), 'utf8');
        if (!state.includes(digest)) throw new Error(`${node}: state.json's digest is not os.conf's HMAC under digest.key`);
        const dirs = { '<root>': root, '<reports>': reports, '<repo>': repoRoot, '<key>': key, 'hmac-sha256:<digest>': digest };
        return {
          code: apply.code,
          stdout: normalise(`${apply.stdout}\n--- check (exit ${check.code})\n${check.stdout}`, dirs),
          stderr: normalise(`${apply.stderr}\n--- check\n${check.stderr}`, dirs),
          // The lock file holds its holder's PID.
          files: Object.fromEntries(Object.entries(tree(root)).map(([k, v]) => [k, k.startsWith('/run/osconf/apply.lock ') ? '<pid>' : normalise(v, dirs)])),
        };
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  });
}

// At most four osconf processes at once across all versions (two cores; each run also waits on I/O).
let running = 0;
const waiting: Array<() => void> = [];
async function limited<T>(job: () => Promise<T>): Promise<T> {
  // A finishing job hands its slot straight to the next waiting one.
  if (running >= 4) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await job();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

async function runAll(node: string): Promise<Outcome[]> {
  return Promise.all(
    CASES.map((c, i) =>
      limited(async () => {
        const scratch = mkdtempSync(join(work, `case-${i}-`));
        return c.run(node, scratch);
      }),
    ),
  );
}

// Each Node's outcomes, computed once and shared by that version's tests.
const runs = new Map<string, Promise<Outcome[]>>();
function runAllOnce(version: string): Promise<Outcome[]> {
  if (!runs.has(version)) runs.set(version, runAll(version === 'development' ? process.execPath : nodeBin(version)));
  return runs.get(version)!;
}
const referenceOutcomes = () => runAllOnce('development');

test('every Node.js of the matrix is installed (scripts/install-test-deps.sh)', (t) => {
  for (const v of VERSIONS) t.true(existsSync(nodeBin(v)), `no Node.js ${v} at ${nodeBin(v)}: run scripts/install-test-deps.sh`);
  t.true(SUPPORTED.includes(process.versions.node) || SUPPORTED.some((v) => v.split('.')[0] === process.versions.node.split('.')[0]), 'the development Node is a line of the matrix');
});

test('the reference runs succeed on the development Node', async (t) => {
  const outcomes = await referenceOutcomes();
  CASES.forEach((c, i) => {
    t.is(outcomes[i]!.code, 0, `${c.name}: ${outcomes[i]!.stderr}`);
  });
});

for (const version of REFUSED) {
  test(`Node.js ${version} gets the one-line refusal, exit 1, for any command`, async (t) => {
    const [major, minor] = version.split('.');
    for (const args of [['--version'], ['apply'], ['show', '--conf', join(examplesDir, 'vpc.conf')]]) {
      const r = await cli(nodeBin(version), args);
      t.is(r.code, 1, args.join(' '));
      t.is(r.stdout, '');
      t.is(r.stderr, `osconf: needs Node.js >= 10 (found v${major}.${minor})\n`);
    }
  });
}

for (const version of SUPPORTED) {
  test(`Node.js ${version} runs osconf --version`, async (t) => {
    const r = await cli(nodeBin(version), ['--version']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
  const outcomes = () => runAllOnce(version);
  CASES.forEach((c, i) => {
    test(`Node.js ${version}, ${c.name}: same as the development Node`, async (t) => {
      const [mine, theirs] = await Promise.all([outcomes(), referenceOutcomes()]);
      t.deepEqual(mine[i], theirs[i]);
    });
  });
}

// The Host's system calls under each runtime (issue 21): Node.js 10 and 12 ship a libuv whose fs.stat loses the
// minor of st_rdev, so there the real Host asks coreutils' stat. The real Host, bundled for Node.js 10 as the
// CLI is, must give every runtime's answers the development Node's.
const HOST_PROBE_PATHS = {
  devices: ['/dev/null', '/dev/zero', ...readdirSync('/dev').filter((n) => /^loop\d+$/.test(n)).map((n) => `/dev/${n}`), '/dev/absent', '/tmp'],
  // Loop devices only: they stay while other tests run; their partitions (259:N) come and go.
  links: [...readdirSync('/sys/dev/block').filter((n) => /^7:\d+$/.test(n)).map((n) => `/sys/dev/block/${n}`), '/sys/dev/block/absent'],
};
const HOST_PROBE = `const { NodeHost } = require(process.argv[1]);
const paths = ${JSON.stringify(HOST_PROBE_PATHS)};
(async () => {
  const host = new NodeHost('/');
  const devices = [];
  for (const p of paths.devices) devices.push(await host.deviceNumber(p));
  const links = [];
  for (const p of paths.links) links.push(await host.realpath(p));
  process.stdout.write(JSON.stringify({ devices, links }));
})().catch((e) => { console.error(e); process.exit(1); });`;
const hostBundle = join(work, 'node-host.cjs');
buildSync({ entryPoints: [join(repoRoot, 'src', 'host', 'node-host.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node10', outfile: hostBundle, logLevel: 'error' });

async function hostAnswers(node: string): Promise<unknown> {
  const r = await run(node, ['-e', HOST_PROBE, hostBundle], { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${node}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
let developmentAnswers: Promise<unknown> | undefined;
const referenceHostAnswers = () => (developmentAnswers ??= hostAnswers(process.execPath));

test("the development Node's Host answers: /dev/null is 1:3, loop devices major 7, links resolved", async (t) => {
  const host = new NodeHost('/');
  const mine = (await referenceHostAnswers()) as { devices: unknown[]; links: unknown[] };
  t.deepEqual(mine.devices[0], { major: 1, minor: 3 });
  t.deepEqual(mine.devices.at(-2), null);
  t.deepEqual(mine.devices, await Promise.all(HOST_PROBE_PATHS.devices.map((p) => host.deviceNumber(p))), 'the bundle answers as the compiled Host');
  t.true(HOST_PROBE_PATHS.devices.filter((p) => p.startsWith('/dev/loop')).every((p, i) => (mine.devices[i + 2] as { major: number }).major === 7));
  t.true(mine.links.slice(0, -1).every((l) => typeof l === 'string' && l.startsWith('/sys/devices/')));
});

for (const version of SUPPORTED) {
  test(`Node.js ${version}: the Host's device numbers and resolved links are the development Node's`, async (t) => {
    t.deepEqual(await hostAnswers(nodeBin(version)), await referenceHostAnswers());
  });
}
