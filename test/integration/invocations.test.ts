// Operators' invocations as they really happen: output cut short by a pipe, wrong paths, relative paths,
// not root. Each says what is wrong in one line with a meaningful exit code; none leaves a run half done.
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { examplesDir, osconfBin, repoRoot } from '../helpers/paths.js';
import { osconf, run } from '../helpers/run.js';
import { runInSandbox } from '../helpers/sandbox.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-inv-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
const classic = join(examplesDir, 'classic.conf');
const classicText = readFileSync(classic, 'utf8');

/** A minimal offline root: a shadow file with root's entry, as every image has. */
function targetRoot(dir: string): string {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  return dir;
}

/** `osconf ARGS | head -1` in a shell: the reader goes away after one line. */
const cutShort = (args: string) => run('bash', ['-c', `set -o pipefail; node ${osconfBin} ${args} | head -1 >/dev/null; echo "exit \${PIPESTATUS[0]}" >&2`]);

test('render and status cut short by `| head -1`: no stack trace, the command still exits 0', async (t) => {
  const root = targetRoot(join(work, 'status-root'));
  const applied = await osconf(['apply', '--root', root, '--conf', classic]);
  t.is(applied.code, 0, applied.stderr);
  for (const args of [`render --conf ${classic} --stack netplan`, `status --root ${root}`, `render --conf ${classic} --stack network-manager --json`]) {
    const r = await cutShort(args);
    t.regex(r.stderr, /exit 0\n$/, `${args}: ${r.stderr}`);
    t.notRegex(r.stderr, /EPIPE|at .*dist\/osconf|internal error/, args);
  }
});

test('a live apply whose output is cut short (`2>&1 | head -1`) still applies everything, removes os.conf and unmounts partition 1', async (t) => {
  const config = readOsConf(Buffer.from(classicText)).config;
  const box = LiveSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })), classicText, (b) => `[source]\ndevice=${b.loop}\n`);
  try {
    const r = await box.run(`
      ( $OSCONF apply --log-level debug 2>&1; echo $? > "$BOX/out/code" ) | head -1 > "$BOX/out/first"
      cat /proc/self/mountinfo > "$BOX/out/mounts"
      hostname > "$BOX/out/hostname"`);
    t.is(r.code, 0, r.stderr);
    t.is(box.out('code').trim(), '0', 'the apply was not interrupted');
    t.is(box.out('first').split('\n').length, 2, 'the reader got one line');
    t.is(box.out("hostname").trim(), config.hostname!);
    t.deepEqual(box.partitionListing(), [], 'os.conf removed');
    t.notRegex(box.out('mounts'), /\/run\/osconf/, 'partition 1 unmounted');
  } finally {
    box.destroy();
  }
});

test('wrong paths: a missing --conf is exit 1 naming it; a missing --root is exit 2 for every command', async (t) => {
  const missing = await osconf(['apply', '--conf', '/nonexistent/os.conf', '--root', work, '--dry-run']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /osconf: --conf \/nonexistent\/os\.conf: no such file\n$/);
  for (const args of [
    ['apply', '--root', '/nonexistent', '--conf', classic, '--dry-run'],
    ['status', '--root', '/nonexistent'],
    ['render', '--root', '/nonexistent', '--conf', classic],
    ['check', '--root', '/nonexistent'],
    ['prepare', '--root', '/nonexistent', '--dry-run'],
    ['apply', '--root', classic, '--conf', classic, '--dry-run'],
  ]) {
    const r = await osconf(args, { cwd: work });
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /^osconf: --root \S+: (no such directory|not a directory)\n$/, args.join(' '));
  }
});

test('relative --conf, --config and --root are resolved against the working directory', async (t) => {
  const dir = join(work, 'rel');
  mkdirSync(join(dir, 'cfgs'), { recursive: true });
  targetRoot(join(dir, 'target'));
  writeFileSync(join(dir, 'cfgs', 'x.conf'), '[network]\nstack = eni\n');
  writeFileSync(join(dir, 'os.conf'), classicText);
  const r = await osconf(['apply', '--conf', 'os.conf', '--config', 'cfgs/x.conf', '--root', 'target', '--json'], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  t.regex(readFileSync(join(dir, 'target', 'etc', 'network', 'interfaces.d', '50-osconf'), 'utf8'), /iface eth1 inet static/, 'the relative --config (stack = eni) was read');
});

test('apply --dry-run --json prints the plan as JSON, the password hash withheld', async (t) => {
  const r = await osconf(['apply', '--conf', classic, '--root', targetRoot(join(work, 'dry')), '--dry-run', '--json', '--stack', 'netplan']);
  t.is(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  t.true(plan.dryRun);
  t.is(plan.stack, 'netplan');
  t.deepEqual(plan.concerns.map((c: { concern: string }) => c.concern), ['password', 'network', 'hostname', 'dns']);
  const shadow = plan.concerns[0].actions.find((a: { path?: string }) => a.path === '/etc/shadow');
  t.truthy(shadow.withheld);
  t.false('content' in shadow);
  t.notRegex(r.stdout, /\$6\$|qwHr1234|cXdIcjEyMzQK/);
});

test('not root: one line saying so, before anything is read or changed', async (t) => {
  // As nobody, in a sandbox of its own (fresh mount, UTS and network namespaces).
  const r = await runInSandbox('none', 'setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, osconfBin, 'apply'], { cwd: repoRoot });
  t.is(r.code, 1, r.stderr);
  t.is(r.stderr, 'osconf: apply changes this system (password, network, host name): run it as root, or see the plan with --dry-run\n');
});

test("show --config checks osconf's own file alone: every problem with its line, exit 3; a clean file exit 0", async (t) => {
  const bad = join(work, 'bad.conf');
  writeFileSync(bad, 'mode = standalone\n[main]\nmode = standalone\n[network]\nstack = wicked2\n');
  const r = await osconf(['show', '--config', bad]);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stdout, new RegExp(`${bad}:1: mode is outside any \\[section\\]; ignored`));
  t.regex(r.stdout, new RegExp(`${bad}:5: \\[network\\] stack=wicked2 is not one of`));
  t.regex(r.stdout, /mode +standalone/);
  const good = join(repoRoot, 'packaging', 'osconf.conf');
  const ok = await osconf(['show', '--config', good, '--json']);
  t.is(ok.code, 0, ok.stdout);
  t.deepEqual(JSON.parse(ok.stdout).warnings, []);
});
