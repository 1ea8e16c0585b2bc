// The renderer registry, after cloud-init's net/renderers.py: per network stack, its renderer, the files of
// others it edits in place, the files that are osconf's own (and which NIC each configures), and the places
// the stack itself reads configuration from, highest precedence first. Everything outside render/ that needs
// a stack's paths (gather, `osconf render`, the planner, the tests) takes them from here.
import { PROFILES, type Stack } from '../distro/profiles.js';
import type { DnsPlace } from './dns-owner.js';
import { editEniMain, ENI_FILE, ENI_MAIN, renderEni } from './eni.js';
import { HOSTS_FILE } from './hosts.js';
import { NETPLAN_FILE, renderNetplan } from './netplan.js';
import type { NetworkFile } from './network-file.js';
import { NM_CONF_DIR, NM_CONNECTIONS_DIR, NM_GLOBAL_DNS_FILE, renderNetworkManager } from './network-manager.js';
import { NETWORKD_DIR, renderNetworkd } from './networkd.js';
import type { NicView } from './nic-view.js';
import { DNS_PLACE_FILES, NM_DNS_CONF, RESOLVED_DROP_IN } from './dns.js';
import { SHADOW } from './shadow.js';
import { renderSysconfigRhel, renderSysconfigSuse, RHEL_SCRIPTS_DIR, SUSE_NETWORK_DIR } from './sysconfig.js';

export type { NetworkFile } from './network-file.js';

/** What a stack renderer may need besides the NICs. */
export interface StackRenderContext {
  /** Current content of a file listed in `edits`, or null (absent, or rendering offline). */
  existing: (path: string) => string | null;
  /** The DNS table (dns-owner.ts) sends the name servers through this stack's file: ifupdown writes `dns-nameservers` only then. */
  nameservers: boolean;
  /** ifcfg files are NetworkManager's (RHEL profiles with NetworkManager). */
  nmControlled: boolean;
  /** The interfaces(5) implementation expands `source` wildcards: ifupdown does, Alpine's ifupdown-ng does not. */
  sourcePatterns: boolean;
}

/** Names of osconf's own files in one directory; a `nic` group captures the NIC name the file is for. */
export interface OwnedNames {
  dir: string;
  name: RegExp;
}

/** A place a stack reads configuration from: files in `dir` whose names match `name`. */
export interface SearchDir {
  dir: string;
  name: RegExp;
}

export interface StackRenderer {
  stack: Stack;
  render(nics: NicView[], ctx: StackRenderContext): NetworkFile[];
  /** Files of others this renderer edits in place: read before rendering. */
  edits: readonly string[];
  /** Files osconf writes here at fixed paths (compared with what is there even when absent). */
  files: readonly string[];
  /** Where osconf's own files for this stack live (they carry osconf's header; only those are ever removed). */
  owns: readonly OwnedNames[];
  /** Where the stack reads configuration from, highest precedence first (the stack's own documentation). */
  searchPath: readonly SearchDir[];
}

const all = /./;

/** Every stack, by cloud-init's renderer names. */
export const STACK_RENDERERS: Readonly<Record<Stack, StackRenderer>> = {
  // systemd.network(5): the first file in lexical order over these directories that matches a link applies.
  networkd: {
    stack: 'networkd',
    render: (nics) => renderNetworkd(nics),
    edits: [],
    files: [],
    owns: [{ dir: NETWORKD_DIR, name: /^10-osconf-(?<nic>.+)\.network$/ }],
    searchPath: ['/etc/systemd/network', '/run/systemd/network', '/usr/local/lib/systemd/network', '/usr/lib/systemd/network', '/lib/systemd/network'].map((dir) => ({ dir, name: /\.network$/ })),
  },
  // netplan(5): files in /run shadow same-named ones in /etc, which shadow /lib; all are merged in name order.
  netplan: {
    stack: 'netplan',
    render: (nics) => renderNetplan(nics),
    edits: [],
    files: [NETPLAN_FILE],
    owns: [{ dir: dirOf(NETPLAN_FILE), name: /^90-osconf\.yaml$/ }],
    searchPath: ['/run/netplan', '/etc/netplan', '/lib/netplan'].map((dir) => ({ dir, name: /\.yaml$/ })),
  },
  // interfaces(5): the main file and what it sources.
  eni: {
    stack: 'eni',
    render: (nics, ctx) => {
      const main = editEniMain(ctx.existing(ENI_MAIN), nics, { patterns: ctx.sourcePatterns });
      return [...renderEni(nics, { nameservers: ctx.nameservers }), ...(main ? [main] : [])];
    },
    edits: [ENI_MAIN],
    files: [ENI_FILE],
    owns: [{ dir: dirOf(ENI_FILE), name: /^50-osconf$/ }],
    searchPath: [
      { dir: dirOf(ENI_MAIN), name: /^interfaces$/ },
      { dir: dirOf(ENI_FILE), name: all },
    ],
  },
  // NetworkManager.conf(5), keyfile plugin: /etc, then /run, then /usr/lib.
  'network-manager': {
    stack: 'network-manager',
    render: (nics) => renderNetworkManager(nics),
    edits: [],
    files: [NM_GLOBAL_DNS_FILE],
    owns: [
      { dir: NM_CONNECTIONS_DIR, name: /^osconf-(?<nic>.+)\.nmconnection$/ },
      { dir: NM_CONF_DIR, name: /^90-osconf-dns\.conf$/ },
    ],
    searchPath: [NM_CONNECTIONS_DIR, '/run/NetworkManager/system-connections', '/usr/lib/NetworkManager/system-connections'].map((dir) => ({ dir, name: all })),
  },
  // ifcfg-rh: /etc/sysconfig/network-scripts (initscripts' ifup, NetworkManager's ifcfg-rh plugin).
  'sysconfig-rhel': {
    stack: 'sysconfig-rhel',
    render: (nics, ctx) => renderSysconfigRhel(nics, { nmControlled: ctx.nmControlled }),
    edits: [],
    files: [NM_GLOBAL_DNS_FILE],
    owns: [
      { dir: RHEL_SCRIPTS_DIR, name: /^(?:ifcfg|route)-(?<nic>.+)$/ },
      { dir: NM_CONF_DIR, name: /^90-osconf-dns\.conf$/ },
    ],
    searchPath: [{ dir: RHEL_SCRIPTS_DIR, name: /^(?:ifcfg|route|route6|rule)-/ }],
  },
  // SUSE: ifcfg(5), ifroute(5) under /etc/sysconfig/network; name servers go through netconfig (DNS_FILES).
  'sysconfig-suse': {
    stack: 'sysconfig-suse',
    render: (nics) => renderSysconfigSuse(nics),
    edits: [],
    files: [],
    owns: [{ dir: SUSE_NETWORK_DIR, name: /^(?:ifcfg|ifroute)-(?<nic>.+)$/ }],
    searchPath: [{ dir: SUSE_NETWORK_DIR, name: /^(?:ifcfg|ifroute)-/ }],
  },
};

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/**
 * Where name servers go outside the stacks' own files, by DNS place (dns-owner.ts's table chooses the place):
 * resolv.conf, resolvconf's base and netconfig's config are edited in place; the drop-ins are osconf's own.
 */
export const DNS_FILES: Readonly<Partial<Record<DnsPlace, string>>> = DNS_PLACE_FILES;

/** osconf's own DNS drop-ins: compared with what is there even when absent, removed when DNS goes elsewhere. */
export const DNS_OWNED_FILES: readonly string[] = [RESOLVED_DROP_IN, NM_DNS_CONF];

/** DNS files edited in place from their current content. */
const DNS_EDITED_FILES: readonly string[] = Object.values(DNS_PLACE_FILES).filter((p) => !DNS_OWNED_FILES.includes(p));

/** resolvconf's ifupdown hook, which hands `dns-nameservers` to resolvconf (resolvconf(8)). */
export const ENI_RESOLVCONF_HOOK = '/etc/network/if-up.d/000resolvconf';

/** Every static host name file some profile writes. */
export const HOSTNAME_FILES: readonly string[] = [...new Set(Object.values(PROFILES).flatMap((p) => p.hostnameFiles))];

/** Files renderers edit in place from their current content, whatever the stack: hosts, the DNS files, host name files, every stack's edited files. */
export const EDITED_FILES: readonly string[] = [HOSTS_FILE, ...DNS_EDITED_FILES, ...Object.values(STACK_RENDERERS).flatMap((r) => r.edits), ...HOSTNAME_FILES];

/** Every system file apply may replace: root's shadow entry, the edited files and osconf's DNS drop-ins. */
export const SYSTEM_FILES: readonly string[] = [SHADOW, ...EDITED_FILES, ...DNS_OWNED_FILES];

/** Every directory that may hold osconf's own stack files, with the names that can be osconf's. */
export const OWNED_NAMES: readonly OwnedNames[] = Object.values(STACK_RENDERERS).flatMap((r) => r.owns);

/** Fixed paths osconf writes for some stack. */
export const FIXED_STACK_FILES: readonly string[] = Object.values(STACK_RENDERERS).flatMap((r) => r.files);

/**
 * Which NIC (by os.conf name or running name) a file osconf owns is for, from its name; null when the path is
 * not an osconf name or the name does not say (one file for every NIC).
 */
export function ownedNic(path: string): { owned: boolean; nic: string | null } {
  const dir = dirOf(path);
  const base = path.slice(dir.length + 1);
  for (const o of OWNED_NAMES) {
    if (o.dir !== dir) continue;
    const m = o.name.exec(base);
    if (m) return { owned: true, nic: m.groups?.nic ?? null };
  }
  return { owned: false, nic: null };
}

/** Whether osconf may ever write or remove `path`: a system file, a stack's edited file, or an osconf name. */
export function isManagedPath(path: string): boolean {
  return SYSTEM_FILES.includes(path) || ownedNic(path).owned;
}
