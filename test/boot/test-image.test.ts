// `osconf test-image` on the project's own Debian 12 test disks, booted by firmware (make-disk.sh FIRMWARE=1:
// SYSLINUX, no probe, no SSH host keys, as a sealed image): two stacks pass (two boots each), and two images
// fail with the item that says why. Each run holds one of the two guest slots (boot.test.ts's) for its boots.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osconfBin } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { Guest, slot, type DiskSpec } from '../helpers/vm.js';

/** sshd as an ECS image builder sets it: the platform's root password logs in (docs/image-builders.md). */
const rootLogin = { '/etc/ssh/sshd_config.d/50-ecs-root-login.conf': { content: 'PermitRootLogin yes\n', mode: 0o644 } };

interface Report {
  check_items: Array<{ name: string; result: string; description: string; comment: string }>;
}

/** coreutils sha256sum: the disk is larger than a Node.js buffer. */
const sha256 = (path: string) => execFileSync('sha256sum', [path]).toString().split(' ')[0]!;

/** Builds the disk, runs test-image on it (TCG), and returns its exit code, the JSON report and the serial logs. */
async function testImage(t: import('ava').ExecutionContext, spec: Omit<DiskSpec, 'p1fs' | 'osConf' | 'expectAddresses' | 'firmware'>, network: 'classic' | 'vpc') {
  t.timeout(60 * 60_000);
  const guest = await Guest.create({ ...spec, p1fs: 'vfat', osConf: null, expectAddresses: 0, firmware: true });
  const reports = mkdtempSync(join(tmpdir(), 'osconf-test-image-'));
  try {
    const before = sha256(guest.disk);
    const started = Date.now();
    const r = await slot(() => run('node', [osconfBin, 'test-image', guest.disk, '--network', network, '--accel', 'tcg', '-p', reports, '--json', '--timeout', '1500'], { timeoutMs: 60 * 60_000 }));
    t.log(`test-image ran ${Math.round((Date.now() - started) / 1000)} s; progress:\n${r.stderr.trim()}`);
    t.is(sha256(guest.disk), before, 'the disk file is unchanged');
    const report = JSON.parse(r.stdout) as Report;
    t.deepEqual(report, JSON.parse(readFileSync(join(reports, 'test_image_report.json'), 'utf8')), 'stdout is the JSON report');
    const items = Object.fromEntries(report.check_items.map((i) => [i.name, i]));
    for (const i of report.check_items) if (i.result !== 'OK') t.log(`${i.name} ${i.result}: ${i.description} (${i.comment})`);
    const serial = readdirSync(reports).filter((n) => /^serial-\d\.log$/.test(n)).sort().map((n) => readFileSync(join(reports, n), 'utf8'));
    t.true(readdirSync(reports).some((n) => /^test_image_report_.*\.txt$/.test(n)), 'the text report');
    return { code: r.code, items, serial };
  } finally {
    guest.destroy();
    rmSync(reports, { recursive: true, force: true });
  }
}

const PROOFS = ['ssh_login', 'hostname', 'addresses', 'routes', 'name_servers', 'osconf_status', 'ssh_host_keys', 'os_conf_removed'];

for (const [stack, network] of [
  ['eni', 'classic'],
  ['netplan', 'vpc'],
] as const) {
  test(`test-image: ${stack}, ${network}: both boots proven from outside over SSH, exit 0`, async (t) => {
    const r = await testImage(t, { stack, extraFiles: rootLogin }, network);
    t.is(r.code, 0);
    t.deepEqual(
      Object.keys(r.items),
      [1, 2].flatMap((b) => PROOFS.map((p) => `boot${b}_${p}`)),
    );
    for (const [name, i] of Object.entries(r.items)) t.is(i.result, 'OK', `${name}: ${i.description}`);
    t.regex(r.items.boot2_ssh_host_keys!.description, /same host key as boot 1/);
    t.is(r.serial.length, 2, 'a serial log per boot');
    t.regex(r.serial[0]!, /Serial Getty on ttyS0|login:/);
  });
}

test('test-image: osconf installed but not enabled FAILs, the item says so (from the disk, after the console refused the login)', async (t) => {
  const r = await testImage(t, { stack: 'eni', disableUnits: ['osconf.service'] }, 'vpc');
  t.is(r.code, 1);
  // Debian's sshd default (prohibit-password) and a locked root: neither SSH nor the console logs in.
  t.regex(r.items.boot1_ssh_login!.result, /FAILED|WARNING/);
  t.is(r.items.boot1_login?.result, 'FAILED');
  t.regex(r.items.boot1_login!.description, /os\.conf is still on partition 1/);
  t.regex(r.items.boot1_login!.description, /osconf is installed \(\/usr\/bin\/osconf\) but not enabled/);
  t.regex(r.items.boot1_login!.comment, /enable it/);
  t.is(r.items.boot2?.result, 'WARNING', 'the second boot is skipped, saying why');
  t.regex(r.serial[0]!, /Login incorrect/, 'the serial console login was tried');
});

test("test-image: a leftover DHCP configuration wins FAILs; the console proves it (sshd's default refuses root), the item names both addresses and osconf's status", async (t) => {
  // As boot.test.ts's "osconf cannot judge": a condition osconf does not evaluate; networkd applies it first.
  const leftover = { '/etc/systemd/network/05-agent.network': { content: '[Match]\nName=eth0\nKernelCommandLine=!osconf.never\n\n[Network]\nDHCP=yes\n', mode: 0o644 } };
  const r = await testImage(t, { stack: 'networkd', extraFiles: leftover }, 'vpc');
  t.is(r.code, 1);
  t.is(r.items.boot1_ssh_login?.result, 'FAILED', 'nothing answers at the os.conf address');
  t.is(r.items.boot1_console_login?.result, 'OK', 'root logs in on the serial console with the os.conf password');
  const addresses = r.items.boot1_addresses!;
  t.is(addresses.result, 'FAILED');
  t.regex(addresses.description, /eth0 \(00:16:3e:[0-9a-f:]+\) has (\d+\.){3}\d+\/24, os\.conf says (\d+\.){3}\d+\/24/);
  t.regex(addresses.description, /osconf: status failed/);
  t.regex(addresses.description, /05-agent\.network/);
  t.is(r.items.boot1_os_conf_removed?.result, 'FAILED', 'osconf keeps os.conf for the next boot');
  t.is(r.items.boot2?.result, 'WARNING');
});
