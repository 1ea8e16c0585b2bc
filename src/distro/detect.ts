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
  '/etc/cloud/cloud-init.enabled',
  '/etc/cloud/cloud.cfg.d',
  '/sbin/route',
  '/usr/sbin/route',
] as const;

/**
 * What this boot says about cloud-init, read on the running system after systemd's generators ran (osconf
 * starts before cloud-init-local.service, after them). Empty on an offline root or when not read.
 */
export interface CloudInitBoot {
  /** The kernel command line (/proc/cmdline). */
  cmdline: string;
  /** cloud-init-generator's verdict for this boot: /run/cloud-init/enabled or /run/cloud-init/disabled; null when neither exists (no generator ran: another init system). */
  generator: 'enabled' | 'disabled' | null;
  /** The datasource_list ds-identify wrote for this boot (/run/cloud-init/cloud.cfg); null when it wrote none. */
  datasourceList: string[] | null;
}

export interface CloudInitUsability {
  usable: boolean;
  /** Why, in one phrase: what was found, or the first rule that rules cloud-init out. */
  reason: string;
}

/** The units cloud-init's packages enable: systemd units in cloud-init.target.wants, SysV/OpenRC scripts. */
const CLOUD_INIT_UNITS = ['cloud-init-local.service', 'cloud-init.service', 'cloud-init-local', 'cloud-init'];

/** The last `cloud-init=` word on a kernel command line, as cloud-init-generator reads it (`${cmdline##* cloud-init=}`). */
function cmdlineSwitch(cmdline: string): 'enabled' | 'disabled' | null {
  const words = cmdline.split(/\s+/).filter((w) => w.startsWith('cloud-init='));
  const value = words.length ? words[words.length - 1]!.slice('cloud-init='.length) : '';
  return value === 'enabled' || value === 'disabled' ? value : null;
}

/**
 * Will cloud-init read osconf's NoCloud seed on this boot? The rules of cloud-init 22.4's systemd generator
 * (systemd/cloud-init-generator.tmpl) and ds-identify, in their order:
 * installed (/usr/bin/cloud-init); its units enabled; the kernel command line's last `cloud-init=enabled|
 * disabled`, else /etc/cloud/cloud-init.enabled, else /etc/cloud/cloud-init.disabled; then, on a running
 * system, the generator's verdict for this boot (ds-identify disables cloud-init when it finds no
 * datasource) and the datasource_list ds-identify chose, which must hold NoCloud for the seed to be read.
 * Without `boot` (an offline root, `osconf check`) only the static rules apply. With `stack` eni: cloud-init
 * 22.4's ENI renderer writes every route, the default one included, as `post-up route add ... || true`
 * (cloudinit/net/eni.py), so without route(8) (net-tools, which Debian's cloud-init package does not pull in)
 * the instance would silently come up without routes. Pure.
 */
export function cloudInitUsability(facts: DetectFacts, boot?: CloudInitBoot, stack?: Stack | null): CloudInitUsability {
  const no = (reason: string): CloudInitUsability => ({ usable: false, reason });
  if (!facts.paths.has('/usr/bin/cloud-init')) return no('cloud-init is not installed (no /usr/bin/cloud-init)');
  if (!CLOUD_INIT_UNITS.some((u) => facts.enabled.has(u))) return no('cloud-init is installed but its units are not enabled');
  const switched = boot ? cmdlineSwitch(boot.cmdline) : null;
  if (switched === 'disabled') return no('cloud-init is disabled on the kernel command line (cloud-init=disabled)');
  if (switched === null && !facts.paths.has('/etc/cloud/cloud-init.enabled') && facts.paths.has('/etc/cloud/cloud-init.disabled')) {
    return no('cloud-init is disabled by /etc/cloud/cloud-init.disabled');
  }
  if (stack === 'eni' && !facts.paths.has('/sbin/route') && !facts.paths.has('/usr/sbin/route')) {
    return no('cloud-init would lose every route: it writes ifupdown routes with route(8), and net-tools is not installed');
  }
  if (boot?.generator === 'disabled') return no('cloud-init-generator disabled cloud-init for this boot (ds-identify found no datasource)');
  if (boot?.datasourceList && !boot.datasourceList.includes('NoCloud')) {
    return no(`ds-identify chose ${boot.datasourceList.join(', ')} for this boot: cloud-init will not read the NoCloud seed`);
  }
  return { usable: true, reason: boot?.generator === 'enabled' ? 'cloud-init is enabled for this boot' : 'cloud-init is installed and enabled' };
}

/** cloud-init is installed and will run at boot (the static rules of cloudInitUsability). */
export function cloudInitEnabled(facts: DetectFacts): boolean {
  return cloudInitUsability(facts).usable;
}

/**
 * The mode of this run from osconf.conf's `mode` and cloud-init's usability: `auto` takes cloud-init only when
 * it is usable; an explicit `cloud-init` without a usable cloud-init is an error, as nothing would apply
 * os.conf. Pure.
 * @returns the mode, or `error` with the message for an OperationalError.
 */
export function chooseMode(setting: 'auto' | 'standalone' | 'cloud-init', usability: CloudInitUsability): { mode: 'standalone' | 'cloud-init'; error?: undefined } | { mode?: undefined; error: string } {
  if (setting === 'standalone') return { mode: 'standalone' };
  if (usability.usable) return { mode: 'cloud-init' };
  if (setting === 'auto') return { mode: 'standalone' };
  return { error: `mode = cloud-init, but ${usability.reason}: nothing would apply os.conf; it is kept. Set mode = auto (or standalone) in /etc/osconf/osconf.conf, or enable cloud-init` };
}

/** Parses `datasource_list: [ A, B ]` as ds-identify writes it in /run/cloud-init/cloud.cfg (one line); null without one. */
export function parseDatasourceList(text: string): string[] | null {
  const m = /^datasource_list:\s*\[([^\]]*)\]/m.exec(text);
  return m ? m[1]!.split(',').map((s) => s.trim().replace(/^["']|["']$/g, '')).filter(Boolean) : null;
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
