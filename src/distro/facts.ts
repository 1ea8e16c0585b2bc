// The facts detection needs, read from a root through a small access interface: the Host (apply/gather.ts)
// or check's RootView over a disk image. No I/O of its own.
import { PROBE_PATHS, type DetectFacts } from './detect.js';
import { osReleaseFromRedhatRelease, parseOsRelease, type OsRelease } from './os-release.js';

/** What probing needs from a root: the Host (apply/gather.ts probeHost) or check's RootView over an image. */
export interface ProbeAccess {
  exists(path: string): Promise<boolean>;
  list(dir: string): Promise<string[]>;
  read(path: string): Promise<string | null>;
  /** A symbolic link's target, or null when the path is not a link. */
  readlink?(path: string): Promise<string | null>;
}

/** Where sshd is installed (OpenSSH's sbindir on every supported distribution). */
export const SSHD_PATH = '/usr/sbin/sshd';
/**
 * An SSH host private key in /etc/ssh, as a sh(1) glob: the one definition. The regular expression below is
 * made from it, and scripts/build.mjs writes it into the boot pre-check (src/boot/osconf-boot.sh).
 */
export const SSH_HOST_KEY_GLOB = 'ssh_host_*_key';
/** SSH_HOST_KEY_GLOB as a regular expression (`*` any characters, the rest literal); with its public half. */
export const SSH_HOST_KEY = new RegExp(`^${SSH_HOST_KEY_GLOB.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
export const SSH_HOST_KEY_FILE = /^ssh_host_.*_key(\.pub)?$/;

export type InitSystem = 'systemd' | 'openrc' | 'sysvinit' | 'unknown';

/** The init system a root boots with, from what /sbin/init is. */
export async function initSystem(access: ProbeAccess): Promise<InitSystem> {
  const link = (await access.readlink?.('/sbin/init')) ?? '';
  if (link.includes('systemd')) return 'systemd';
  if (link.includes('openrc') || (await access.exists('/sbin/openrc'))) return 'openrc';
  if (await access.exists('/sbin/init')) return 'sysvinit';
  if ((await access.exists('/lib/systemd/systemd')) || (await access.exists('/usr/lib/systemd/systemd'))) return 'systemd';
  return 'unknown';
}

/** Services enabled at boot: systemd wants links, OpenRC runlevels, sysvinit rc links (rcS.d, rc2.d, rc3.d). */
export async function enabledServices(access: ProbeAccess): Promise<Set<string>> {
  const enabled = new Set<string>();
  for (const entry of await access.list('/etc/systemd/system')) {
    if (entry.endsWith('.wants') || entry.endsWith('.requires')) {
      for (const unit of await access.list(`/etc/systemd/system/${entry}`)) enabled.add(unit);
    }
  }
  for (const level of await access.list('/etc/runlevels')) {
    for (const service of await access.list(`/etc/runlevels/${level}`)) enabled.add(service);
  }
  // Under systemd an rc link counts only for a script without a native unit (as systemd-sysv-generator does).
  const systemd = (await initSystem(access)) === 'systemd';
  const units = new Set<string>();
  if (systemd) for (const dir of ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system']) for (const unit of await access.list(dir)) units.add(unit);
  for (const rc of ['rcS.d', 'rc2.d', 'rc3.d']) {
    for (const link of await access.list(`/etc/${rc}`)) {
      const name = link.replace(/^S\d+/, '');
      if (link.startsWith('S') && !units.has(`${name}.service`)) enabled.add(name);
    }
  }
  return enabled;
}

export async function probeWith(access: ProbeAccess): Promise<DetectFacts> {
  const osText = (await access.read('/etc/os-release')) ?? (await access.read('/usr/lib/os-release'));
  let osRelease: OsRelease | null = osText === null ? null : parseOsRelease(osText);
  if (osRelease === null) {
    const redhat = await access.read('/etc/redhat-release');
    osRelease = redhat === null ? null : osReleaseFromRedhatRelease(redhat);
  }
  const paths = new Set<string>();
  for (const p of PROBE_PATHS) if (await access.exists(p)) paths.add(p);
  const nmConf = (await access.read('/etc/NetworkManager/NetworkManager.conf')) ?? '';
  const plugins = /^\s*plugins\s*=\s*(.*)$/m.exec(nmConf);
  return {
    osRelease,
    paths,
    enabled: await enabledServices(access),
    nmPlugins: plugins ? plugins[1]!.trim() : null,
  };
}
