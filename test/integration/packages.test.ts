// The packages image builders install: built by `npm run package`, the .deb installed, run and purged in a
// Debian 12 root with Debian's own Node.js 18, the .rpm installed into a scratch rpm root, the tarball's
// install.sh, and the unit and init scripts checked by their own tools. Each ecosystem's own checker judges
// its package (lintian, rpmlint, systemctl preset, man, packer validate). The standalone tarballs (osconf with
// its own Node.js) are installed into a Debian 11 root without nodejs, and their aarch64 runtime run under
// qemu-user.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { DISTROS } from '../fixtures/distros.js';
import { normalise, tree } from '../helpers/outcome.js';
import { examplesDir, osconfBin, repoRoot, toolsDir } from '../helpers/paths.js';
import { inRootOverlay } from '../helpers/root-overlay.js';
import { run } from '../helpers/run.js';
import { runInSandbox } from '../helpers/sandbox.js';
import { buildRoot } from '../helpers/sandbox-root.js';
import { rootHashVerifies } from '../helpers/shadow.js';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const packages = join(repoRoot, 'dist', 'packages');
const deb = join(packages, `osconf_${version}_all.deb`);
const rpm = join(packages, `osconf-${version}-1.noarch.rpm`);
const tarball = join(packages, `osconf-${version}.tar.gz`);
const standalone = (arch: 'x86_64' | 'aarch64') => join(packages, `osconf-${version}-standalone-${arch}.tar.gz`);
// The Debian 11 root without nodejs and the aarch64 libraries qemu-user runs the aarch64 runtime with
// (scripts/install-test-deps.sh builds both).
const debian11Root = join(toolsDir, 'debian11');
const arm64Sysroot = join(toolsDir, 'debian11-arm64');
const STANDALONE_NODE = /^version=(\S+)$/m.exec(readFileSync(join(repoRoot, 'scripts', 'node-standalone.sh'), 'utf8'))![1]!;

test.before(async () => {
  const r = await run('bash', [join(repoRoot, 'scripts', 'package.sh')], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`npm run package failed: ${r.stdout}${r.stderr}`);
});

test('npm run package produces the deb, the rpm and the tarballs', (t) => {
  for (const f of [deb, rpm, tarball, standalone('x86_64'), standalone('aarch64')]) t.true(existsSync(f), f);
});

test('each standalone tarball is the plain one plus the Node.js binary and its LICENSE, for its architecture', async (t) => {
  const list = (file: string) => execFileSync('tar', ['-tzf', file]).toString().split('\n').filter(Boolean).map((e) => e.replace(/^[^/]+\//, '')).sort();
  const plain = list(tarball);
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const entries = list(standalone(arch));
    t.deepEqual(entries.filter((e) => !e.startsWith('lib/')), plain, arch);
    // No npm, no headers: only the runtime.
    t.deepEqual(entries.filter((e) => e.startsWith('lib/')), ['lib/', 'lib/node/', 'lib/node/LICENSE', 'lib/node/bin/', 'lib/node/bin/node'], arch);
    const dir = mkdtempSync(join(tmpdir(), 'osconf-standalone-'));
    try {
      execFileSync('tar', ['-xzf', standalone(arch), '-C', dir, `osconf-${version}-standalone-${arch}/lib/node/bin/node`]);
      const header = execFileSync('readelf', ['-h', join(dir, `osconf-${version}-standalone-${arch}/lib/node/bin/node`)]).toString();
      t.regex(header, arch === 'x86_64' ? /Machine:\s+Advanced Micro Devices X86-64/ : /Machine:\s+AArch64/, arch);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('the glibc ceiling passes the packaged runtimes and fails Node.js 18, built for glibc 2.28', async (t) => {
  const ceiling = join(repoRoot, 'scripts', 'glibc-ceiling.sh');
  for (const arch of ['x86_64', 'aarch64']) {
    const r = await run('bash', [ceiling, join(toolsDir, 'node-standalone', `${STANDALONE_NODE}-${arch}`, 'bin', 'node')]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /within glibc 2\.17 and libstdc\+\+ 4\.8\.5 \(needs GLIBC_2\.(1[0-7]|[0-9]) GLIBCXX_3\.4\.(1[0-9]|[0-9])\)/);
  }
  const node18 = join(toolsDir, 'node', '18.20.8', 'bin', 'node');
  t.true(existsSync(node18), 'Node.js 18 of the matrix: run scripts/install-test-deps.sh');
  const r = await run('bash', [ceiling, node18]);
  t.is(r.code, 1);
  t.regex(r.stderr, /does not run on CentOS 7 .*GLIBC_2\.28 \(above GLIBC_2\.17\)/);
  t.regex(r.stderr, /GLIBCXX_3\.4\.21 \(above GLIBCXX_3\.4\.19\)/);
});

test('the .deb installs in Debian 12 with its nodejs, enables the service, runs, verifies, and purges cleanly', async (t) => {
  const r = await inRootOverlay(
    { 'osconf.deb': deb },
    `set -e
     dpkg -i /tmp/osconf.deb
     # The postinst made the code cache; a run accepts it (the launcher replaces a refused one: a new inode).
     echo "== cache"; cd /var/cache/osconf && ls; before=$(stat -c %i osconf-*.v8cache); cd /
     ls -d /tmp/osconf-compile-cache.* 2>/dev/null || true
     osconf --version >/dev/null; [ "$(stat -c %i /var/cache/osconf/osconf-*.v8cache)" = "$before" ] && echo accepted
     # A run that fails installs no cache (one written by a run that stopped early would hold little).
     rm /var/cache/osconf/osconf-*.v8cache
     echo "== failed run"; /usr/lib/osconf/compile-cache /bin/false 2>/dev/null || echo "exit $?"; ls /var/cache/osconf
     # A Node.js upgrade (a file of the nodejs package replaced) triggers the postinst, which makes it again.
     dpkg-trigger --no-await /usr/bin/node && dpkg --triggers-only --pending >&2
     echo "== cache after trigger"; ls /var/cache/osconf
     echo "== version"; osconf --version
     echo "== node"; node --version
     echo "== enabled"; ls /etc/systemd/system/multi-user.target.wants/ | grep osconf
     echo "== rc"; ls /etc/rc*.d/ | grep osconf || true
     echo "== verify"; systemd-analyze verify --man=no /lib/systemd/system/osconf.service /lib/systemd/system/osconf.path /lib/systemd/system/osconf-retrigger.service /lib/systemd/system/osconf-verify.service 2>&1 && echo clean
     echo "== status"; osconf status
     mkdir -p /var/lib/osconf && echo '{}' > /var/lib/osconf/state.json
     dpkg --purge osconf
     echo "== after purge"
     for p in /usr/bin/osconf /usr/lib/osconf/osconf-boot /lib/systemd/system/osconf.service /etc/osconf /var/lib/osconf /var/cache/osconf /etc/systemd/system/multi-user.target.wants/osconf.service /etc/init.d/osconf /etc/init.d/osconf-verify /lib/systemd/system/osconf-verify.service; do
       [ -e "$p" ] || [ -L "$p" ] && echo "left: $p"
     done
     dpkg -s osconf 2>/dev/null | grep -q '^Status: install' && echo "still installed"
     echo end`,
  );
  try {
    t.is(r.code, 0, r.stdout + r.stderr);
    const section = (name: string) => r.stdout.split(`== ${name}\n`)[1]?.split('\n==')[0]?.trim() ?? '';
    t.is(section('version'), version);
    const cacheName = `osconf-${process.arch}.v8cache`;
    t.is(section('cache'), `${cacheName}\naccepted`, 'made by the postinst, no scratch root left, accepted by a run');
    t.is(section('cache after trigger'), cacheName);
    t.is(section('failed run'), 'exit 1');
    t.notRegex(r.stdout + r.stderr, /compile-cache:/, 'the postinst made the cache without a complaint');
    t.regex(section('node'), /^v18\./);
    t.is(section('enabled'), 'osconf.service');
    t.is(section('verify'), 'clean');
    t.regex(section('status'), /has not applied anything/);
    t.is(section('after purge'), 'end');
  } finally {
    r.cleanup();
  }
});

test('the .rpm carries the files, Node dependency and enable scriptlets, and installs into a scratch rpm root', async (t) => {
  const files = execFileSync('rpm', ['-qlp', rpm]).toString().split('\n').filter(Boolean);
  for (const f of ['/usr/bin/osconf', '/usr/lib/osconf/osconf-boot', '/usr/lib/osconf/compile-cache', '/usr/lib/systemd/system/osconf.service', '/usr/lib/systemd/system-preset/80-osconf.preset', '/etc/rc.d/init.d/osconf', '/etc/osconf/osconf.conf', '/usr/share/man/man8/osconf.8.gz', '/usr/share/man/man5/osconf.conf.5.gz']) {
    t.true(files.includes(f), f);
  }
  t.regex(execFileSync('rpm', ['-qp', '--requires', rpm]).toString(), /^nodejs >= 10$/m);
  const scripts = execFileSync('rpm', ['-qp', '--scripts', rpm]).toString();
  // %systemd_post / %systemd_preun: preset on first install (80-osconf.preset enables), disable on last removal.
  t.regex(scripts, /systemctl --no-reload preset osconf\.service/);
  t.notRegex(scripts, /systemctl enable/);
  t.regex(scripts, /chkconfig --add osconf/);
  t.regex(scripts, /^\/usr\/lib\/osconf\/compile-cache \|\| :$/m);
  t.regex(execFileSync('rpm', ['-qp', '--triggers', rpm]).toString(), /triggerin scriptlet \(using \/bin\/sh\) -- nodejs\n\/usr\/lib\/osconf\/compile-cache \|\| :/);
  t.regex(scripts, /systemctl --no-reload disable --now osconf\.service osconf\.path/);
  t.regex(execFileSync('rpm', ['-qp', '--configfiles', rpm]).toString(), /\/etc\/osconf\/osconf\.conf/);

  const root = mkdtempSync(join(tmpdir(), 'osconf-rpmroot-'));
  try {
    execFileSync('rpm', ['--root', root, '--initdb']);
    // The scratch root has no shell or Node, so dependencies and scriptlets are left out.
    execFileSync('rpm', ['--root', root, '-i', '--nodeps', '--noscripts', rpm]);
    t.regex(execFileSync('rpm', ['--root', root, '-q', 'osconf']).toString(), new RegExp(`^osconf-${version}-1\\.noarch`));
    t.is(execFileSync('rpm', ['--root', root, '-V', '--nodeps', 'osconf']).toString(), '', 'installed files verify');
    t.true(existsSync(join(root, 'usr/bin/osconf')));
    execFileSync('rpm', ['--root', root, '-e', '--noscripts', 'osconf']);
    t.false(existsSync(join(root, 'usr/bin/osconf')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the tarball's install.sh installs, enables for systemd, and uninstalls", async (t) => {
  const r = await inRootOverlay(
    { 'osconf.tar.gz': tarball },
    `set -e
     cd /tmp && tar xzf osconf.tar.gz && cd osconf-${version}
     ./install.sh
     osconf --version
     ls /var/cache/osconf
     ls /etc/systemd/system/multi-user.target.wants/
     cat /etc/systemd/system-preset/80-osconf.preset | grep -v '^#'
     zcat /usr/share/man/man5/osconf.conf.5.gz | head -1
     ./install.sh --uninstall
     [ -e /usr/bin/osconf ] && echo "left /usr/bin/osconf" || true
     [ -e /etc/systemd/system-preset/80-osconf.preset ] && echo "left the preset" || true`,
  );
  try {
    t.is(r.code, 0, r.stdout + r.stderr);
    t.regex(r.stdout, /osconf installed and enabled \(systemd\)/);
    t.regex(r.stdout, new RegExp(`^${version.replace(/\./g, '\\.')}$`, 'm'));
    t.regex(r.stdout, /^osconf\.service$/m);
    t.regex(r.stdout, new RegExp(`^osconf-${process.arch}\\.v8cache$`, 'm'), 'install.sh made the code cache');
    t.regex(r.stdout, /^enable osconf\.service$/m);
    t.regex(r.stdout, /^\.TH OSCONF\.CONF 5 /m);
    t.regex(r.stdout, /osconf removed \(systemd\)/);
    t.notRegex(r.stdout, /left \/usr\/bin\/osconf/);
    t.notRegex(r.stdout, /left the preset/);
  } finally {
    r.cleanup();
  }
});

// What the development build (this checkout's dist/osconf under this Node.js) prints and writes: the reference
// the standalone install must match. Each example is applied into the root of a distribution with another
// stack (sysconfig, netplan), as the Node matrix does.
const APPLY_DISTRO = { classic: 'CentOS 7 with the network service', vpc: 'Ubuntu 22.04' } as const;
const SHADOW = 'root:$1$old$oldoldoldoldoldoldold:18000:0:99999:7:::\nbin:*:18000:0:99999:7:::\n';
const applyRoot = (example: keyof typeof APPLY_DISTRO) => {
  const distro = DISTROS.find((d) => d.name === APPLY_DISTRO[example])!;
  return buildRoot({ ...distro, extra: { ...distro.extra, '/etc/shadow': SHADOW, '/etc/hosts': '127.0.0.1 localhost\n' } });
};
const passwordOf = (example: string) => readOsConf(readFileSync(join(examplesDir, `${example}.conf`))).config.password!.reveal();

/** An applied root's files and apply's output, with its digest key, the state's digest, PIDs and paths as markers. */
function appliedOutcome(example: string, root: string, stdout: string, stderr: string, dirs: Record<string, string>) {
  const shadow = readFileSync(join(root, 'etc', 'shadow'), 'utf8');
  if (!rootHashVerifies(shadow, passwordOf(example))) throw new Error(`root's hash does not verify: ${shadow.split('\n')[0]}`);
  const key = readFileSync(join(root, 'var', 'lib', 'osconf', 'digest.key'), 'utf8').trim();
  // os.conf's digest is keyed by the random digest.key: it must be the HMAC under this root's key.
  const digest = `hmac-sha256:${createHmac('sha256', Buffer.from(key, 'hex')).update(readFileSync(join(examplesDir, `${example}.conf`))).digest('hex')}`;
  if (!readFileSync(join(root, 'var', 'lib', 'osconf', 'state.json'), 'utf8').includes(digest)) throw new Error("state.json's digest is not os.conf's HMAC under digest.key");
  const markers = { ...dirs, '<key>': key, 'hmac-sha256:<digest>': digest };
  return {
    stdout: normalise(stdout, markers),
    stderr: normalise(stderr, markers),
    // The lock file holds its holder's PID.
    files: Object.fromEntries(Object.entries(tree(root)).map(([k, v]) => [k, k.startsWith('/run/osconf/apply.lock ') ? '<pid>' : normalise(v, markers)])),
  };
}

test('the x86_64 standalone tarball installs into Debian 11 without nodejs, and runs as the development build does', async (t) => {
  const examples = ['classic', 'vpc'] as const;
  const work = mkdtempSync(join(tmpdir(), 'osconf-standalone-d11-'));
  const devRoots: string[] = [];
  try {
    t.true(existsSync(join(debian11Root, 'etc', 'debian_version')), `no Debian 11 root at ${debian11Root}: run scripts/install-test-deps.sh`);
    t.regex(readFileSync(join(debian11Root, 'etc', 'debian_version'), 'utf8'), /^11\./);
    const confs = join(work, 'examples');
    execFileSync('mkdir', [confs]);
    for (const e of examples) execFileSync('cp', [join(examplesDir, `${e}.conf`), confs]);
    const files: Record<string, string> = { 'osconf.tar.gz': standalone('x86_64'), examples: confs };
    for (const e of examples) {
      files[`root-${e}`] = applyRoot(e);
      devRoots.push(files[`root-${e}`]!);
    }
    const dir = `osconf-${version}-standalone-x86_64`;
    const r = await inRootOverlay(
      files,
      `set -e
       echo "== system node"; command -v node nodejs || echo none
       cd /tmp && tar xzf osconf.tar.gz && cd ${dir}
       echo "== install"; ./install.sh
       echo "== link"; readlink /usr/bin/osconf
       echo "== interpreter"; head -n 1 /opt/osconf/bin/osconf
       echo "== runtime"; /opt/osconf/lib/node/bin/node --version
       echo "== version"; osconf --version
       echo "== init script"; grep '^OSCONF=' /etc/init.d/osconf; /etc/init.d/osconf status || echo "exit $?"
       ${examples.map((e) => `echo "== show ${e}"; osconf show --conf /tmp/examples/${e}.conf`).join('\n')}
       mkdir /srv/applied
       ${examples.map((e) => `cp -a /tmp/root-${e} /srv/applied/${e}; osconf apply --root /srv/applied/${e} --conf /tmp/examples/${e}.conf --json >/srv/applied/${e}.out 2>/srv/applied/${e}.err || echo "apply ${e}: exit $?"`).join('\n')}
       echo "== uninstall"; ./install.sh --uninstall
       echo "== after uninstall"
       for p in /usr/bin/osconf /opt/osconf /etc/init.d/osconf; do if [ -e "$p" ] || [ -L "$p" ]; then echo "left: $p"; fi; done
       echo end`,
      debian11Root,
    );
    try {
      t.is(r.code, 0, r.stdout + r.stderr);
      const section = (name: string) => r.stdout.split(`== ${name}\n`)[1]?.split('\n==')[0]?.trim() ?? '';
      t.is(section('system node'), 'none');
      t.is(section('install'), 'osconf installed and enabled (sysvinit)');
      t.is(section('link'), '/opt/osconf/bin/osconf');
      t.is(section('interpreter'), '#!/opt/osconf/lib/node/bin/node');
      t.is(section('runtime'), `v${STANDALONE_NODE}`);
      t.is(section('version'), version);
      // The init script runs /usr/bin/osconf, whichever layout put it there.
      t.regex(section('init script'), /^OSCONF=\/usr\/bin\/osconf\n[\s\S]*has not applied anything[\s\S]*exit 3$/);
      const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', OSCONF_CACHE_DIR: join(work, 'cache') };
      for (const e of examples) {
        const dev = await run(process.execPath, [osconfBin, 'show', '--conf', join(confs, `${e}.conf`)], { env });
        t.is(dev.code, 0, dev.stderr);
        t.is(section(`show ${e}`), normalise(dev.stdout, { '/tmp/examples': confs }).trim(), `show --conf ${e}.conf`);
      }
      t.notRegex(r.stdout, /apply \w+: exit/);
      for (const e of examples) {
        const devRoot = applyRoot(e);
        devRoots.push(devRoot);
        const dev = await run(process.execPath, [osconfBin, 'apply', '--root', devRoot, '--conf', join(confs, `${e}.conf`), '--json'], { env, timeoutMs: 120_000 });
        t.is(dev.code, 0, dev.stderr);
        const applied = join(r.upper, 'srv', 'applied');
        const theirs = appliedOutcome(e, join(applied, e), readFileSync(join(applied, `${e}.out`), 'utf8'), readFileSync(join(applied, `${e}.err`), 'utf8'), { '<root>': `/srv/applied/${e}`, '<examples>': '/tmp/examples' });
        const mine = appliedOutcome(e, devRoot, dev.stdout, dev.stderr, { '<root>': devRoot, '<examples>': confs });
        t.true(Object.keys(mine.files).length > 5, 'apply wrote files');
        t.deepEqual(theirs, mine, `apply --root ${e}`);
      }
      t.is(section('uninstall'), 'osconf removed (sysvinit); /etc/osconf and /var/lib/osconf kept');
      t.is(section('after uninstall'), 'end');
    } finally {
      r.cleanup();
    }
  } finally {
    for (const d of [work, ...devRoots]) rmSync(d, { recursive: true, force: true });
  }
});

test('the aarch64 standalone runtime runs osconf under qemu-user (qemu-aarch64-static)', async (t) => {
  t.true(existsSync('/usr/bin/qemu-aarch64-static'), 'no qemu-aarch64-static: run scripts/install-test-deps.sh (qemu-user-static)');
  t.true(existsSync(join(arm64Sysroot, 'lib', 'ld-linux-aarch64.so.1')), `no aarch64 libraries at ${arm64Sysroot}: run scripts/install-test-deps.sh`);
  const dir = mkdtempSync(join(tmpdir(), 'osconf-aarch64-'));
  try {
    execFileSync('tar', ['-xzf', standalone('aarch64'), '-C', dir]);
    const unpacked = join(dir, `osconf-${version}-standalone-aarch64`);
    const node = join(unpacked, 'lib', 'node', 'bin', 'node');
    // -L: the aarch64 loader and libraries (glibc, libstdc++) come from Debian 11's arm64 packages.
    const qemu = (args: string[]) => runInSandbox('none', 'qemu-aarch64-static', ['-L', arm64Sysroot, node, ...args], { env: { PATH: '/usr/bin:/bin', OSCONF_CACHE_DIR: join(dir, 'cache') }, timeoutMs: 300_000 });
    const v = await qemu(['--version']);
    t.is(v.code, 0, v.stderr);
    t.is(v.stdout, `v${STANDALONE_NODE}\n`);
    t.is((await qemu(['-p', 'process.arch'])).stdout, 'arm64\n');
    const o = await qemu([join(unpacked, 'osconf'), '--version']);
    t.is(o.code, 0, o.stderr);
    t.is(o.stdout, `${version}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the SysV and OpenRC scripts parse, and the LSB and chkconfig headers start osconf before the network', (t) => {
  for (const script of ['init.d/osconf', 'init.d/openrc/osconf', 'init.d/osconf-verify', 'init.d/openrc/osconf-verify']) execFileSync('sh', ['-n', join(repoRoot, script)]);
  const text = readFileSync(join(repoRoot, 'init.d/osconf'), 'utf8');
  const lsb = /### BEGIN INIT INFO\n([\s\S]*?)### END INIT INFO/.exec(text)![1]!;
  const field = (name: string) => new RegExp(`^# ${name}:\\s+(.*)$`, 'm').exec(lsb)?.[1]?.trim().split(/\s+/) ?? [];
  t.deepEqual(field('Provides'), ['osconf']);
  t.true(field('Required-Start').includes('$local_fs'));
  t.deepEqual(field('Default-Start'), ['S']);
  for (const before of ['networking', 'network', 'NetworkManager', 'ssh', 'sshd']) t.true(field('X-Start-Before').includes(before), before);
  const chkconfig = /^# chkconfig: (\S+) (\d+) (\d+)$/m.exec(text)!;
  t.truthy(chkconfig);
  // CentOS 6 starts the network service at S10: osconf must come earlier.
  t.true(Number(chkconfig[2]) < 10);
  const openrc = readFileSync(join(repoRoot, 'init.d/openrc/osconf'), 'utf8');
  t.regex(openrc, /before net networking/);
  // The deferred verify step: after the network (insserv's $network, CentOS 6's S10), only with the marker.
  const verify = readFileSync(join(repoRoot, 'init.d/osconf-verify'), 'utf8');
  t.regex(/^# Required-Start:\s+(.*)$/m.exec(verify)![1]!, /\$network/);
  t.true(Number(/^# chkconfig: \S+ (\d+) \d+$/m.exec(verify)![1]) > 10);
  t.regex(verify, /\[ -e "\$MARKER" \] \|\| exit 0/);
  t.regex(readFileSync(join(repoRoot, 'init.d/openrc/osconf-verify'), 'utf8'), /after osconf net networking/);
});

test('the SysV script honours the disable switch and reports status', async (t) => {
  const r = await inRootOverlay(
    { 'osconf.deb': deb },
    `dpkg -i /tmp/osconf.deb >/dev/null
     mkdir -p /etc/osconf && touch /etc/osconf/disabled
     /etc/init.d/osconf start; echo "start exit $?"
     /etc/init.d/osconf status; echo "status exit $?"
     /etc/init.d/osconf bogus; echo "bogus exit $?"`,
  );
  try {
    t.regex(r.stdout, /osconf: disabled\nstart exit 0/);
    t.regex(r.stdout, /status exit 3/);
    t.regex(r.stdout, /bogus exit 2/);
  } finally {
    r.cleanup();
  }
});

test('lintian --pedantic finds no error or warning in the .deb (overrides carry their reason)', async (t) => {
  const r = await run('lintian', ['--pedantic', '--info', '--show-overrides', deb], { timeoutMs: 300_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.deepEqual(r.stdout.split('\n').filter((l) => /^[EW]: /.test(l)), [], r.stdout);
  // Every override is shown with its written reason (N: lines), none without.
  const overridden = r.stdout.split('\n').filter((l) => l.startsWith('O: '));
  t.true(overridden.length > 0);
  t.regex(readFileSync(join(repoRoot, 'debian', 'osconf.lintian-overrides'), 'utf8'), /^# \S/m);
  const lines = r.stdout.split('\n');
  lines.forEach((l, i) => {
    if (l.startsWith('O: ')) t.regex(lines[i - 1] ?? '', /^N: /, `${l} has no reason`);
  });
});

test('rpmlint finds no error in the .rpm', async (t) => {
  const r = await run('rpmlint', ['-c', join(repoRoot, 'packaging', 'rpm', 'rpmlint.toml'), rpm], { timeoutMs: 120_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, / 0 errors, /);
  t.deepEqual(r.stdout.split('\n').filter((l) => / E: /.test(l)), []);
});

test('the packages carry LICENSE and the third-party notice naming every bundled dependency', async (t) => {
  const deps = Object.keys(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).dependencies as Record<string, string>);
  const dir = mkdtempSync(join(tmpdir(), 'osconf-legal-'));
  try {
    execFileSync('dpkg-deb', ['-x', deb, join(dir, 'deb')]);
    const debNotice = execFileSync('gzip', ['-dc', join(dir, 'deb/usr/share/doc/osconf/THIRD-PARTY-NOTICES.gz')]).toString();
    t.regex(readFileSync(join(dir, 'deb/usr/share/doc/osconf/copyright'), 'utf8'), /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/$/m);
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const tarNotice = readFileSync(join(dir, `osconf-${version}`, 'THIRD-PARTY-NOTICES'), 'utf8');
    t.is(readFileSync(join(dir, `osconf-${version}`, 'LICENSE'), 'utf8'), readFileSync('/usr/share/common-licenses/Apache-2.0', 'utf8'));
    t.is(tarNotice, debNotice);
    const licenses = execFileSync('rpm', ['-qp', '--licensefiles', rpm]).toString();
    t.regex(licenses, /\/LICENSE$/m);
    t.regex(licenses, /\/THIRD-PARTY-NOTICES$/m);
    for (const d of deps) t.regex(debNotice, new RegExp(`^  ${d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\d`, 'm'), d);
    // Each entry carries a license text, not only a name.
    t.regex(debNotice, /^commander \S+\nLicense: MIT\n\n[\s\S]*?Permission is hereby granted/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// systemd.preset(5): `systemctl preset-all` applies the presets in an offline root. Fedora, RHEL and openSUSE
// end theirs with `disable *`; 80-osconf.preset must keep osconf enabled there.
async function presetAll(root: string, withOsconfPreset: boolean): Promise<boolean> {
  for (const dir of ['usr/lib/systemd/system-preset', 'lib/systemd/system-preset']) {
    if (!withOsconfPreset) rmSync(join(root, dir, '80-osconf.preset'), { force: true });
  }
  execFileSync('mkdir', ['-p', join(root, 'usr/lib/systemd/system-preset'), join(root, 'etc/systemd/system/multi-user.target.wants')]);
  execFileSync('sh', ['-c', 'echo "disable *" > "$1"', 'sh', join(root, 'usr/lib/systemd/system-preset/99-default.preset')]);
  // Enabled by hand first (as the old scriptlets did): a `disable *` preset removes exactly this link.
  execFileSync('ln', ['-sf', '/usr/lib/systemd/system/osconf.service', join(root, 'etc/systemd/system/multi-user.target.wants/osconf.service')]);
  const r = await run('systemctl', ['--root', root, 'preset-all']);
  if (r.code !== 0) throw new Error(`systemctl preset-all: ${r.stderr}`);
  // The link points into the offline root's /usr/lib or /lib: lstat it, not its target on this machine.
  try {
    return lstatSync(join(root, 'etc/systemd/system/multi-user.target.wants/osconf.service')).isSymbolicLink();
  } catch {
    return false;
  }
}

for (const kind of ['deb', 'rpm'] as const) {
  test(`the ${kind}'s 80-osconf.preset keeps osconf enabled through systemctl preset-all over \`disable *\``, async (t) => {
    const unpack = (root: string) =>
      kind === 'deb'
        ? execFileSync('dpkg-deb', ['-x', deb, root])
        : execFileSync('sh', ['-c', 'cd "$1" && rpm2cpio "$2" | cpio -idm --quiet', 'sh', root, rpm]);
    const withPreset = mkdtempSync(join(tmpdir(), `osconf-preset-${kind}-`));
    const without = mkdtempSync(join(tmpdir(), `osconf-nopreset-${kind}-`));
    try {
      unpack(withPreset);
      unpack(without);
      t.true(await presetAll(withPreset, true), 'enabled with 80-osconf.preset');
      // The control: the same root without osconf's preset loses the enablement.
      t.false(await presetAll(without, false), 'disabled without it');
    } finally {
      rmSync(withPreset, { recursive: true, force: true });
      rmSync(without, { recursive: true, force: true });
    }
  });
}

test('man renders osconf(8) and osconf.conf(5) from the .deb, with every command, option and setting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-man-'));
  try {
    execFileSync('dpkg-deb', ['-x', deb, dir]);
    const render = async (page: string) => {
      const r = await run('man', ['--warnings', '-l', join(dir, page)], { env: { ...process.env, MANWIDTH: '200', MAN_KEEP_FORMATTING: '', LANG: 'C.UTF-8' } });
      t.is(r.code, 0, r.stderr);
      t.is(r.stderr, '', `groff warnings in ${page}`);
      // Plain text: no overstrike, and hyphens as typed (man renders \- as U+2010 only when hyphenating).
      return r.stdout.replace(/.\x08/g, '').replace(/\u2010\n\s*/g, '').replace(/\u2010/g, '-');
    };
    const page8 = await render('usr/share/man/man8/osconf.8.gz');
    const help = execFileSync(process.execPath, [join(repoRoot, 'dist', 'osconf'), '--help']).toString();
    const commands = [...help.matchAll(/^ {2}([a-z][\w-]*) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    t.true(commands.length >= 8);
    for (const c of commands) {
      // The section's title is the command's usage line, arguments included (`osconf query [options] [key]`).
      t.regex(page8, new RegExp(`^ {3}osconf ${c} \\[options\\]( \\S.*)?$`, 'm'), `section for ${c}`);
      const opts = [...execFileSync(process.execPath, [join(repoRoot, 'dist', 'osconf'), c, '--help']).toString().matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
      for (const o of opts.filter((o) => o !== '--help')) t.true(page8.includes(o), `${c} ${o}`);
    }
    for (const s of ['OS.CONF', 'EXIT STATUS', 'FILES', 'EXAMPLES', 'GLOBAL OPTIONS']) t.regex(page8, new RegExp(`^${s}$`, 'm'));
    for (const key of ['hostname', 'password', 'ethN_ip_addr', 'ethN_mac_addr', 'ethN_netmask', 'ethN_gateway', 'ethN_route', 'dns_nameserver']) t.regex(page8, new RegExp(`^ {7}${key}`, 'm'), key);
    const page5 = await render('usr/share/man/man5/osconf.conf.5.gz');
    for (const [section, keys] of Object.entries({ main: ['mode'], source: ['uuid', 'label', 'device', 'path'], network: ['stack', 'profile'], apply: ['nic_wait'] })) {
      t.regex(page5, new RegExp(`^\\[${section}\\]$`, 'm'));
      for (const k of keys) t.regex(page5, new RegExp(`^ {7}${k} = value$`, 'm'), `${section} ${k}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Packer example validates with Packer offline, ships what it names, and hands a .raw to alicloud-import', async (t) => {
  const dir = join(repoRoot, 'packaging', 'packer');
  const template = readFileSync(join(dir, 'osconf.pkr.hcl'), 'utf8');
  t.regex(template, /raw_name = "\$\{var\.image_name\}\.raw"/);
  t.regex(template, /vm_name += local\.raw_name/);
  t.regex(template, /"osconf prepare --yes"/);
  t.regex(template, /"osconf check -p \/root"/);
  t.regex(template, /post-processor "alicloud-import"[\s\S]*format += "RAW"/);
  // test-image boots the finished .raw before the import, in one chain: its exit 1 stops the upload.
  t.regex(template, /post-processors \{\s*post-processor "shell-local" \{\s*inline = \["node \.\.\/\.\.\/dist\/osconf test-image output-\$\{var\.image_name\}\/\$\{local\.raw_name\}[^"]*"\]\s*\}\s*post-processor "alicloud-import"/);
  t.true(existsSync(join(dir, 'http', 'preseed.cfg')));
  t.true(template.includes(`default     = "../../dist/packages/osconf_${version}_all.deb"`), 'names the version npm run package builds');
  // Without a network (the suite's sandbox, an empty network namespace): Debian's packer 1.6 validates the
  // template, its variables, the builder's and the post-processor's arguments, and that the file
  // provisioner's source (the .deb) exists.
  const r = await runInSandbox(
    'none',
    'packer',
    ['validate', '-var', 'oss_bucket=bucket', '-var', 'build_password=build-only', '-var', 'iso_url=debian-12-netinst.iso', '-var', `iso_checksum=sha256:${'0'.repeat(64)}`, 'osconf.pkr.hcl'],
    { cwd: dir, env: { ...process.env, ALICLOUD_ACCESS_KEY: 'validate-only', ALICLOUD_SECRET_KEY: 'validate-only', CHECKPOINT_DISABLE: '1' }, timeoutMs: 120_000 },
  );
  t.is(r.code, 0, r.stdout + r.stderr);
});
