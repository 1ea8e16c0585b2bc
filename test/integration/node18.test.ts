// The shipped bundle on Debian 12's own Node.js 18, in a debootstrap root (scripts/install-test-deps.sh),
// with no node_modules beside it: same output as on the development Node.
import test from 'ava';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readOsConf } from '../../src/config/validate.js';
import { basename, join } from 'node:path';
import { examplesDir, goldenDir, osconfBin, toolsDir } from '../helpers/paths.js';
import { osconf, run } from '../helpers/run.js';
import { runInSandbox } from '../helpers/sandbox.js';

const root = join(toolsDir, 'debian12');

async function inChroot(args: string[]) {
  return runInSandbox('none', 'chroot', [root, '/usr/bin/env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', ...args]);
}

test("Debian 12's nodejs is Node 18", async (t) => {
  t.true(existsSync(join(root, 'usr', 'bin', 'node')), `no Debian root at ${root}: run scripts/install-test-deps.sh`);
  const r = await inChroot(['node', '--version']);
  t.regex(r.stdout, /^v18\./);
});

test('the bundle runs on Node 18 and prints what it prints on the development Node', async (t) => {
  const scratch = mkdtempSync(join(root, 'tmp', 'osconf-node18-'));
  const inside = (p: string) => `/tmp/${basename(scratch)}/${p}`;
  try {
    copyFileSync(osconfBin, join(scratch, 'osconf'));
    copyFileSync(join(examplesDir, 'classic.conf'), join(scratch, 'classic.conf'));
    copyFileSync(join(goldenDir, 'three-nics', 'input.conf'), join(scratch, 'three.conf'));
    t.false(existsSync(join(scratch, 'node_modules')));

    const version = await inChroot([inside('osconf'), '--version']);
    t.is(version.code, 0, version.stderr);
    for (const [conf, host] of [
      ['classic.conf', join(examplesDir, 'classic.conf')],
      ['three.conf', join(goldenDir, 'three-nics', 'input.conf')],
    ] as const) {
      for (const args of [
        ['show', '--json'],
        ['datasource', '--format', 'network-config', '--instance-id', 'i'],
        ['datasource', '--format', 'network-config-v1', '--instance-id', 'i'],
        ['datasource', '--format', 'meta-data', '--instance-id', 'i'],
      ]) {
        const old = await inChroot([inside('osconf'), args[0]!, '--conf', inside(conf), ...args.slice(1)]);
        const dev = await osconf([args[0]!, '--conf', host, ...args.slice(1)]);
        t.is(old.code, 0, old.stderr);
        t.is(old.stdout.replace(inside(conf), host), dev.stdout, args.join(' '));
      }
      // user-data hashes with a random salt: Node 18's hash must verify against the password (openssl).
      const ud = await inChroot([inside('osconf'), 'datasource', '--conf', inside(conf), '--format', 'user-data']);
      const hash = /password: (\$6\$([./0-9A-Za-z]{16})\$[./0-9A-Za-z]{86})\n/.exec(ud.stdout);
      t.truthy(hash, ud.stdout);
      const password = readOsConf(readFileSync(host)).config.password!.reveal();
      const check = await run('openssl', ['passwd', '-6', '-salt', hash![2]!, '-stdin'], { input: password });
      t.is(check.stdout.trim(), hash![1]!);
    }
    const bad = await inChroot([inside('osconf'), 'show', '--conf', inside('absent.conf')]);
    t.is(bad.code, 1);
    t.regex(bad.stderr, /^osconf: failed to open/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test("the launcher's code cache works on Node 18: written by the first run, accepted by the next, same output", async (t) => {
  const scratch = mkdtempSync(join(root, 'tmp', 'osconf-node18-cache-'));
  const inside = (p: string) => `/tmp/${basename(scratch)}/${p}`;
  try {
    copyFileSync(osconfBin, join(scratch, 'osconf'));
    copyFileSync(join(examplesDir, 'vpc.conf'), join(scratch, 'vpc.conf'));
    const args = [`OSCONF_CACHE_DIR=${inside('')}`, inside('osconf'), 'show', '--conf', inside('vpc.conf'), '--json'];
    const first = await inChroot(args);
    const cache = join(scratch, `osconf-${process.arch}.v8cache`);
    t.is(first.code, 0, first.stderr);
    t.true(existsSync(cache), 'cache written on Node 18');
    const written = readFileSync(cache);
    const second = await inChroot(args);
    t.is(second.stdout, first.stdout);
    t.deepEqual(readFileSync(cache), written, 'accepted, so not rewritten');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
