// The packages image builders install: built by `npm run package`, the .deb installed, run and purged in a
// Debian 12 root with Debian's own Node.js 18, the .rpm installed into a scratch rpm root, the tarball's
// install.sh, and the unit and init scripts checked by their own tools.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { inRootOverlay } from '../helpers/root-overlay.js';
import { run } from '../helpers/run.js';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const packages = join(repoRoot, 'dist', 'packages');
const deb = join(packages, `osconf_${version}_all.deb`);
const rpm = join(packages, `osconf-${version}-1.noarch.rpm`);
const tarball = join(packages, `osconf-${version}.tar.gz`);

test.before(async () => {
  const r = await run('bash', [join(repoRoot, 'scripts', 'package.sh')], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`npm run package failed: ${r.stdout}${r.stderr}`);
});

test('npm run package produces the deb, the rpm and the tarball', (t) => {
  for (const f of [deb, rpm, tarball]) t.true(existsSync(f), f);
});

test('the .deb installs in Debian 12 with its nodejs, enables the service, runs, verifies, and purges cleanly', async (t) => {
  const r = await inRootOverlay(
    { 'osconf.deb': deb },
    `set -e
     dpkg -i /tmp/osconf.deb
     echo "== version"; osconf --version
     echo "== node"; node --version
     echo "== enabled"; ls /etc/systemd/system/multi-user.target.wants/ | grep osconf
     echo "== rc"; ls /etc/rc*.d/ | grep osconf || true
     echo "== verify"; systemd-analyze verify --man=no /lib/systemd/system/osconf.service /lib/systemd/system/osconf.path /lib/systemd/system/osconf-retrigger.service /lib/systemd/system/osconf-verify.service 2>&1 && echo clean
     echo "== status"; osconf status
     mkdir -p /var/lib/osconf && echo '{}' > /var/lib/osconf/state.json
     dpkg --purge osconf
     echo "== after purge"
     for p in /usr/bin/osconf /lib/systemd/system/osconf.service /etc/osconf /var/lib/osconf /etc/systemd/system/multi-user.target.wants/osconf.service /etc/init.d/osconf /etc/init.d/osconf-verify /lib/systemd/system/osconf-verify.service; do
       [ -e "$p" ] || [ -L "$p" ] && echo "left: $p"
     done
     dpkg -s osconf 2>/dev/null | grep -q '^Status: install' && echo "still installed"
     echo end`,
  );
  try {
    t.is(r.code, 0, r.stdout + r.stderr);
    const section = (name: string) => r.stdout.split(`== ${name}\n`)[1]?.split('\n==')[0]?.trim() ?? '';
    t.is(section('version'), version);
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
  for (const f of ['/usr/bin/osconf', '/usr/lib/systemd/system/osconf.service', '/etc/rc.d/init.d/osconf', '/etc/osconf/osconf.conf', '/usr/share/man/man8/osconf.8.gz']) {
    t.true(files.includes(f), f);
  }
  t.regex(execFileSync('rpm', ['-qp', '--requires', rpm]).toString(), /^nodejs >= 10$/m);
  const scripts = execFileSync('rpm', ['-qp', '--scripts', rpm]).toString();
  t.regex(scripts, /systemctl enable osconf\.service/);
  t.regex(scripts, /chkconfig --add osconf/);
  t.regex(scripts, /systemctl disable osconf\.service/);
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
     ls /etc/systemd/system/multi-user.target.wants/
     ./install.sh --uninstall
     [ -e /usr/bin/osconf ] && echo "left /usr/bin/osconf" || true`,
  );
  try {
    t.is(r.code, 0, r.stdout + r.stderr);
    t.regex(r.stdout, /osconf installed and enabled \(systemd\)/);
    t.regex(r.stdout, new RegExp(`^${version.replace(/\./g, '\\.')}$`, 'm'));
    t.regex(r.stdout, /^osconf\.service$/m);
    t.regex(r.stdout, /osconf removed \(systemd\)/);
    t.notRegex(r.stdout, /left \/usr\/bin\/osconf/);
  } finally {
    r.cleanup();
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
