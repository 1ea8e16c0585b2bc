// Chooses a distribution profile from facts probed in a root (distro/facts.ts, read through the Host). Pure,
// so detection is tested on fixtures laid out like each distribution.
import type { OsRelease } from './os-release.js';
import { PROFILES, type Profile, type ProfileId, type Stack, profileForStack } from './profiles.js';

export interface DetectFacts {
  osRelease: OsRelease | null;
  /** Which of PROBE_PATHS exist in the root. */
  paths: ReadonlySet<string>;
  /** Units or services enabled to start at boot (systemd wants links, OpenRC runlevels, sysvinit rc links). */
  enabled: ReadonlySet<string>;
  /** NetworkManager.conf's [main] plugins= value, if set. */
  nmPlugins: string | null;
}

/** Paths whose presence tells which stacks are installed. */
export const PROBE_PATHS = [
  '/usr/sbin/netplan',
  '/sbin/netplan',
  '/usr/sbin/NetworkManager',
  '/lib/systemd/systemd-networkd',
  '/usr/lib/systemd/systemd-networkd',
  '/sbin/ifup',
  '/usr/sbin/ifup',
  '/etc/network/interfaces',
  '/etc/sysconfig/network-scripts',
  '/etc/init.d/network',
  '/usr/sbin/wicked',
  '/sbin/resolvconf',
  '/usr/sbin/resolvconf',
  '/usr/lib64/NetworkManager/libnm-settings-plugin-ifcfg-rh.so',
  '/usr/lib/systemd/systemd',
  '/lib/systemd/systemd',
  '/sbin/openrc',
  '/usr/bin/cloud-init',
  '/etc/cloud/cloud-init.disabled',
  '/etc/cloud/cloud.cfg.d',
] as const;

/** cloud-init is installed and will run at boot (its local stage is enabled and it is not disabled). */
export function cloudInitEnabled(facts: DetectFacts): boolean {
  if (!facts.paths.has('/usr/bin/cloud-init') || facts.paths.has('/etc/cloud/cloud-init.disabled')) return false;
  return ['cloud-init-local.service', 'cloud-init.service', 'cloud-init-local', 'cloud-init.target'].some((u) => facts.enabled.has(u));
}

export interface Detection {
  /** `debian-12`, `centos-7`, … from os-release, or `unknown`. */
  label: string;
  profile: Profile;
  reasons: string[];
}

export function detectProfile(facts: DetectFacts, override?: { stack?: Stack; profile?: ProfileId }): Detection {
  const os = facts.osRelease ?? {};
  const id = (os.ID ?? '').toLowerCase();
  const like = (os.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const major = Number.parseInt(os.VERSION_ID ?? '', 10);
  const label = id ? `${id}${Number.isFinite(major) ? `-${major}` : ''}` : 'unknown';
  const reasons: string[] = [id ? `os-release: ID=${id}${os.VERSION_ID ? ` VERSION_ID=${os.VERSION_ID}` : ''}${like.length ? ` ID_LIKE=${like.join(' ')}` : ''}` : 'no os-release'];
  const pick = (profileId: ProfileId, why: string): Detection => ({ label, profile: PROFILES[profileId], reasons: [...reasons, why] });

  if (override?.profile) return pick(override.profile, `profile ${override.profile} chosen explicitly`);
  if (override?.stack) return { label, profile: profileForStack(override.stack), reasons: [...reasons, `stack ${override.stack} chosen explicitly`] };

  const has = (p: string) => facts.paths.has(p);
  const nmEnabled = facts.enabled.has('NetworkManager.service') || facts.enabled.has('NetworkManager');
  const networkdEnabled = facts.enabled.has('systemd-networkd.service');
  const netplan = has('/usr/sbin/netplan') || has('/sbin/netplan');
  const ifupdown = has('/sbin/ifup') || has('/usr/sbin/ifup');
  const is = (...names: string[]) => names.includes(id) || like.some((l) => names.includes(l));

  if (is('rhel', 'centos', 'fedora', 'rocky', 'almalinux', 'ol', 'alinux', 'anolis')) {
    if (id === 'fedora') return pick('rhel-9', 'Fedora uses NetworkManager keyfiles');
    // Alibaba Cloud Linux 2 and 3 are built on EL7 and EL8.
    const el = id === 'alinux' ? (major <= 2 ? 7 : 8) : major;
    if (el <= 6) return pick('rhel-6', 'EL6: sysconfig and the network service');
    if (el === 7) {
      return nmEnabled
        ? pick('rhel-7-nm', 'EL7 with NetworkManager enabled: ifcfg files read by ifcfg-rh')
        : pick('rhel-7', 'EL7 without NetworkManager: sysconfig and the network service');
    }
    const ifcfgRh = (facts.nmPlugins ?? '').split(',').map((s) => s.trim()).includes('ifcfg-rh') || (el === 8 && has('/usr/lib64/NetworkManager/libnm-settings-plugin-ifcfg-rh.so'));
    return ifcfgRh
      ? pick('rhel-8-ifcfg', 'EL8 family with NetworkManager ifcfg-rh: ifcfg files')
      : pick('rhel-9', `EL${Number.isFinite(el) ? el : ''} family: NetworkManager keyfiles`);
  }
  if (is('suse', 'sles', 'opensuse', 'opensuse-leap', 'opensuse-tumbleweed')) {
    return nmEnabled && !facts.enabled.has('wicked.service')
      ? pick('suse-network-manager', 'SUSE with NetworkManager enabled')
      : pick('suse', 'SUSE: sysconfig and wicked');
  }
  if (id === 'alpine') return pick('alpine', 'Alpine: ifupdown-ng');
  if (is('arch')) return pick('arch', 'Arch: systemd-networkd');
  if (id === 'ubuntu' && Number.isFinite(major) && major < 18) return pick('debian-ifupdown', 'Ubuntu before 18.04: ifupdown');
  if (is('debian', 'ubuntu')) {
    if (netplan) return pick('ubuntu-netplan', 'netplan is installed');
    if (nmEnabled) return pick('debian-network-manager', 'NetworkManager is enabled');
    if (networkdEnabled) return pick('debian-networkd', 'systemd-networkd is enabled');
    if (ifupdown || has('/etc/network/interfaces')) return pick('debian-ifupdown', 'ifupdown is installed');
    return pick('debian-networkd', 'no other stack: systemd-networkd, which every Debian has');
  }
  // Unknown distribution: the first stack that is there.
  if (netplan) return pick('ubuntu-netplan', 'unknown distribution; netplan is installed');
  if (nmEnabled || has('/usr/sbin/NetworkManager')) return pick('rhel-9', 'unknown distribution; NetworkManager is installed');
  if (networkdEnabled) return pick('arch', 'unknown distribution; systemd-networkd is enabled');
  if (ifupdown) return pick('debian-ifupdown', 'unknown distribution; ifupdown is installed');
  if (has('/etc/sysconfig/network-scripts')) return pick('rhel-7', 'unknown distribution; /etc/sysconfig/network-scripts exists');
  if (has('/lib/systemd/systemd-networkd') || has('/usr/lib/systemd/systemd-networkd')) return pick('arch', 'unknown distribution; systemd-networkd is installed');
  return pick('generic', 'unknown distribution and no known network stack');
}
