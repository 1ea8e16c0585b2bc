// `osconf check` and `osconf prepare` as image builders run them: on disk image files built here with the
// real tools (sfdisk, mkfs.vfat + mtools, mkfs.ext4 -d, debugfs; nothing is mounted), each seeded with one
// defect, and on root directories laid out like Debian 12.
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianRoot, materialize, type MemoryRoot } from '../helpers/memory-root.js';
import { osconfBin } from '../helpers/paths.js';
import { osconf, run } from '../helpers/run.js';
import { runInSandbox } from '../helpers/sandbox.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-image-tools-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
let serial = 0;
const fresh = (name: string): string => {
  const dir = join(work, `${name}-${++serial}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

async function sh(script: string, env: Record<string, string>): Promise<void> {
  const r = await run('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, ...env }, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${script}\n${r.stdout}${r.stderr}`);
}

/** A sealed Debian-like root with a real /bin/sh, so the report's architecture is read from an ELF header. */
function sealedRoot(): MemoryRoot {
  return debianRoot().file('/usr/bin/dash', readFileSync('/usr/bin/dash')).link('/usr/bin/sh', 'dash');
}

interface ImageSpec {
  sizeMiB: number;
  table: 'dos' | 'gpt';
  p1: 'vfat' | 'ext4' | 'lvm';
  aliyunDir: boolean;
  root: MemoryRoot;
  /** debugfs -w commands run on the root file system before it is placed (chattr flags, ...). */
  debugfsRoot?: string[];
  /** BIOS boot code in the MBR (default: a jump, as GRUB's boot.img begins); false leaves the area zero. */
  bootCode?: boolean;
  /** Files put into partition 1's aliyun_custom_image/ (name → content). */
  customImage?: Record<string, string>;
  /** Partition 1 is an EFI system partition (type EF / the ESP GUID) holding EFI/BOOT/. */
  esp?: boolean;
}

const P1_MIB = 64;
const ROOT_MIB = 96;

/** Builds the image file from partitions made as files and placed with dd: MBR or GPT, p1, p2 the root. */
async function buildImage(spec: ImageSpec): Promise<string> {
  const dir = fresh('image');
  const rootDir = join(dir, 'root');
  materialize(spec.root, rootDir);
  const image = join(dir, 'disk.img');
  const p1Type = spec.esp
    ? spec.table === 'gpt'
      ? 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'
      : 'ef'
    : spec.table === 'gpt'
      ? spec.p1 === 'lvm'
        ? 'E6D6D379-F507-44C2-A23C-238F2A3DF928'
        : 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'
      : { vfat: 'c', ext4: '83', lvm: '8e' }[spec.p1];
  const custom = join(dir, 'custom');
  mkdirSync(custom);
  for (const [name, content] of Object.entries(spec.customImage ?? {})) writeFileSync(join(custom, name), content);
  const p2Type = spec.table === 'gpt' ? '0FC63DAF-8483-4772-8E79-3D69D8477DE4' : '83';
  if (spec.p1 === 'lvm') {
    // An LVM2 physical volume label in sector 1, as pvcreate writes it.
    const label = Buffer.alloc(P1_MIB * 2 ** 20);
    label.write('LABELONE', 512, 'latin1');
    label.write('LVM2 001', 512 + 24, 'latin1');
    writeFileSync(join(dir, 'p1.img'), label);
  }
  await sh(
    `
    truncate -s "$SIZE"M "$IMG"
    printf 'label: %s\\nstart=2048, size=%d, type=%s\\nstart=%d, size=%d, type=%s\\n' "$TABLE" $((P1 * 2048)) "$P1TYPE" $((2048 + P1 * 2048)) $((ROOTSZ * 2048)) "$P2TYPE" | sfdisk -q "$IMG"
    case "$P1FS" in
      vfat) mkfs.vfat -F 32 -C "$DIR/p1.img" $((P1 * 1024)) >/dev/null
            [ "$ALIYUN" = 0 ] || mmd -i "$DIR/p1.img" ::/aliyun_custom_image
            for f in "$DIR"/custom/*; do [ -e "$f" ] && mcopy -i "$DIR/p1.img" "$f" ::/aliyun_custom_image/; done
            [ "$ESP" = 0 ] || { mmd -i "$DIR/p1.img" ::/EFI ::/EFI/BOOT; printf 'MZ' > "$DIR/BOOTX64.EFI"; mcopy -i "$DIR/p1.img" "$DIR/BOOTX64.EFI" ::/EFI/BOOT/; } ;;
      ext4) mkdir -p "$DIR/p1"; [ "$ALIYUN" = 0 ] || { mkdir "$DIR/p1/aliyun_custom_image"; cp -r "$DIR"/custom/. "$DIR/p1/aliyun_custom_image/"; }
            mkfs.ext4 -q -F -d "$DIR/p1" "$DIR/p1.img" "$P1"M ;;
    esac
    [ "$BOOTCODE" = 0 ] || printf '\\353\\143\\220' | dd of="$IMG" conv=notrunc status=none
    mkfs.ext4 -q -F -d "$DIR/root" "$DIR/root.img" "$ROOTSZ"M
    for cmd in $DEBUGFS; do debugfs -w -R "$(printf %s "$cmd" | tr '~' ' ')" "$DIR/root.img" >/dev/null 2>&1; done
    dd if="$DIR/p1.img" of="$IMG" bs=1M seek=1 conv=notrunc,sparse status=none
    dd if="$DIR/root.img" of="$IMG" bs=1M seek=$((1 + P1)) conv=notrunc,sparse status=none
    `,
    {
      SIZE: String(spec.sizeMiB),
      IMG: image,
      DIR: dir,
      TABLE: spec.table,
      P1: String(P1_MIB),
      ROOTSZ: String(ROOT_MIB),
      P1TYPE: p1Type,
      P2TYPE: p2Type,
      P1FS: spec.p1,
      ALIYUN: spec.aliyunDir ? '1' : '0',
      DEBUGFS: (spec.debugfsRoot ?? []).map((c) => c.replace(/ /g, '~')).join(' '),
      BOOTCODE: spec.bootCode === false ? '0' : '1',
      ESP: spec.esp ? '1' : '0',
    },
  );
  return image;
}

interface Report {
  platform: string;
  os_big_version: string;
  os_small_version: string;
  architecture: string;
  system_disk_size: string;
  version: string;
  time: string;
  check_items: Array<{ name: string; result: string; error_code: string; description: string; comment: string }>;
}

async function check(args: string[]): Promise<{ code: number | null; report: Report; items: Record<string, Report['check_items'][number]>; dir: string; stdout: string }> {
  const dir = fresh('report');
  const r = await osconf(['check', ...args, '-p', dir, '--json'], { timeoutMs: 120_000 });
  if (r.code !== 0 && r.code !== 1) throw new Error(`check exited ${r.code}: ${r.stderr}`);
  const report = JSON.parse(readFileSync(join(dir, 'image_check_report.json'), 'utf8')) as Report;
  t_equalStdout(r.stdout, report);
  return { code: r.code, report, items: Object.fromEntries(report.check_items.map((i) => [i.name, i])), dir, stdout: r.stdout };
}
function t_equalStdout(stdout: string, report: Report): void {
  if (JSON.stringify(JSON.parse(stdout)) !== JSON.stringify(report)) throw new Error('--json output differs from image_check_report.json');
}
const failedItems = (report: Report) => report.check_items.filter((i) => i.result === 'FAILED').map((i) => `${i.name}: ${i.description}`);

test("check --image: a good 6 GiB image gives the guide's report shape, nothing FAILED, exit 0", async (t) => {
  const image = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'vfat', aliyunDir: true, root: sealedRoot() });
  const { code, report, items, dir } = await check(['--image', image]);
  t.deepEqual(Object.keys(report), ['platform', 'os_big_version', 'os_small_version', 'architecture', 'system_disk_size', 'version', 'time', 'target', 'check_items']);
  t.like(report, { platform: 'Debian', os_big_version: '12', os_small_version: '8', architecture: 'x86_64', system_disk_size: '6' });
  t.regex(report.time, /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  for (const item of report.check_items) t.deepEqual(Object.keys(item), ['name', 'result', 'error_code', 'description', 'comment']);
  t.deepEqual(failedItems(report), []);
  t.is(code, 0);
  t.like(items, {
    partition_table: { result: 'OK' },
    first_partition: { result: 'OK', description: 'partition 1 is FAT32, 64 MiB' },
    aliyun_custom_image: { result: 'OK', description: 'aliyun_custom_image/ is on partition 1, without a leftover os.conf' },
    boot_loader: { result: 'OK', description: 'boot code in the MBR (BIOS)' },
    driver: { result: 'OK' },
    ssh: { result: 'OK' },
    osconf: { result: 'OK' },
    disk_size: { result: 'WARNING', error_code: '1502' },
    filesystem: { result: 'WARNING', error_code: '802' },
  });
  const text = readdirSync(dir).find((n) => /^image_check_report_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.txt$/.test(n));
  t.truthy(text, 'text report named image_check_report_DATE_TIME.txt');
  const body = readFileSync(join(dir, text!), 'utf8');
  t.regex(body, /^Current system: Debian 12\.8$/m);
  t.regex(body, /^System disk size: 6 GB$/m);
  t.regex(body, /^Check disk_size\nWARNING: system disk is 6 GiB\n/m);
  t.regex(body, /^\d+ items are OK\n0 items are failed\n2 items are warning$/m);
});

test('check --image: ext4 partition 1 without aliyun_custom_image/ (a WARNING), read with debugfs', async (t) => {
  const image = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'ext4', aliyunDir: false, root: sealedRoot() });
  const { items, code } = await check(['--image', image]);
  t.like(items, { first_partition: { result: 'OK', description: 'partition 1 is ext4, 64 MiB' }, aliyun_custom_image: { result: 'WARNING', error_code: '2101' } });
  t.is(code, 0);
});

test('check --image: a 4 GiB image FAILS disk_size and exits 1', async (t) => {
  const image = await buildImage({ sizeMiB: 4096, table: 'dos', p1: 'vfat', aliyunDir: true, root: sealedRoot() });
  const { items, report, code } = await check(['--image', image]);
  t.deepEqual(failedItems(report), ['disk_size: system disk is 4 GiB']);
  t.is(items.disk_size!.error_code, '1501');
  t.is(code, 1);
});

test('check --image: an LVM-flagged partition 1 FAILS lvm and first_partition', async (t) => {
  const image = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'lvm', aliyunDir: false, root: sealedRoot() });
  const { report, code } = await check(['--image', image]);
  t.deepEqual(failedItems(report), ['lvm: LVM on partition 1', 'first_partition: partition 1 is an LVM physical volume']);
  t.is(code, 1);
});

test('check --image: a GPT disk FAILS partition_table; its partitions are still read', async (t) => {
  const image = await buildImage({ sizeMiB: 6144, table: 'gpt', p1: 'vfat', aliyunDir: true, root: sealedRoot() });
  const { report, items, code } = await check(['--image', image]);
  t.deepEqual(failedItems(report), ['partition_table: GPT partition table']);
  t.like(items, { first_partition: { result: 'OK' }, aliyun_custom_image: { result: 'OK' }, driver: { result: 'OK' } });
  t.is(code, 1);
});

test('check --image: defects inside the root file system (chattr +i shadow, baked host keys, absolute /lib, / by device name)', async (t) => {
  const root = sealedRoot()
    .file('/etc/ssh/ssh_host_ed25519_key', 'PRIVATE')
    .file('/etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA')
    .link('/lib', '/usr/lib')
    .file('/etc/fstab', '/dev/sda2 / ext4 defaults 0 1\n');
  // 0x80000 keeps the extents flag mkfs gave the inode; 0x10 is immutable.
  const image = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'vfat', aliyunDir: true, root, debugfsRoot: ['set_inode_field /etc/shadow flags 0x80010'] });
  const { report, code } = await check(['--image', image]);
  t.deepEqual(failedItems(report).sort(), [
    'device_id: /etc/fstab mounts / by device name (/dev/sda2)',
    'lib: absolute links: /lib -> /usr/lib',
    'shadow: /etc/shadow is immutable (chattr +i)',
    'ssh_host_keys: SSH host keys are baked in: ssh_host_ed25519_key',
  ]);
  t.is(code, 1);
});

test('check --image on a file that is no disk, or --root on no directory: clear errors, no report', async (t) => {
  const reports = fresh('report');
  const r = await osconf(['check', '--image', join(work, 'missing.img'), '-p', reports]);
  t.is(r.code, 1);
  t.regex(r.stderr, /^osconf: failed to open .*missing\.img: ENOENT\n$/);
  const root = await osconf(['check', '--root', join(work, 'no-such-root'), '-p', reports]);
  t.is(root.code, 2);
  t.regex(root.stderr, /^osconf: --root .*no-such-root: no such directory\n$/);
  t.deepEqual(readdirSync(reports), []);
});

/** Every path under dir with its type and content digest (links: their target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = lstatSync(p);
      const rel = p.slice(dir.length);
      if (s.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
      else if (s.isDirectory()) {
        out[rel] = 'dir';
        walk(p);
      } else out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A used Debian root: keys, machine id, leases, history, logs, cloud-init and osconf state; osconf not enabled. */
function usedRoot(): MemoryRoot {
  return sealedRoot()
    .remove('/etc/systemd/system/multi-user.target.wants/osconf.service')
    .file('/etc/ssh/ssh_host_rsa_key', 'PRIVATE')
    .file('/etc/ssh/ssh_host_rsa_key.pub', 'ssh-rsa AAAA')
    .file('/etc/ssh/ssh_host_ed25519_key', 'PRIVATE')
    .file('/etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA')
    .file('/etc/machine-id', '0123456789abcdef0123456789abcdef\n')
    .link('/var/lib/dbus/machine-id', '/etc/machine-id')
    .file('/var/lib/systemd/random-seed', 'SEED')
    .file('/var/lib/dhcp/dhclient.eth0.leases', 'lease {}')
    .file('/var/lib/NetworkManager/internal-1234-eth0.lease', 'ADDRESS=10.0.0.5')
    .file('/var/lib/NetworkManager/NetworkManager.state', '[main]\nNetworkingEnabled=true\n')
    .file('/etc/udev/rules.d/70-persistent-net.rules', 'SUBSYSTEM=="net", ATTR{address}=="00:16:3e:00:00:01", NAME="eth0"\n')
    .file('/root/.bash_history', 'passwd\n')
    .file('/home/builder/.bash_history', 'sudo -i\n')
    .file('/home/builder/notes.txt', 'keep me')
    .file('/var/log/syslog', 'source machine')
    .file('/var/log/syslog.1', 'older')
    .file('/var/log/apt/history.log.2.gz', 'gz')
    .file('/var/log/wtmp', 'logins')
    .file('/var/log/journal/0123456789abcdef0123456789abcdef/system.journal', 'journal')
    .file('/var/log/osconf.log', 'applied')
    .file('/var/lib/osconf/state.json', '{}')
    .file('/var/lib/osconf/backup/etc/hostname', 'old')
    .link('/var/lib/cloud/instance', '/var/lib/cloud/instances/i-123')
    .file('/var/lib/cloud/instances/i-123/user-data.txt', '#cloud-config')
    .file('/var/lib/cloud/data/instance-id', 'i-123')
    .file('/var/lib/cloud/seed/nocloud/meta-data', '# generated by osconf from aliyun_custom_image/os.conf; do not edit\ninstance-id: iid-builder\nlocal-hostname: builder\n')
    .file('/root/.ssh/authorized_keys', 'ssh-ed25519 AAAA builder@laptop')
    .file('/home/builder/.ssh/authorized_keys2', 'ssh-rsa AAAA builder@laptop')
    .file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nbuilder:x:1000:1000::/home/builder:/bin/bash\n')
    .file('/etc/osconf/disabled', '');
}

test('prepare --dry-run lists everything and changes nothing; prepare removes exactly that; then check passes the root', async (t) => {
  const dir = fresh('root');
  const outside = fresh('outside');
  writeFileSync(join(outside, 'precious'), 'not part of the image');
  materialize(usedRoot(), dir);
  // Traps: absolute links that would lead a careless tool out of the root.
  symlinkSync(outside, join(dir, 'var/lib/dhclient'));
  symlinkSync(outside, join(dir, 'home/elsewhere'));
  const p1 = fresh('p1');
  mkdirSync(join(p1, 'aliyun_custom_image'));
  writeFileSync(join(p1, 'aliyun_custom_image', 'os.conf.rejected'), 'password=czEyMzQ1Ng==\n');

  const before = snapshot(dir);
  const dry = await osconf(['prepare', '--root', dir, '--first-partition', p1, '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.deepEqual(snapshot(dir), before, '--dry-run changed nothing');
  t.true(existsSync(join(p1, 'aliyun_custom_image', 'os.conf.rejected')));
  const listed = dry.stdout.trim().split('\n');
  for (const line of listed) t.regex(line, /^would (remove|empty|create|link) /);

  const real = await osconf(['prepare', '--root', dir, '--first-partition', p1]);
  t.is(real.code, 0, real.stderr);
  t.deepEqual(real.stdout.trim().split('\n'), listed.map((l) => l.replace(/^would remove/, 'removed').replace(/^would empty/, 'emptied').replace(/^would create/, 'created').replace(/^would link/, 'linked')));
  const after = snapshot(dir);
  const gone = Object.keys(before).filter((p) => !(p in after)).sort();
  t.deepEqual(gone, [
    '/etc/osconf/disabled',
    '/etc/ssh/ssh_host_ed25519_key',
    '/etc/ssh/ssh_host_ed25519_key.pub',
    '/etc/ssh/ssh_host_rsa_key',
    '/etc/ssh/ssh_host_rsa_key.pub',
    '/etc/udev/rules.d/70-persistent-net.rules',
    '/home/builder/.bash_history',
    '/home/builder/.ssh/authorized_keys2',
    '/root/.bash_history',
    '/root/.ssh/authorized_keys',
    '/var/lib/NetworkManager/internal-1234-eth0.lease',
    '/var/lib/cloud/data',
    '/var/lib/cloud/data/instance-id',
    '/var/lib/cloud/instance',
    '/var/lib/cloud/instances',
    '/var/lib/cloud/instances/i-123',
    '/var/lib/cloud/instances/i-123/user-data.txt',
    '/var/lib/cloud/seed/nocloud/meta-data',
    '/var/lib/dhcp/dhclient.eth0.leases',
    '/var/lib/osconf/backup',
    '/var/lib/osconf/backup/etc',
    '/var/lib/osconf/backup/etc/hostname',
    '/var/lib/osconf/state.json',
    '/var/lib/systemd/random-seed',
    '/var/log/apt/history.log.2.gz',
    '/var/log/journal/0123456789abcdef0123456789abcdef',
    '/var/log/journal/0123456789abcdef0123456789abcdef/system.journal',
    '/var/log/osconf.log',
    '/var/log/syslog.1',
  ]);
  t.is(readFileSync(join(dir, 'etc/machine-id'), 'utf8'), '', 'machine-id emptied, not removed');
  t.is(readFileSync(join(dir, 'var/log/syslog'), 'utf8'), '');
  t.is(readFileSync(join(dir, 'var/log/wtmp'), 'utf8'), '');
  t.is(readFileSync(join(dir, 'home/builder/notes.txt'), 'utf8'), 'keep me');
  t.is(readlinkSync(join(dir, 'var/lib/dbus/machine-id')), '/etc/machine-id', 'the dbus link to /etc/machine-id stays');
  t.is(readFileSync(join(dir, 'var/lib/NetworkManager/NetworkManager.state'), 'utf8').length > 0, true, 'not a lease: kept');
  t.is(readlinkSync(join(dir, 'etc/systemd/system/multi-user.target.wants/osconf.service')), '/lib/systemd/system/osconf.service', 'osconf enabled, linked as systemctl links it');
  t.deepEqual(readdirSync(outside), ['precious'], 'nothing outside the root was touched');
  t.deepEqual(readdirSync(join(p1, 'aliyun_custom_image')), [], 'no earlier os.conf left on partition 1');

  const again = await osconf(['prepare', '--root', dir]);
  t.is(again.code, 0);
  t.regex(again.stdout, /^nothing to do: the image is already prepared$/m);

  const { report } = await check(['--root', dir]);
  t.deepEqual(failedItems(report), []);
});

test('prepare of the running system without --yes is refused before anything is read or changed', async (t) => {
  // In a sandbox with / read-only: were the guard broken, this machine would still be safe.
  const r = await runInSandbox('none', 'sh', ['-c', 'mount -o remount,bind,ro / && exec "$0" "$@"', process.execPath, osconfBin, 'prepare']);
  t.is(r.code, 2);
  t.regex(r.stderr, /^osconf: prepare changes this running system .*--dry-run.*--yes\n$/);
  t.is(r.stdout, '');
});

test('prepare on a root without osconf installed says what is not done and exits 1', async (t) => {
  const dir = fresh('root');
  materialize(usedRoot().remove('/usr/lib/systemd/system/osconf.service'), dir);
  const r = await osconf(['prepare', '--root', dir, '--json']);
  t.is(r.code, 1);
  const out = JSON.parse(r.stdout);
  t.deepEqual(out.problems, ['osconf.service is not installed: install the osconf package first']);
  t.true(out.actions.some((a: { path: string }) => a.path === '/etc/ssh/ssh_host_rsa_key'), 'the rest is done');
  t.false(existsSync(join(dir, 'etc/ssh/ssh_host_rsa_key')));
});

test('check --root on a root with baked keys FAILS ssh_host_keys; check of the running system reads only', async (t) => {
  const dir = fresh('root');
  materialize(usedRoot(), dir);
  const { items, code } = await check(['--root', dir]);
  t.is(items.ssh_host_keys!.result, 'FAILED');
  t.is(items.osconf!.result, 'FAILED', 'disabled by /etc/osconf/disabled');
  t.is(code, 1);
  const live = await check([]);
  t.is(live.report.check_items.length, 25);
  t.regex(JSON.stringify(live.report), /"target": ?"the running system"/);
});

test('prepare never follows a link out of the root: /var/log, the journal and a home linked elsewhere stay untouched', async (t) => {
  const dir = fresh('root');
  const outside = fresh('outside');
  mkdirSync(join(outside, 'log/journal/0123'), { recursive: true });
  writeFileSync(join(outside, 'log/syslog'), 'host log');
  writeFileSync(join(outside, 'log/syslog.1'), 'host log');
  writeFileSync(join(outside, 'log/journal/0123/system.journal'), 'host journal');
  writeFileSync(join(outside, '.bash_history'), 'host history');
  materialize(sealedRoot(), dir);
  mkdirSync(join(dir, 'var'), { recursive: true });
  symlinkSync(join(outside, 'log'), join(dir, 'var/log'));
  symlinkSync(outside, join(dir, 'root'));
  const before = snapshot(outside);
  const r = await osconf(['prepare', '--root', dir]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(snapshot(outside), before);
});

test('check --image on a bare file system image (no partition table): the disk items FAIL, the root is still read', async (t) => {
  const dir = fresh('bare');
  materialize(sealedRoot(), join(dir, 'root'));
  await sh('mkfs.ext4 -q -F -d "$DIR/root" "$DIR/bare.img" 96M', { DIR: dir });
  const { report, items } = await check(['--image', join(dir, 'bare.img')]);
  t.deepEqual(failedItems(report), [
    'partition_table: no partition table',
    'disk_size: system disk is 0.1 GiB',
    'first_partition: the disk has no partition 1',
    'boot_loader: no boot loader: the MBR boot code area is all zero and there is no EFI system partition',
  ]);
  t.like(items, { driver: { result: 'OK' }, osconf: { result: 'OK' }, filesystem: { result: 'WARNING', error_code: '802' } });
});

test('check --image: an os.conf left on partition 1 FAILS, on FAT (mtools) and on ext4 (debugfs) (issue 16 reproduction 10)', async (t) => {
  const fat = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'vfat', aliyunDir: true, root: sealedRoot(), customImage: { 'os.conf.failed': 'password=czEyMzQ1Ng==\n', 'readme.txt': 'kept' } });
  const onFat = await check(['--image', fat]);
  t.deepEqual(failedItems(onFat.report), ['aliyun_custom_image: settings of an earlier instance left in the image (they hold a root password): partition 1: aliyun_custom_image/os.conf.failed']);
  t.is(onFat.items.aliyun_custom_image!.error_code, '2103');
  t.is(onFat.code, 1);
  const ext = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'ext4', aliyunDir: true, root: sealedRoot(), customImage: { 'os.conf': 'password=czEyMzQ1Ng==\n' } });
  t.deepEqual(failedItems((await check(['--image', ext])).report), ['aliyun_custom_image: settings of an earlier instance left in the image (they hold a root password): partition 1: aliyun_custom_image/os.conf']);
});

test('check --image: no boot code and no EFI system partition FAILS boot_loader; an EFI system partition with EFI/ passes it', async (t) => {
  const none = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'vfat', aliyunDir: true, root: sealedRoot(), bootCode: false });
  const bare = await check(['--image', none]);
  t.deepEqual(failedItems(bare.report), ['boot_loader: no boot loader: the MBR boot code area is all zero and there is no EFI system partition']);
  t.is(bare.items.boot_loader!.error_code, '2601');
  const uefi = await buildImage({ sizeMiB: 6144, table: 'dos', p1: 'vfat', aliyunDir: true, root: sealedRoot(), bootCode: false, esp: true });
  t.like((await check(['--image', uefi])).items, { boot_loader: { result: 'OK', description: 'EFI system partition 1 with EFI/ (UEFI)' } });
});

test('check --root WARNS on authorized_keys and FAILS an os.conf under the root\'s /boot; prepare --keep-authorized-keys keeps them', async (t) => {
  const dir = fresh('keys');
  materialize(sealedRoot().file('/root/.ssh/authorized_keys', 'ssh-ed25519 AAAA builder').file('/boot/aliyun_custom_image/os.conf', 'password=czEyMzQ1Ng==\n'), dir);
  const { items, code } = await check(['--root', dir]);
  t.like(items, {
    authorized_keys: { result: 'WARNING', error_code: '2701', description: 'SSH authorized_keys in the image: /root/.ssh/authorized_keys' },
    aliyun_custom_image: { result: 'FAILED', error_code: '2103' },
  });
  t.is(code, 1);
  const kept = await osconf(['prepare', '--root', dir, '--keep-authorized-keys', '--dry-run']);
  t.false(kept.stdout.includes('authorized_keys'));
  const dry = await osconf(['prepare', '--root', dir, '--dry-run']);
  t.regex(dry.stdout, /^would remove \/root\/\.ssh\/authorized_keys \(SSH keys of the source machine/m);
});
