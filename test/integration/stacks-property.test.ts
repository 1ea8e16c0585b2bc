// Proof by property against the real tools (issue 15): OSCONF_PROPERTY_CASES (default 200) valid os.conf files
// from the shared generator (test/helpers/os-conf-gen.ts, seed OSCONF_FC_SEED), each accepted by osconf's
// validator, each applied by every stack of the Debian 12 tools root: `netplan generate` then
// systemd-networkd, systemd-networkd, ifupdown (`ifup -a`), NetworkManager (keyfiles, no "invalid
// connection", our profile active) and osconf's own iproute2 commands. The live result (`ip -j addr`,
// `ip -j route`, and the name servers the stack reports) must equal os.conf's state. cloud-init 22.4's
// `devel net-convert` must accept the NoCloud network-config v1 and v2 views of every case.
//
// Cost: one sandbox (and one daemon) per stack and shard, the cases in a loop inside it
// (test/helpers/stack-driver.ts), all of them side by side; a shard stops at its first failing case. A failure prints the seed, the case index, the os.conf (password redacted), the stack's files and
// what differed, and how to rerun that case alone (OSCONF_PROPERTY_ONLY=INDEX).
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceConfig } from '../../src/config/model.js';
import { readOsConf } from '../../src/config/validate.js';
import { renderNetworkConfigV1 } from '../../src/datasource/network-config-v1.js';
import { renderNetworkConfigV2 } from '../../src/datasource/network-config-v2.js';
import type { Stack } from '../../src/distro/profiles.js';
import { iproute2Activation } from '../../src/plan/activation.js';
import { nicViews } from '../../src/render/nic-view.js';
import { cloudInitPython } from '../helpers/cloud-init.js';
import { factsOf, readTree } from '../helpers/network-facts.js';
import { NetSandbox } from '../helpers/netns.js';
import { osConfArb, redactPassword } from '../helpers/os-conf-gen.js';
import { repoRoot } from '../helpers/paths.js';
import type { DriverCase, DriverResult, Observed } from '../helpers/stack-driver.js';
import { expectedAddresses, expectedRoutes, filesFor } from '../helpers/stack-files.js';

const SEED = Number(process.env.OSCONF_FC_SEED ?? 20261125);
const COUNT = Number(process.env.OSCONF_PROPERTY_CASES ?? 200);
// OSCONF_PROPERTY_ONLY=3,17: only those cases of the sample (to reproduce a failure quickly).
const ONLY = process.env.OSCONF_PROPERTY_ONLY?.split(',').map(Number);
const texts = fc.sample(osConfArb, { seed: SEED, numRuns: COUNT });
const reads = texts.map((text) => readOsConf(text));
const driverJs = readFileSync(join(repoRoot, 'build', 'test', 'helpers', 'stack-driver.js'));

test('every generated case is valid to osconf (a refusal of a valid case is a finding)', (t) => {
  t.is(texts.length, COUNT);
  reads.forEach((r, i) => t.deepEqual(r.errors, [], `seed ${SEED} case ${i}:\n${redactPassword(texts[i]!)}`));
});

type Target = Stack | 'iproute2';

/**
 * netplan keeps one list of name servers per family and writes IPv4 ones first (its networkd backend's
 * `DNS=`), whatever the order in the YAML: a known reordering (README, `dns_nameserver`), found by this test.
 */
const netplanOrder = (servers: string[]): string[] => [...servers.filter((s) => !s.includes(':')), ...servers.filter((s) => s.includes(':'))];

/** What the stack must report for the case: os.conf's addresses, routes and (where it reports them) name servers. */
function expectation(config: InstanceConfig, target: Target): Observed {
  return {
    addresses: expectedAddresses(config),
    routes: expectedRoutes(config),
    nameservers: target === 'iproute2' ? null : target === 'netplan' ? netplanOrder(config.nameservers) : config.nameservers,
  };
}

function driverCase(config: InstanceConfig, index: number, target: Target): DriverCase {
  const nics = config.interfaces.map((n) => ({ name: n.name, mac: n.mac }));
  const expect = expectation(config, target);
  if (target === 'iproute2') {
    const commands = iproute2Activation(nicViews(config)).flatMap((a) => (a.kind === 'exec' ? [a.argv] : []));
    return { index, nics, files: [], commands, expect };
  }
  const files = filesFor(config, target)
    .filter((f) => f.concern === 'network' || f.concern === 'dns')
    .map((f) => ({ path: f.path, content: f.content, mode: f.mode }));
  return { index, nics, files, expect };
}

/** `missing …` and `unexpected …` lines between the expected and the observed state. */
function differences(expected: Observed, observed: Observed | undefined): string[] {
  if (!observed) return ['nothing observed'];
  const flat = (o: Observed): string[] => [
    ...Object.entries(o.addresses).flatMap(([nic, as]) => as.map((a) => `address ${a} on ${nic}`)),
    ...o.routes.map((r) => `route ${r}`),
  ];
  const want = flat(expected);
  const got = flat(observed);
  const lines = [...want.filter((x) => !got.includes(x)).map((x) => `missing ${x}`), ...got.filter((x) => !want.includes(x)).map((x) => `unexpected ${x}`)];
  if (JSON.stringify(expected.nameservers) !== JSON.stringify(observed.nameservers)) {
    lines.push(`name servers ${JSON.stringify(observed.nameservers)}, not ${JSON.stringify(expected.nameservers)}`);
  }
  return lines;
}

function describeFailure(target: Target, c: DriverCase, result: DriverResult | undefined, problem: string): string {
  const files = c.files.map((f) => `--- ${f.path}\n${f.content}`).join('');
  const commands = (c.commands ?? []).map((a) => a.join(' ')).join('\n');
  return [
    `${target}: seed ${SEED}, case ${c.index} (rerun: OSCONF_FC_SEED=${SEED} OSCONF_PROPERTY_CASES=${COUNT} OSCONF_PROPERTY_ONLY=${c.index}): ${problem}`,
    `os.conf:\n${redactPassword(texts[c.index]!)}`,
    `differences:\n${differences(c.expect, result?.observed).join('\n')}`,
    files ? `files:\n${files}` : `commands:\n${commands}`,
    `expected: ${JSON.stringify(c.expect, null, 1)}`,
    `observed: ${JSON.stringify(result?.observed ?? null, null, 1)}`,
    result?.active ? `active profiles: ${JSON.stringify(result.active)}` : '',
    result?.notes.length ? `notes:\n${result.notes.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Runs `cases` for `target` in one sandbox (one stack instance, the cases in a loop) and collects the results. */
async function runBatch(target: Target, cases: DriverCase[]): Promise<{ results: DriverResult[]; code: number | null; stderr: string }> {
  const box = NetSandbox.create([]);
  try {
    box.addTmpFile('stack-driver.mjs', driverJs);
    box.addTmpFile('cases.json', JSON.stringify(cases));
    const r = await box.runInRoot(`exec node /tmp/stack-driver.mjs ${target} /tmp/cases.json`, 30 * 60_000, false, true);
    const results = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('@@case '))
      .map((l) => JSON.parse(l.slice('@@case '.length)) as DriverResult);
    return { results, code: r.code, stderr: r.stderr };
  } finally {
    box.destroy();
  }
}

// Each stack's cases in OSCONF_PROPERTY_SHARDS shards, one test and one sandbox each (so ava's inactivity
// timeout sees tests end, and the slowest stack is no long tail), at most OSCONF_PROPERTY_PARALLEL sandboxes at
// a time: the work is processes, so more at once on 2 cores only makes each case slower.
const SHARDS = Number(process.env.OSCONF_PROPERTY_SHARDS ?? 4);
const PARALLEL = Number(process.env.OSCONF_PROPERTY_PARALLEL ?? 4);
let running = 0;
const waiting: Array<() => void> = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

async function checkStack(t: ExecutionContext, target: Target, shard: number): Promise<void> {
  const cases = reads
    .map((r, i) => driverCase(r.config, i, target))
    .filter((c) => (ONLY ? ONLY.includes(c.index) : c.index % SHARDS === shard));
  let started = 0;
  const batches = [
    await slot(() => {
      started = Date.now();
      return runBatch(target, cases);
    }),
  ];
  const results = batches.flatMap((b) => b.results);
  const failures: string[] = [];
  for (const c of cases) {
    const result = results.find((x) => x.index === c.index);
    if (!result) {
      const batch = batches[0]!;
      // A batch stops at its first failing case; only a case that never ran in a batch that did not fail is news.
      if (batch.code !== 0 || !batch.results.some((x) => x.timedOut)) failures.push(describeFailure(target, c, undefined, `never run (driver exit ${batch.code}): ${batch.stderr.slice(-2000)}`));
      continue;
    }
    const problems: string[] = [];
    if (JSON.stringify(result.observed) !== JSON.stringify(c.expect)) problems.push('the live state differs from os.conf');
    if (target === 'network-manager') {
      for (const n of c.nics) if (result.active?.[n.name] !== `osconf ${n.name}`) problems.push(`${n.name} runs profile ${JSON.stringify(result.active?.[n.name])}, not ours`);
      if (result.notes.some((n) => /invalid connection/i.test(n))) problems.push('NetworkManager logged an invalid connection');
    }
    if (problems.length > 0) failures.push(describeFailure(target, c, result, problems.join('; ')));
  }
  const ms = results.map((x) => x.ms).sort((a, b) => a - b);
  t.log(`${target}: ${results.length} cases in ${Math.round((Date.now() - started) / 1000)} s (per case: median ${ms[ms.length >> 1]} ms, max ${ms[ms.length - 1]} ms)`);
  if (process.env.OSCONF_PROPERTY_PHASES) for (const x of results) t.log(JSON.stringify(x.phases));
  // A batch stops at its first failing case; without a failure, every case ran.
  if (failures.length === 0) t.is(results.length, cases.length, 'every case ran');
  // All failures counted, the first shown in full (the rest usually repeat it).
  t.deepEqual(failures.length, 0, failures[0]);
}

for (const target of ['netplan', 'networkd', 'eni', 'network-manager', 'iproute2'] as const) {
  for (let shard = 0; shard < (ONLY ? 1 : SHARDS); shard++) {
    test(`${target} (cases ${shard} mod ${SHARDS}): every generated case applies to exactly os.conf's state`, (t) => {
      // Its own limit instead of ava's inactivity timeout: a shard waits for a slot, then runs for minutes.
      t.timeout(45 * 60_000, 'a shard of the real-tool property test');
      return checkStack(t, target, shard);
    });
  }
}

// cloud-init's own `devel net-convert` (handle_args), in one Python process for all cases: reading each
// NoCloud view (parse_net_config_data), rendering it for one stack in turn, logging no warning (its parser
// skips a broken entry with a warning), and rendering every NIC's address.
const NET_CONVERT = `
import json, logging, sys
from cloudinit.cmd.devel import net_convert
class Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []
    def emit(self, record):
        self.records.append(record.getMessage())
jobs = json.load(open(sys.argv[1]))
results = []
for job in jobs:
    keep = Keep()
    logging.getLogger().addHandler(keep)
    error = None
    try:
        args = net_convert.get_parser().parse_args(['-p', job['input'], '-k', 'yaml', '-D', job['distro'], '-O', job['kind'], '-d', job['out']])
        net_convert.handle_args('net-convert', args)
    except BaseException as e:
        error = repr(e)
    logging.getLogger().removeHandler(keep)
    results.append({'id': job['id'], 'error': error, 'warnings': keep.records})
json.dump(results, sys.stdout)
`;

const OUTPUTS: Array<{ kind: string; distro: string; facts: string }> = [
  { kind: 'eni', distro: 'debian', facts: 'eni' },
  { kind: 'netplan', distro: 'ubuntu', facts: 'netplan' },
  { kind: 'networkd', distro: 'arch', facts: 'networkd' },
  { kind: 'sysconfig', distro: 'rhel', facts: 'sysconfig-rhel' },
  { kind: 'network-manager', distro: 'fedora', facts: 'network-manager' },
];

test('cloud-init devel net-convert accepts the NoCloud network-config v1 and v2 of every case', async (t) => {
  t.timeout(30 * 60_000, 'all cases through net-convert');
  const work = mkdtempSync(join(tmpdir(), 'osconf-prop-ci-'));
  try {
    const jobs: Array<{ id: string; input: string; distro: string; kind: string; out: string; index: number; facts: string }> = [];
    reads.forEach((r, index) => {
      for (const [view, text] of [
        ['v1', renderNetworkConfigV1(r.config)],
        ['v2', renderNetworkConfigV2(r.config)],
      ] as const) {
        const input = join(work, `${index}-${view}.yaml`);
        writeFileSync(input, text);
        // Reading the view is what acceptance means; one renderer per case (in turn) keeps the batch short.
        for (const o of [OUTPUTS[index % OUTPUTS.length]!]) {
          const out = join(work, `${index}-${view}-${o.kind}`);
          mkdirSync(out);
          jobs.push({ id: `${index} ${view} -> ${o.kind}`, input, distro: o.distro, kind: o.kind, out, index, facts: o.facts });
        }
      }
    });
    writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));
    const r = await cloudInitPython(NET_CONVERT, [join(work, 'jobs.json')], 10 * 60_000);
    t.is(r.code, 0, r.stderr.slice(-3000));
    const results = JSON.parse(r.stdout) as Array<{ id: string; error: string | null; warnings: string[] }>;
    t.is(results.length, jobs.length);
    const failures: string[] = [];
    jobs.forEach((job, i) => {
      const res = results[i]!;
      const want = Object.values(expectedAddresses(reads[job.index]!.config)).flat().sort();
      let problem = res.error ? `raised ${res.error}` : res.warnings.length ? `warned: ${res.warnings.join(' | ')}` : null;
      if (!problem) {
        const got = factsOf(job.facts, readTree(job.out)).addresses;
        if (JSON.stringify(got) !== JSON.stringify(want)) problem = `rendered addresses ${JSON.stringify(got)}, not ${JSON.stringify(want)}`;
      }
      if (problem) failures.push(`seed ${SEED}, case ${job.id}: ${problem}\nos.conf:\n${redactPassword(texts[job.index]!)}\nnetwork-config:\n${readFileSync(job.input, 'utf8')}`);
    });
    t.deepEqual(failures.length, 0, failures[0]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
