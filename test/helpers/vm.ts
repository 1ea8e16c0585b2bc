// Real boots under qemu: builds the guest roots once (test/vm/build-rootfs.sh), a disk per case
// (test/vm/make-disk.sh: partition 1 with aliyun_custom_image/, partition 2 the root with the osconf .deb),
// boots it (test/vm/boot.sh) and reads the facts the guest's probe printed on its second serial port.
import type { StatusReport } from '../../src/cli/status.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot, toolsDir } from './paths.js';
import { run } from './run.js';

export const vmDir = join(toolsDir, 'vm');
export const vmSysvDir = join(toolsDir, 'vm-sysv');
/** Debian 11 (systemd 247, nodejs 12), Debian 13 (systemd 257, nodejs 20), Debian 12 with OpenRC. */
export const vmDebian11Dir = join(toolsDir, 'vm-debian11');
export const vmDebian13Dir = join(toolsDir, 'vm-debian13');
export const vmOpenrcDir = join(toolsDir, 'vm-openrc');
/** Each guest root: its directory, init system (build-rootfs.sh's 2nd argument) and Debian suite. */
export const guestRoots = {
  debian12: { dir: vmDir, init: 'systemd', suite: 'bookworm' },
  'debian12-sysv': { dir: vmSysvDir, init: 'sysvinit', suite: 'bookworm' },
  debian11: { dir: vmDebian11Dir, init: 'systemd', suite: 'bullseye' },
  debian13: { dir: vmDebian13Dir, init: 'systemd', suite: 'trixie' },
  'debian12-openrc': { dir: vmOpenrcDir, init: 'openrc', suite: 'bookworm' },
} as const;
export type GuestRoot = keyof typeof guestRoots;
const script = (name: string) => join(repoRoot, 'test', 'vm', name);
const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
export const debPath = join(repoRoot, 'dist', 'packages', `osconf_${version}_all.deb`);
/** The OpenRC root installs osconf from the tarball with its install.sh (docs/image-builders.md). */
export const tarballPath = join(repoRoot, 'dist', 'packages', `osconf-${version}.tar.gz`);

const built = new Map<GuestRoot, Promise<void>>();
let packaged: Promise<void> | null = null;
/** A guest root (built once per test run, cached across runs: only the roots a run boots) and the packages. */
export function prepareGuest(root: GuestRoot = 'debian12'): Promise<void> {
  if (!built.has(root)) {
    const { dir, init, suite } = guestRoots[root];
    built.set(
      root,
      (async () => {
        const r = await run('bash', [script('build-rootfs.sh'), dir, init], { timeoutMs: 900_000, env: { ...process.env, DEBIAN_SUITE: suite } });
        if (r.code !== 0) throw new Error(`build-rootfs.sh ${init} ${suite} failed: ${r.stdout}${r.stderr}`);
      })(),
    );
  }
  packaged ??= (async () => {
    const pkg = await run('bash', [join(repoRoot, 'scripts', 'package.sh')], { timeoutMs: 300_000 });
    if (pkg.code !== 0) throw new Error(`package.sh failed: ${pkg.stdout}${pkg.stderr}`);
  })();
  return Promise.all([built.get(root), packaged]).then(() => undefined);
}

// Two guests at a time on the machine, whichever test file boots them (ava runs each file in its own process):
// a slot is a symbolic link under /tmp/osconf-vm-slots naming its holder (pid and start time), created
// atomically; one whose holder is gone (a killed run) is taken over.
const slotDir = join(tmpdir(), 'osconf-vm-slots');
let taken = 0;

/** The start time (proc(5) stat field 22) of process `pid`, or null when it does not run. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
const me = `${process.pid}:${startTime(process.pid)}`;

function takeSlot(): string | null {
  mkdirSync(slotDir, { recursive: true });
  for (let i = 0; i < 2; i++) {
    const path = join(slotDir, `slot-${i}`);
    try {
      symlinkSync(`${me}:${++taken}`, path);
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = '';
    try {
      holder = readlinkSync(path);
    } catch {
      continue;
    }
    const [pid, start] = holder.split(':');
    if (startTime(Number(pid)) !== start) {
      try {
        if (readlinkSync(path) === holder) unlinkSync(path);
      } catch {
        // Taken over by another process meanwhile.
      }
    }
  }
  return null;
}

/** Runs `fn` (which boots guests one after another) when fewer than two guests run on this machine. */
export async function slot<T>(fn: () => Promise<T>): Promise<T> {
  let held: string | null;
  while ((held = takeSlot()) === null) await new Promise((r) => setTimeout(r, 500));
  try {
    return await fn();
  } finally {
    unlinkSync(held);
  }
}

export interface DiskSpec {
  stack: 'eni' | 'networkd' | 'netplan' | 'network-manager';
  p1fs: 'vfat' | 'ext4';
  /** os.conf text on partition 1, or null for the directory only. */
  osConf: string | null;
  expectAddresses: number;
  init?: 'systemd' | 'sysvinit' | 'openrc';
  /** The guest root (default debian12, or debian12-sysv with init sysvinit, debian12-openrc with init openrc). */
  root?: GuestRoot;
  /** The boot benchmark's cloud-init runs: osconf off, cloud-init on with this NoCloud seed directory. */
  cloudInitSeed?: string;
  /** cloud-init enabled beside osconf (mode auto), NoCloud alone in its datasource_list (see make-disk.sh). */
  cloudInit?: boolean;
  /** Seal the image with osconf prepare and check it (see make-disk.sh); outputs and reports go here. */
  prepareReports?: string;
  /** Files put into the root as they are (path → content, mode, or a symbolic link), as an image carries them from its source. */
  extraFiles?: Record<string, { content: string; mode: number } | { symlink: string }>;
  /** Units enabled in the image besides the stack's (`systemctl enable`), as its source system had them. */
  enableUnits?: string[];
  /** Units disabled in the image (`systemctl disable`): osconf installed but not enabled. */
  disableUnits?: string[];
  /** A disk that boots by firmware (SYSLINUX on partition 1, see make-disk.sh), without the probe: osconf test-image's. */
  firmware?: boolean;
}

export class Guest {
  readonly dir = mkdtempSync(join(tmpdir(), 'osconf-vm-'));
  readonly disk = join(this.dir, 'disk.img');
  boots = 0;
  /** The guest root this disk was made from (its kernel boots it). */
  rootDir = vmDir;

  static async create(spec: DiskSpec): Promise<Guest> {
    const root = spec.root ?? (spec.init === 'sysvinit' ? 'debian12-sysv' : spec.init === 'openrc' ? 'debian12-openrc' : 'debian12');
    await prepareGuest(root);
    const g = new Guest();
    let conf = '-';
    if (spec.osConf !== null) {
      conf = join(g.dir, 'os.conf');
      writeFileSync(conf, spec.osConf);
    }
    const dir = guestRoots[root].dir;
    g.rootDir = dir;
    let extraRoot = '';
    if (spec.extraFiles) {
      extraRoot = join(g.dir, 'extra-root');
      for (const [path, f] of Object.entries(spec.extraFiles)) {
        mkdirSync(dirname(join(extraRoot, path)), { recursive: true });
        if ('symlink' in f) symlinkSync(f.symlink, join(extraRoot, path));
        else writeFileSync(join(extraRoot, path), f.content, { mode: f.mode });
      }
    }
    const env = { ...process.env, CLOUD_INIT_SEED: spec.cloudInitSeed ?? '', CLOUD_INIT: spec.cloudInit ? '1' : '', PREPARE_REPORTS: spec.prepareReports ?? '', EXTRA_ROOT: extraRoot, ENABLE_UNITS: (spec.enableUnits ?? []).join(' '), DISABLE_UNITS: (spec.disableUnits ?? []).join(' '), FIRMWARE: spec.firmware ? '1' : '' };
    const r = await slot(() => run('bash', [script('make-disk.sh'), dir, spec.init === 'openrc' ? tarballPath : debPath, spec.stack, spec.p1fs, conf, String(spec.expectAddresses), g.disk, spec.init ?? 'systemd'], { timeoutMs: 300_000, env }));
    if (r.code !== 0) {
      g.destroy();
      throw new Error(`make-disk.sh failed: ${r.stdout}${r.stderr}`);
    }
    return g;
  }

  /**
   * Boots once; `persist` keeps what the guest wrote for the next boot (else every boot starts pristine).
   * `timeoutSeconds`: until qemu is stopped (default OSCONF_VM_TIMEOUT, else 900; cloud-init's four stages
   * under TCG need more).
   */
  async boot(macs: string[], options: { ifnames?: boolean; persist?: boolean; init?: 'systemd' | 'sysvinit' | 'openrc'; append?: string; timeoutSeconds?: number } = {}): Promise<Probe> {
    const serial = join(this.dir, `serial-${++this.boots}.log`);
    const append = `${options.ifnames === false ? '' : 'net.ifnames=0'} ${options.append ?? ''}`.trim();
    const dir = options.init === 'sysvinit' ? vmSysvDir : this.rootDir;
    const timeout = options.timeoutSeconds ?? Number(process.env.OSCONF_VM_TIMEOUT ?? 900);
    const env = { ...process.env, OSCONF_VM_TIMEOUT: String(timeout) };
    const r = await slot(() => run('bash', [script('boot.sh'), dir, this.disk, serial, macs.join(' '), append, options.persist ? 'persist' : 'snapshot'], { timeoutMs: (timeout + 100) * 1000, env }));
    const probeText = existsSync(`${serial}.probe`) ? readFileSync(`${serial}.probe`, 'latin1') : '';
    if (!probeText.includes('OSCONF-PROBE-END')) {
      const console = existsSync(serial) ? readFileSync(serial, 'latin1').slice(-4000) : '(no console output)';
      throw new Error(`the guest printed no probe facts (qemu exit ${r.code}): ${r.stderr}\n--- console tail ---\n${console}`);
    }
    return parseProbe(probeText);
  }

  /** Replaces partition 1's aliyun_custom_image/os.conf while the guest is off, as the platform does. */
  writeOsConf(text: string, p1fs: 'vfat' | 'ext4'): void {
    const file = join(this.dir, 'next-os.conf');
    writeFileSync(file, text);
    if (p1fs !== 'vfat') throw new Error('only the FAT32 partition is rewritten in place');
    execFileSync('mcopy', ['-o', '-i', `${this.disk}@@1M`, file, '::/aliyun_custom_image/os.conf']);
  }

  /** Names in partition 1's aliyun_custom_image/, read from the disk file without mounting. */
  partitionListing(p1fs: 'vfat' | 'ext4'): string[] {
    if (p1fs === 'vfat') {
      const out = execFileSync('mdir', ['-b', '-i', `${this.disk}@@1M`, '::/aliyun_custom_image']).toString();
      return out
        .split('\n')
        .map((l) => l.trim().replace(/^::\/aliyun_custom_image\//, ''))
        .filter((l) => l && !l.endsWith('/'))
        .sort();
    }
    const p1 = join(this.dir, 'p1.img');
    execFileSync('dd', [`if=${this.disk}`, `of=${p1}`, 'bs=1M', 'skip=1', 'count=64', 'status=none']);
    return execFileSync('debugfs', ['-R', 'ls -p /aliyun_custom_image', p1], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split('\n')
      .map((l) => l.split('/')[5])
      .filter((n): n is string => !!n && n !== '.' && n !== '..')
      .sort();
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Probe {
  addresses: Record<string, string[]>;
  routes: string[];
  hostname: string;
  etcHostname: string;
  resolv: string;
  shadowRoot: string;
  /** `osconf status --format json` in the guest (schema 1, src/cli/status.ts), null when it printed no JSON. */
  status: StatusReport | null;
  order: Record<string, { activeEnter: number; inactiveExit: number; state: string }>;
  unitStatus: string;
  /** `systemctl show` of osconf-verify.service: StatusText, ActiveState, Result. */
  verifyUnitStatus: string;
  journal: string;
  analyze: string;
  unitTimes: string;
  rcOrder: string;
  /** OpenRC: `rc-update show -v` and rc_logger's /var/log/rc.log of this boot. */
  openrcRunlevels: string;
  openrcLog: string;
  /** `node --version` of the interpreter /usr/bin/osconf names. */
  nodeVersion: string;
  /** `systemctl --version`'s first line. */
  systemdVersion: string;
  /** osconf.service's sandbox settings as systemd resolved them (`systemctl show -p ...`). */
  sandbox: string;
  /** `systemd-analyze security osconf.service`, or its error where this systemd has none. */
  security: string;
  /** `ssh-keygen -l` lines of the host keys at the end of boot. */
  sshHostKeys: string[];
  sshActive: string;
  machineId: string;
  /** The network stacks' configuration files (/etc/network/interfaces.d, /etc/netplan, /etc/systemd/network). */
  stackFiles: string[];
  /** `cloud-init status --long` and cloud-init's log lines of this boot about the network. */
  cloudInit: string;
  /** osconf's V8 code cache: `kept` (made before this boot and used), `made at this boot` (refused or missing), or `absent`. */
  codeCache: string;
  /** What the image's after-probe hook printed (/etc/osconf-test/after-probe), if it has one. */
  afterProbe: string;
}

export function parseProbe(text: string): Probe {
  const body = text.slice(text.indexOf('OSCONF-PROBE-BEGIN'), text.indexOf('OSCONF-PROBE-END'));
  const sections = new Map<string, string>();
  for (const chunk of body.split(/^== /m).slice(1)) {
    const nl = chunk.indexOf('\n');
    sections.set(chunk.slice(0, nl).trim(), chunk.slice(nl + 1).replace(/\r/g, ''));
  }
  const get = (k: string) => sections.get(k) ?? '';
  const addrs = JSON.parse(get('ip-addr') || '[]') as Array<{ ifname: string; address: string; addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string }> }>;
  const routes = JSON.parse(get('ip-route') || '[]') as Array<{ dst: string; gateway?: string; dev: string }>;
  let status: Probe['status'] = null;
  try {
    status = JSON.parse(get('status'));
  } catch {
    status = null;
  }
  const order: Probe['order'] = {};
  for (const line of get('order').trim().split('\n')) {
    const [unit, enter, exit, state] = line.split(' ');
    if (unit) order[unit] = { activeEnter: Number(enter), inactiveExit: Number(exit), state: state ?? '' };
  }
  return {
    addresses: Object.fromEntries(
      addrs.filter((a) => a.ifname !== 'lo').map((a) => [a.address, a.addr_info.filter((i) => i.family === 'inet' && i.scope === 'global').map((i) => `${i.local}/${i.prefixlen}`)]),
    ),
    routes: routes.filter((r) => r.gateway).map((r) => `${r.dst === 'default' ? '0.0.0.0/0' : r.dst} via ${r.gateway}`).sort(),
    hostname: get('hostname').trim(),
    etcHostname: get('etc-hostname').trim(),
    resolv: get('resolv'),
    shadowRoot: get('shadow-root').trim(),
    status,
    order,
    unitStatus: get('unit-status'),
    verifyUnitStatus: get('verify-unit-status'),
    journal: get('journal'),
    analyze: get('analyze').trim(),
    unitTimes: get('unit-times'),
    rcOrder: get('rc-order'),
    openrcRunlevels: get('openrc-runlevels'),
    openrcLog: get('openrc-log'),
    nodeVersion: get('node-version').trim(),
    systemdVersion: get('systemd-version').trim(),
    sandbox: get('sandbox'),
    security: get('security'),
    sshHostKeys: get('ssh-host-keys').split('\n').map((l) => l.trim()).filter(Boolean),
    sshActive: get('ssh-active').trim(),
    machineId: get('machine-id').trim(),
    stackFiles: get('stack-files').split('\n').map((l) => l.trim()).filter(Boolean),
    cloudInit: get('cloud-init'),
    afterProbe: get('after-probe'),
    codeCache: get('code-cache').trim(),
  };
}
