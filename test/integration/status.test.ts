// `osconf status`, `osconf query` and `--debug` as operators meet them (issue 19, items 1, 2 and 4): status
// --wait returns only once a running apply has ended, with cloud-init's exit codes (0 done, 1 failed, 2
// degraded); one JSON schema in every state; what was applied stays readable without any secret; --debug
// traces name TypeScript sources.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { examplesDir, osconfBin } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-status-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
const classic = readFileSync(join(examplesDir, 'classic.conf'), 'utf8');
const PASSWORD = 'qwHr1234';
const PASSWORD_B64 = 'cXdIcjEyMzQK';

let roots = 0;
/** A minimal offline root (root's shadow entry) and an os.conf beside it. */
function targetRoot(osConf: string): { root: string; conf: string } {
  const dir = join(work, `r${++roots}`);
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(join(dir, 'os.conf'), osConf);
  return { root, conf: join(dir, 'os.conf') };
}

interface Child {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(process.execPath, [osconfBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => Buffer.concat(out).toString('utf8'), exited };
}

/** Resolves once `check` holds, re-checking on every event-loop turn after a short pause (no time bound: ava's). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

/**
 * An apply of `osConf` into a fresh root, stopped (SIGSTOP, OSCONF_TEST_STOP_AT) at its first write with the
 * lock held; `status --wait` (tabular: a dot per poll, as cloud-init) is started against it and must still be
 * waiting after two polls; then the apply is continued. Returns both exit codes and the order of status's end and the continuation.
 */
async function waitAcrossApply(osConf: string): Promise<{ applyCode: number | null; statusCode: number | null; out: string; order: string[]; root: string }> {
  const { root, conf } = targetRoot(osConf);
  const count = join(root, '..', 'boundaries');
  const apply = start(['apply', '--root', root, '--conf', conf], { ...process.env, OSCONF_TEST_STOP_AT: '1', OSCONF_TEST_COUNT_BOUNDARIES: count });
  const order: string[] = [];
  let applyEnded = false;
  void apply.exited.then(() => (applyEnded = true));
  try {
    // The hook appends the boundary, then stops the process.
    await until(() => (existsSync(count) && readFileSync(count, 'utf8').startsWith('1 ')) || applyEnded);
    const status = start(['status', '--root', root, '--wait']);
    void status.exited.then(() => order.push('status'));
    await until(() => status.stdout().startsWith('..') || order.length > 0);
    if (applyEnded) order.push('apply ended before it was continued');
    // The apply's process may end after status saw its lock released and its record: only status's end is ordered.
    order.push('continued');
    apply.child.kill('SIGCONT');
    const applyCode = await apply.exited;
    const statusCode = await status.exited;
    return { applyCode, statusCode, out: status.stdout(), order, root };
  } finally {
    apply.child.kill('SIGCONT');
    apply.child.kill('SIGKILL');
  }
}

test('status --wait returns only after a held apply ended: done, exit 0', async (t) => {
  const r = await waitAcrossApply(classic);
  t.is(r.applyCode, 0);
  t.deepEqual(r.order, ['continued', 'status']);
  t.regex(r.out, /^\.\.+\nstatus: done\n/, 'dots while waiting, then the status');
  t.is(r.statusCode, 0);
});

test('status --wait after an apply with os.conf warnings: degraded, exit 2, the warning with its line and key', async (t) => {
  const r = await waitAcrossApply(`${classic}foo_bar=1\n`);
  t.is(r.applyCode, 0);
  t.deepEqual(r.order, ['continued', 'status']);
  t.regex(r.out, /\nstatus: degraded\n/);
  t.regex(r.out, /^  warning: line 14: foo_bar: /m);
  t.is(r.statusCode, 2);
  const report = JSON.parse((await osconf(['status', '--root', r.root, '--format', 'json'])).stdout);
  t.is(report.status, 'degraded');
  t.is(report.exitCode, 2);
  t.deepEqual(report.warnings.map((w: { line: number; key: string }) => [w.line, w.key]), [[14, 'foo_bar']]);
});

test('status after os.conf errors refused a concern: degraded, exit 2; after a failed apply: failed, exit 1', async (t) => {
  const refused = targetRoot(classic.replace('hostname=iZ23r29djmjZ', 'hostname=-bad-'));
  t.is((await osconf(['apply', '--root', refused.root, '--conf', refused.conf])).code, 3);
  const degraded = await osconf(['status', '--root', refused.root, '--format', 'json']);
  t.is(degraded.code, 2);
  const report = JSON.parse(degraded.stdout);
  t.is(report.status, 'degraded');
  t.deepEqual(report.errors.map((e: { line: number; key: string }) => [e.line, e.key]), [[1, 'hostname']]);
  t.is(report.concerns.find((c: { concern: string }) => c.concern === 'hostname').result, 'refused');

  const failedRoot = targetRoot(classic);
  t.is((await osconf(['apply', '--root', failedRoot.root, '--conf', join(failedRoot.root, 'missing.conf')])).code, 1);
  const failed = await osconf(['status', '--root', failedRoot.root]);
  t.is(failed.code, 1);
  t.regex(failed.stdout, /^status: failed\ndetail: the last apply failed: --conf .*missing\.conf: no such file\n/);
});

test('one JSON schema in every state: not-run, running, done, degraded, failed, disabled; YAML says the same', async (t) => {
  const keysOf = (text: string) => Object.keys(JSON.parse(text)).sort();
  const seen = new Map<string, string[]>();
  const note = async (root: string, expected: string) => {
    const r = await osconf(['status', '--root', root, '--json']);
    const report = JSON.parse(r.stdout);
    t.is(report.status, expected);
    t.is(report.schema, 1);
    t.is(r.code, report.exitCode);
    seen.set(expected, keysOf(r.stdout));
    const yaml = await osconf(['status', '--root', root, '--format', 'yaml']);
    t.deepEqual(parseYaml(yaml.stdout), report, `${expected}: the YAML form`);
  };
  const fresh = targetRoot(classic);
  await note(fresh.root, 'not-run');
  // running: an apply held with its lock.
  const held = targetRoot(classic);
  const count = join(held.root, '..', 'boundaries');
  const apply = start(['apply', '--root', held.root, '--conf', held.conf], { ...process.env, OSCONF_TEST_STOP_AT: '1', OSCONF_TEST_COUNT_BOUNDARIES: count });
  try {
    await until(() => existsSync(count));
    await note(held.root, 'running');
  } finally {
    apply.child.kill('SIGCONT');
    await apply.exited;
  }
  await note(held.root, 'done');
  const warned = targetRoot(`${classic}foo_bar=1\n`);
  await osconf(['apply', '--root', warned.root, '--conf', warned.conf]);
  await note(warned.root, 'degraded');
  await osconf(['apply', '--root', fresh.root, '--conf', '/nonexistent/os.conf']);
  await note(fresh.root, 'failed');
  mkdirSync(join(warned.root, 'etc/osconf'), { recursive: true });
  writeFileSync(join(warned.root, 'etc/osconf/disabled'), '');
  await note(warned.root, 'disabled');
  const disabled = JSON.parse((await osconf(['status', '--root', warned.root, '--json'])).stdout);
  t.is(disabled.disabledBy, '/etc/osconf/disabled');
  t.is(seen.size, 6);
  for (const [state, keys] of seen) t.deepEqual(keys, seen.get('not-run'), state);
  const done = JSON.parse((await osconf(['status', '--root', held.root, '--json'])).stdout);
  t.is(done.bootId, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  t.true(done.ranThisBoot);
  t.deepEqual(done.steps.map((s: { name: string }) => s.name), ['settings', 'disable-switch', 'lock', 'locate', 'read', 'snapshot', 'plan', 'execute', 'verify', 'ssh-host-keys', 'cleanup', 'record']);
  t.true(done.steps.every((s: { durationMs: unknown }) => Number.isInteger(s.durationMs)));
});

test('query answers what was applied from a 0644 instance-data file without the password', async (t) => {
  const { root, conf } = targetRoot(classic);
  t.is((await osconf(['apply', '--root', root, '--conf', conf])).code, 0);
  const file = join(root, 'run/osconf/instance-data.json');
  t.is(statSync(file).mode & 0o777, 0o644);
  const text = readFileSync(file, 'utf8');
  for (const secret of [PASSWORD, PASSWORD_B64, '$6$']) t.false(text.includes(secret), secret);
  const q = async (...args: string[]) => {
    const r = await osconf(['query', '--root', root, ...args]);
    t.is(r.code, 0, r.stderr);
    return r.stdout;
  };
  t.is(await q('local_hostname'), 'iZ23r29djmjZ\n');
  t.is(await q('v1.local_hostname'), 'iZ23r29djmjZ\n');
  t.is(await q('network_type'), 'classic\n');
  t.deepEqual(JSON.parse(await q('name_servers')), ['7.7.7.7', '8.8.8.8']);
  t.deepEqual(JSON.parse(await q('addresses')).map((a: { address: string }) => a.address), ['10.171.254.123/24', '42.120.74.105/24']);
  t.deepEqual(JSON.parse(await q('routes')), [
    { interface: 'eth0', to: '10.0.0.0/8', via: '10.171.254.1' },
    { interface: 'eth0', to: '172.16.0.0/12', via: '10.171.254.1' },
    { interface: 'eth1', to: '0.0.0.0/0', via: '42.120.74.1' },
  ]);
  t.is(JSON.parse(await q('stack')), null, 'the generic root has no persistent stack');
  const keys = (await q('--list-keys')).trim().split('\n');
  for (const k of ['local_hostname', 'instance_id', 'addresses', 'routes', 'name_servers', 'network_type', 'stack', 'v1']) t.true(keys.includes(k), k);
  t.deepEqual(JSON.parse(await q('--all')), JSON.parse(text));
  const unknown = await osconf(['query', '--root', root, 'password']);
  t.is(unknown.code, 1);
  t.is(unknown.stderr, 'osconf: undefined instance-data key: password\n');
  // /run is empty after a reboot: the kept copy answers.
  rmSync(file);
  t.is(await q('local_hostname'), 'iZ23r29djmjZ\n');
});

test('--debug names TypeScript sources in an internal error; without it, one line', async (t) => {
  const { root } = targetRoot(classic);
  mkdirSync(join(root, 'var/lib/osconf'), { recursive: true });
  writeFileSync(join(root, 'var/lib/osconf/state.json'), '{ not json');
  const plain = await osconf(['status', '--root', root]);
  t.is(plain.code, 1);
  t.regex(plain.stderr, /^osconf: internal error: [^\n]*\n$/);
  const debug = await osconf(['--debug', 'status', '--root', root]);
  t.is(debug.code, 1);
  t.regex(debug.stderr, /^ +at .*\/src\/apply\/state\.ts:\d+:\d+\)?$/m);
  t.regex(debug.stderr, /^ +at .*\/src\/cli\/status\.ts:\d+:\d+\)?$/m);
});

test('a live boot without os.conf is recorded: status says done, ran on this boot, exit 0', async (t) => {
  const box = LiveSandbox.create([{ name: 'eth0', mac: '00:8c:fa:5e:14:23' }], null, (b) => `[source]\ndevice=${b.loop}\n`);
  try {
    await box.run(`
      $OSCONF status --json > "$BOX/out/before.json"; echo $? > "$BOX/out/before.code"
      $OSCONF apply > /dev/null 2>&1
      $OSCONF status --json > "$BOX/out/after.json"; echo $? > "$BOX/out/after.code"`);
    t.is(JSON.parse(box.out('before.json')).status, 'not-run');
    const after = JSON.parse(box.out('after.json'));
    t.is(box.out('after.code').trim(), '0');
    t.is(after.status, 'done');
    t.true(after.ranThisBoot);
    t.is(after.lastRun.kind, 'absent');
    t.is(after.lastApply, null);
  } finally {
    box.destroy();
  }
});
