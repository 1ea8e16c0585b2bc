// Everything osconf would write for one instance on one distribution: the network stack's files, the static
// host name, the /etc/hosts line and, where nobody else owns it, /etc/resolv.conf. Pure: the current content
// of files edited in place comes in through `existing`.
import type { Concern, InstanceConfig } from '../config/model.js';
import type { Profile } from '../distro/profiles.js';
import type { PlannedFile } from './file.js';
import { renderHostname } from './hostname.js';
import { HOSTS_FILE, renderHosts } from './hosts.js';
import { STACK_RENDERERS } from './index.js';
import { nicViews, type NameMap } from './nic-view.js';
import { RESOLV_CONF, renderResolvConf, resolvConfOwner } from './resolv-conf.js';

export interface RenderedFile extends PlannedFile {
  concern: Concern;
  /** For network files: the os.conf names of the NICs the file configures. */
  nics?: string[];
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
  /** The running host name (live systems): an old name to drop from loopback lines in /etc/hosts. */
  runningHostname?: string | null;
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

  if (profile.stack) {
    if (nics.length > 0) {
      add('network', STACK_RENDERERS[profile.stack].render(nics, { existing, resolvconf: input.resolvconfInstalled ?? false, nmControlled: profile.nmControlled }));
    }
  } else if (nics.length > 0) {
    notes.push(`${profile.id}: no persistent network stack; the network is configured at boot with iproute2 only`);
  }

  if (config.hostname) {
    add('hostname', renderHostname(config.hostname, profile.hostnameFiles, existing));
    add('hostname', [renderHosts(config, existing(HOSTS_FILE), oldHostnames(profile, existing, input.runningHostname ?? null))]);
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

/** The image's host name before osconf: the static files the profile keeps it in, and the running name. */
function oldHostnames(profile: Profile, existing: (path: string) => string | null, running: string | null): string[] {
  const names = new Set<string>();
  for (const path of profile.hostnameFiles) {
    const text = existing(path);
    if (text === null) continue;
    const name = path === '/etc/sysconfig/network' ? /^\s*HOSTNAME=["']?([^"'\s]+)/m.exec(text)?.[1] : text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))?.trim();
    if (name) names.add(name);
  }
  if (running) names.add(running);
  return [...names];
}
