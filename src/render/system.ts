// Everything osconf would write for one instance on one distribution: the network stack's files, the static
// host name, the /etc/hosts line and, where nobody else owns it, /etc/resolv.conf. Pure: the current content
// of files edited in place comes in through `existing`.
import type { Concern, InstanceConfig } from '../config/model.js';
import type { Profile } from '../distro/profiles.js';
import type { PlannedFile } from './file.js';
import { editEniMain, ENI_MAIN, renderEni } from './eni.js';
import { renderHostname } from './hostname.js';
import { HOSTS_FILE, renderHosts } from './hosts.js';
import { renderNetplan } from './netplan.js';
import { renderNetworkManager } from './network-manager.js';
import { renderNetworkd } from './networkd.js';
import { nicViews, type NameMap } from './nic-view.js';
import { RESOLV_CONF, renderResolvConf, resolvConfOwner } from './resolv-conf.js';
import { renderSysconfigRhel, renderSysconfigSuse, SUSE_NETCONFIG } from './sysconfig.js';

export interface RenderedFile extends PlannedFile {
  concern: Concern;
}

export interface SystemRenderInput {
  config: InstanceConfig;
  profile: Profile;
  /** os.conf NIC name → running name; offline rendering leaves it empty. */
  names?: NameMap;
  /** Current content of a file in the target root, or null when absent (or when rendering offline). */
  existing?: (path: string) => string | null;
  resolvConfIsSymlink?: boolean;
  /** resolvconf is installed: ENI's dns-nameservers lines reach resolv.conf. */
  resolvconfInstalled?: boolean;
}

export interface SystemRender {
  files: RenderedFile[];
  /** Things the user should know: what is not configured here and why. */
  notes: string[];
}

export function renderSystem(input: SystemRenderInput): SystemRender {
  const { config, profile } = input;
  const existing = input.existing ?? (() => null);
  const nics = nicViews(config, input.names);
  const files: RenderedFile[] = [];
  const notes: string[] = [];
  const add = (concern: Concern, list: Array<PlannedFile | null>): void => {
    for (const f of list) if (f) files.push({ ...f, concern });
  };

  switch (profile.stack) {
    case 'eni':
      add('network', [...renderEni(nics, { resolvconf: input.resolvconfInstalled ?? false }), editEniMain(existing(ENI_MAIN), nics)]);
      break;
    case 'netplan':
      add('network', renderNetplan(nics));
      break;
    case 'networkd':
      add('network', renderNetworkd(nics));
      break;
    case 'network-manager':
      add('network', renderNetworkManager(nics));
      break;
    case 'sysconfig-rhel':
      add('network', renderSysconfigRhel(nics, { nmControlled: profile.nmControlled }));
      break;
    case 'sysconfig-suse':
      add('network', renderSysconfigSuse(nics, existing(SUSE_NETCONFIG)));
      break;
    case null:
      if (nics.length > 0) notes.push(`${profile.id}: no persistent network stack; the network is configured at boot with iproute2 only`);
      break;
  }

  if (config.hostname) {
    add('hostname', renderHostname(config.hostname, profile.hostnameFiles, existing));
    add('hostname', [renderHosts(config, existing(HOSTS_FILE))]);
  }

  if (config.nameservers.length > 0 && profile.stack !== 'sysconfig-suse') {
    const current = existing(RESOLV_CONF);
    const owner = resolvConfOwner({ isSymlink: input.resolvConfIsSymlink ?? false, content: current });
    if (owner === 'plain' || owner === 'absent') add('dns', [renderResolvConf(config.nameservers, current)]);
    else notes.push(`${RESOLV_CONF} is managed by ${owner}: name servers go through the network stack only`);
  }
  if (config.nameservers.length > 0 && profile.stack === 'eni' && !input.resolvconfInstalled) {
    notes.push('resolvconf is not installed: name servers are written to /etc/resolv.conf, not as dns-nameservers');
  }
  return { files: files.sort((a, b) => a.path.localeCompare(b.path)), notes };
}
