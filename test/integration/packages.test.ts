// The packages image builders install: built by `npm run package`, the .deb installed, run and purged in a
// Debian 12 root with Debian's own Node.js 18, the .rpm installed into a scratch rpm root, the tarball's
// install.sh, and the unit and init scripts checked by their own tools. Each ecosystem's own checker judges
// its package (lintian, rpmlint, systemctl preset, man, packer validate).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { inRootOverlay } from '../helpers/root-overlay.js';
import { run } from '../helpers/run.js';
import { runInSandbox } from '../helpers/sandbox.js';

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
  for (const f of ['/usr/bin/osconf', '/usr/lib/systemd/system/osconf.service', '/usr/lib/systemd/system-preset/80-osconf.preset', '/etc/rc.d/init.d/osconf', '/etc/osconf/osconf.conf', '/usr/share/man/man8/osconf.8.gz', '/usr/share/man/man5/osconf.conf.5.gz']) {
    t.true(files.includes(f), f);
  }
  t.regex(execFileSync('rpm', ['-qp', '--requires', rpm]).toString(), /^nodejs >= 10$/m);
  const scripts = execFileSync('rpm', ['-qp', '--scripts', rpm]).toString();
  // %systemd_post / %systemd_preun: preset on first install (80-osconf.preset enables), disable on last removal.
  t.regex(scripts, /systemctl --no-reload preset osconf\.service/);
  t.notRegex(scripts, /systemctl enable/);
  t.regex(scripts, /chkconfig --add osconf/);
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
    t.regex(r.stdout, /^enable osconf\.service$/m);
    t.regex(r.stdout, /^\.TH OSCONF\.CONF 5 /m);
    t.regex(r.stdout, /osconf removed \(systemd\)/);
    t.notRegex(r.stdout, /left \/usr\/bin\/osconf/);
    t.notRegex(r.stdout, /left the preset/);
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
