// Distribution profiles as data: which network stack, where the static host name lives, how DNS is owned.
// Like cloud-init's distro classes, but plain records; detect.ts chooses one.

/** Renderer names as cloud-init names them; sysconfig has a RHEL and a SUSE flavour. */
export const STACKS = ['sysconfig-rhel', 'sysconfig-suse', 'eni', 'netplan', 'networkd', 'network-manager'] as const;
export type Stack = (typeof STACKS)[number];

/** How the network is brought up now, after the files are written (used by apply). */
export type Activator = 'network-service' | 'ifupdown' | 'netplan' | 'networkd' | 'network-manager' | 'wicked' | 'iproute2';

export type HostnameFile = '/etc/hostname' | '/etc/sysconfig/network' | '/etc/HOSTNAME';

export interface Profile {
  id: string;
  description: string;
  family: 'rhel' | 'debian' | 'suse' | 'alpine' | 'arch' | 'generic';
  /** null: no persistent network stack known; apply configures the running system with iproute2 only. */
  stack: Stack | null;
  activator: Activator;
  /** Static host name files, in the order they are written. */
  hostnameFiles: HostnameFile[];
  /** ifcfg files carry NM_CONTROLLED=no (the legacy network service owns them). */
  nmControlled: boolean;
  init: 'systemd' | 'sysvinit' | 'openrc';
}

const base = {
  nmControlled: false,
  init: 'systemd' as const,
  hostnameFiles: ['/etc/hostname'] as HostnameFile[],
};

export const PROFILES = {
  'rhel-6': { ...base, id: 'rhel-6', description: 'RHEL/CentOS 6: sysconfig and the network service', family: 'rhel', stack: 'sysconfig-rhel', activator: 'network-service', hostnameFiles: ['/etc/sysconfig/network'], init: 'sysvinit' },
  'rhel-7': { ...base, id: 'rhel-7', description: 'RHEL/CentOS 7: sysconfig and the network service', family: 'rhel', stack: 'sysconfig-rhel', activator: 'network-service' },
  'rhel-7-nm': { ...base, id: 'rhel-7-nm', description: 'RHEL/CentOS 7 with NetworkManager reading ifcfg files (ifcfg-rh)', family: 'rhel', stack: 'sysconfig-rhel', activator: 'network-manager', nmControlled: true },
  'rhel-8-ifcfg': { ...base, id: 'rhel-8-ifcfg', description: 'RHEL 8 family: NetworkManager with ifcfg files (ifcfg-rh)', family: 'rhel', stack: 'sysconfig-rhel', activator: 'network-manager', nmControlled: true },
  'rhel-9': { ...base, id: 'rhel-9', description: 'RHEL 9 family and Fedora: NetworkManager keyfiles', family: 'rhel', stack: 'network-manager', activator: 'network-manager' },
  'debian-ifupdown': { ...base, id: 'debian-ifupdown', description: 'Debian/Ubuntu with ifupdown (/etc/network/interfaces)', family: 'debian', stack: 'eni', activator: 'ifupdown' },
  'debian-networkd': { ...base, id: 'debian-networkd', description: 'Debian with systemd-networkd', family: 'debian', stack: 'networkd', activator: 'networkd' },
  'debian-network-manager': { ...base, id: 'debian-network-manager', description: 'Debian/Ubuntu with NetworkManager', family: 'debian', stack: 'network-manager', activator: 'network-manager' },
  'ubuntu-netplan': { ...base, id: 'ubuntu-netplan', description: 'Ubuntu 18.04 and later: netplan', family: 'debian', stack: 'netplan', activator: 'netplan' },
  suse: { ...base, id: 'suse', description: 'SUSE/openSUSE: sysconfig (ifcfg, ifroute) with wicked and netconfig', family: 'suse', stack: 'sysconfig-suse', activator: 'wicked', hostnameFiles: ['/etc/hostname', '/etc/HOSTNAME'] },
  'suse-network-manager': { ...base, id: 'suse-network-manager', description: 'openSUSE with NetworkManager', family: 'suse', stack: 'network-manager', activator: 'network-manager', hostnameFiles: ['/etc/hostname', '/etc/HOSTNAME'] },
  alpine: { ...base, id: 'alpine', description: 'Alpine: ifupdown-ng and OpenRC', family: 'alpine', stack: 'eni', activator: 'ifupdown', init: 'openrc' },
  arch: { ...base, id: 'arch', description: 'Arch Linux: systemd-networkd', family: 'arch', stack: 'networkd', activator: 'networkd' },
  generic: { ...base, id: 'generic', description: 'unknown distribution without a known network stack: iproute2 at boot, nothing persistent', family: 'generic', stack: null, activator: 'iproute2' },
} satisfies Record<string, Profile>;

export type ProfileId = keyof typeof PROFILES;

export function profileForStack(stack: Stack): Profile {
  const byStack: Record<Stack, ProfileId> = {
    'sysconfig-rhel': 'rhel-7',
    'sysconfig-suse': 'suse',
    eni: 'debian-ifupdown',
    netplan: 'ubuntu-netplan',
    networkd: 'arch',
    'network-manager': 'rhel-9',
  };
  return PROFILES[byStack[stack]];
}
