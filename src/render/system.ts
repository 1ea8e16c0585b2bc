// Everything osconf would write for one instance on one distribution: the network stack's files, the static
// host name, the /etc/hosts line and the name servers where the DNS table (dns-owner.ts) says the resolver in
// charge reads them. Pure: the current content of files edited in place comes in through `existing`.
import type { Concern, InstanceConfig } from '../config/model.js';
import type { Profile } from '../distro/profiles.js';
import { renderDnsPlace } from './dns.js';
import { dnsRoute, NO_RESOLVER_FACTS, type DnsRoute, type ResolverFacts } from './dns-owner.js';
import { BACKUP_DIR, type PlannedFile } from './file.js';
import { renderHostname } from './hostname.js';
import { HOSTS_FILE, renderHosts } from './hosts.js';
import { STACK_RENDERERS } from './index.js';
import { nicViews, type NameMap } from './nic-view.js';
import { RESOLV_CONF } from './resolv-conf.js';

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
  /**
   * Who owns resolv.conf and what hands name servers to it. Absent: resolv.conf as `existing` shows it (a file,
   * or absent), no resolver daemon, no ifupdown hooks.
   */
  resolver?: ResolverFacts;
  /** The running host name (live systems): an old name to drop from loopback lines in /etc/hosts. */
  runningHostname?: string | null;
}

export interface SystemRender {
  files: RenderedFile[];
  /** Things the user should know: what is not configured here and why. */
  notes: string[];
  /** Where os.conf's name servers go (the DNS table's row); null when os.conf sets none. */
  dns: DnsRoute | null;
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
  const resolver = input.resolver ?? offlineResolver(existing(RESOLV_CONF));
  const dns = config.nameservers.length > 0 ? dnsRoute(resolver, profile) : null;

  if (profile.stack) {
    if (nics.length > 0) {
      const ctx = { existing, nameservers: dns?.place === 'stack', nmControlled: profile.nmControlled, sourcePatterns: profile.family !== 'alpine' };
      add('network', STACK_RENDERERS[profile.stack].render(nics, ctx));
    }
  } else if (nics.length > 0) {
    notes.push(`${profile.id}: no persistent network stack; the network is configured at boot with iproute2 only`);
  }

  if (config.hostname) {
    add('hostname', renderHostname(config.hostname, profile.hostnameFiles, existing));
    add('hostname', [renderHosts(config, existing(HOSTS_FILE), oldHostnames(profile, existing, input.runningHostname ?? null))]);
  }

  if (dns) {
    add('dns', [renderDnsPlace(dns.place, config.nameservers, existing)]);
    notes.push(`name servers: ${RESOLV_CONF} is ${dns.owner === 'plain' ? 'a plain file' : `${dns.owner}'s`}; ${dns.how}`, ...dns.notes);
  }
  // By UTF-16 code unit, not localeCompare: the order is only for stable output, and collation would load ICU.
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), notes, dns };
}

function offlineResolver(resolvConf: string | null): ResolverFacts {
  return { ...NO_RESOLVER_FACTS, resolvConf: resolvConf === null ? { kind: 'absent' } : { kind: 'file', content: resolvConf } };
}

/** The image's host name before osconf: the static files the profile keeps it in, and the running name. */
function oldHostnames(profile: Profile, existing: (path: string) => string | null, running: string | null): string[] {
  const names = new Set<string>();
  // The image's own name also from the backup of its first replaced copy: an apply interrupted after writing
  // /etc/hostname and before /etc/hosts must still know it on the retry.
  for (const path of profile.hostnameFiles.flatMap((p) => [p, `${BACKUP_DIR}${p}`])) {
    const text = existing(path);
    if (text === null) continue;
    const name = path.endsWith('/etc/sysconfig/network') ? /^\s*HOSTNAME=["']?([^"'\s]+)/m.exec(text)?.[1] : text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))?.trim();
    if (name) names.add(name);
  }
  if (running) names.add(running);
  return [...names];
}
