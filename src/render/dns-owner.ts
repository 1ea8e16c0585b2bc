// Who owns /etc/resolv.conf decides where os.conf's name servers must go: the one table of osconf's DNS
// (DNS_TABLE below; docs/operators.md shows the same table, and a unit test keeps the two equal). A name
// server written where the resolver in charge never looks is a name server not applied, so the owner is read
// from the system (the link's target, the writer's header, resolved's unit), never assumed. Pure: the facts
// come in from gather (apply/gather.ts) through the Host.
import type { Profile } from '../distro/profiles.js';

/** Who writes /etc/resolv.conf (and so answers the system's queries). */
export type ResolverOwner = 'systemd-resolved' | 'resolvconf' | 'NetworkManager' | 'netconfig' | 'plain' | 'other-link';

/** /etc/resolv.conf as found: absent, a symbolic link (its target as stored), or a file (its content). */
export type ResolvConfState = { kind: 'absent' } | { kind: 'link'; target: string } | { kind: 'file'; content: string };

export interface ResolverFacts {
  resolvConf: ResolvConfState;
  /** systemd-resolved.service is enabled (starts at boot) / running now. */
  resolved: { enabled: boolean; active: boolean };
  /** resolvconf's ifupdown hook (if-up.d/000resolvconf), which hands `dns-nameservers` to resolvconf, is installed. */
  ifupdownResolvconfHook: boolean;
}

/** Offline rendering with nothing known: resolv.conf absent, no resolver daemon, no hooks. */
export const NO_RESOLVER_FACTS: ResolverFacts = { resolvConf: { kind: 'absent' }, resolved: { enabled: false, active: false }, ifupdownResolvconfHook: false };

/**
 * Where the name servers go:
 * - `stack`: the stack's own file for the NIC that carries the default route, which the stack hands to the owner;
 * - `resolv.conf`: /etc/resolv.conf itself; `resolved.conf.d`: a systemd-resolved drop-in (global DNS=);
 * - `resolvconf base`: resolvconf's base file; `NetworkManager conf.d`: NetworkManager's global DNS;
 * - `netconfig`: SUSE netconfig's static servers; `nowhere`: osconf knows no way to this owner.
 */
export type DnsPlace = 'stack' | 'resolv.conf' | 'resolved.conf.d' | 'resolvconf base' | 'NetworkManager conf.d' | 'netconfig' | 'nowhere';

/** The network stack as the DNS table tells them apart (ifcfg files are read by two different programs). */
export type DnsStack = 'networkd' | 'netplan' | 'NetworkManager' | 'ifcfg (NetworkManager)' | 'ifcfg (network service)' | 'ifupdown' | 'SUSE ifcfg (wicked)' | 'none';

export function dnsStackOf(profile: Profile): DnsStack {
  switch (profile.stack) {
    case 'networkd':
      return 'networkd';
    case 'netplan':
      return 'netplan';
    case 'network-manager':
      return 'NetworkManager';
    case 'sysconfig-rhel':
      return profile.nmControlled ? 'ifcfg (NetworkManager)' : 'ifcfg (network service)';
    case 'eni':
      return 'ifupdown';
    case 'sysconfig-suse':
      return 'SUSE ifcfg (wicked)';
    case null:
      return 'none';
  }
}

export interface DnsRule {
  owner: ResolverOwner;
  /** The stacks this row is for; `any` is every stack an earlier row of the same owner did not take. */
  stacks: readonly DnsStack[] | 'any';
  /** An ifupdown hook the row needs (else the next row applies). */
  needs?: 'if-up.d/000resolvconf';
  place: DnsPlace;
  /** What carries the name servers to the owner, as the operator's table says it. */
  how: string;
}

const NM_STACKS: readonly DnsStack[] = ['NetworkManager', 'ifcfg (NetworkManager)'];

/**
 * The table, first matching row wins. Sources: systemd-resolved.service(8) (/etc/resolv.conf modes),
 * resolved.conf(5) (drop-ins; an empty DNS= resets the list), systemd.network(5) DNS=, netplan(5)
 * nameservers, NetworkManager.conf(5) (dns, rc-manager, global-dns-domain-*), nm-settings-keyfile(5) and
 * nm-settings-ifcfg-rh(5) (ipv4.dns, DNS1..3), resolvconf(8) with its if-up.d/000resolvconf (dns-nameservers,
 * resolv.conf.d/base), netconfig(8) (NETCONFIG_DNS_STATIC_SERVERS), resolv.conf(5).
 *
 * ifupdown with systemd-resolved gets the drop-in, not `dns-nameservers`: the hook Debian 12's ifupdown
 * (0.8.41) ships for resolved, /etc/network/if-up.d/resolved, writes its state file with quoted variable
 * names and sources it, so static name servers never reach resolved (it passes the word `DNS` instead and
 * then restarts resolved). test/integration/dns-resolvers.test.ts shows both.
 */
export const DNS_TABLE: readonly DnsRule[] = [
  { owner: 'systemd-resolved', stacks: ['networkd'], place: 'stack', how: '`DNS=` in the NIC\'s `.network` file; networkd hands it to resolved' },
  { owner: 'systemd-resolved', stacks: ['netplan'], place: 'stack', how: '`nameservers:` in netplan\'s YAML; its backend hands them to resolved' },
  { owner: 'systemd-resolved', stacks: NM_STACKS, place: 'stack', how: 'the connection\'s DNS (`ipv4.dns`, `DNS1=`); NetworkManager hands it to resolved' },
  { owner: 'systemd-resolved', stacks: ['ifupdown'], place: 'resolved.conf.d', how: '`DNS=` in `/etc/systemd/resolved.conf.d/90-osconf.conf`: Debian 12\'s `if-up.d/resolved` hook loses static `dns-nameservers`' },
  { owner: 'systemd-resolved', stacks: 'any', place: 'resolved.conf.d', how: '`DNS=` in `/etc/systemd/resolved.conf.d/90-osconf.conf`; resolved restarted if it runs' },
  { owner: 'resolvconf', stacks: ['ifupdown'], needs: 'if-up.d/000resolvconf', place: 'stack', how: '`dns-nameservers`, which resolvconf\'s `if-up.d/000resolvconf` hook hands on' },
  { owner: 'resolvconf', stacks: NM_STACKS, place: 'stack', how: 'the connection\'s DNS; NetworkManager runs resolvconf' },
  { owner: 'resolvconf', stacks: 'any', place: 'resolvconf base', how: '`nameserver` lines in `/etc/resolvconf/resolv.conf.d/base`, then `resolvconf -u`' },
  { owner: 'NetworkManager', stacks: NM_STACKS, place: 'stack', how: 'the connection\'s DNS; NetworkManager writes resolv.conf' },
  { owner: 'NetworkManager', stacks: 'any', place: 'NetworkManager conf.d', how: '`servers=` under `[global-dns-domain-*]` in `/etc/NetworkManager/conf.d/90-osconf-dns.conf`, then `nmcli general reload`' },
  { owner: 'netconfig', stacks: ['NetworkManager'], place: 'stack', how: 'the connection\'s DNS; NetworkManager runs netconfig' },
  { owner: 'netconfig', stacks: 'any', place: 'netconfig', how: '`NETCONFIG_DNS_STATIC_SERVERS` in `/etc/sysconfig/network/config`, then `netconfig update -m dns`' },
  { owner: 'plain', stacks: 'any', place: 'resolv.conf', how: '`nameserver` lines in `/etc/resolv.conf`, in place; search, options and comments kept' },
  { owner: 'other-link', stacks: ['networkd', 'netplan', ...NM_STACKS], place: 'stack', how: 'the stack\'s own DNS setting, which reaches whatever the link serves (checked after applying)' },
  { owner: 'other-link', stacks: 'any', place: 'nowhere', how: 'nowhere: the DNS concern fails and names the link' },
];

/** What the owner of a resolv.conf link is, by where the link points (absolute, normalised). */
const LINK_OWNERS: ReadonlyArray<[RegExp, ResolverOwner]> = [
  // systemd-resolved.service(8): stub-resolv.conf, resolv.conf (uplink servers), or the static stub file.
  [/^\/run\/systemd\/resolve\/(stub-)?resolv\.conf$/, 'systemd-resolved'],
  [/^\/(usr\/)?lib\/systemd\/resolv\.conf$/, 'systemd-resolved'],
  // resolvconf(8): /run/resolvconf/resolv.conf (older releases: /etc/resolvconf/run/resolv.conf).
  [/^\/run\/resolvconf\/resolv\.conf$|^\/etc\/resolvconf\/run\/resolv\.conf$/, 'resolvconf'],
  // NetworkManager.conf(5), rc-manager=symlink: a link to its own file is still NetworkManager's.
  [/^\/run\/NetworkManager\/(no-stub-)?resolv\.conf$/, 'NetworkManager'],
  // SUSE: /etc/resolv.conf -> /run/netconfig/resolv.conf.
  [/^\/run\/netconfig\/resolv\.conf$/, 'netconfig'],
];

/** The link's target as an absolute path inside the root (relative targets are relative to /etc). */
export function resolvConfTarget(target: string): string {
  const parts: string[] = [];
  for (const p of (target.startsWith('/') ? target : `/etc/${target}`).split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`.replace(/^\/var\/run\//, '/run/');
}

/**
 * Who writes /etc/resolv.conf: by the link's target, else by the header its writer leaves in the file. An
 * absent file is the distribution's default writer's to create: netconfig on SUSE, else whoever writes it
 * (osconf writes it plainly).
 */
export function resolverOwner(facts: ResolverFacts, profile: Pick<Profile, 'family'>): ResolverOwner {
  const rc = facts.resolvConf;
  if (rc.kind === 'link') {
    const target = resolvConfTarget(rc.target);
    return LINK_OWNERS.find(([re]) => re.test(target))?.[1] ?? 'other-link';
  }
  if (rc.kind === 'absent') return profile.family === 'suse' ? 'netconfig' : 'plain';
  const head = rc.content.split('\n').slice(0, 5).join('\n');
  if (/systemd-resolved/.test(head)) return 'systemd-resolved';
  if (/Generated by NetworkManager/.test(head)) return 'NetworkManager';
  if (/resolvconf\(8\)|by resolvconf/.test(head)) return 'resolvconf';
  if (/netconfig/.test(head)) return 'netconfig';
  return 'plain';
}

export interface DnsRoute {
  owner: ResolverOwner;
  stack: DnsStack;
  place: DnsPlace;
  rule: DnsRule;
  /** The row's `how` as log text (no Markdown). */
  how: string;
  /** What to tell the operator beyond the row (a resolver link whose daemon is off). */
  notes: string[];
}

/** The row of DNS_TABLE for this system: where os.conf's name servers go. */
export function dnsRoute(facts: ResolverFacts, profile: Profile): DnsRoute {
  const owner = resolverOwner(facts, profile);
  const stack = dnsStackOf(profile);
  const hookPresent = (needs: DnsRule['needs']) => needs === undefined || facts.ifupdownResolvconfHook;
  const rule = DNS_TABLE.find((r) => r.owner === owner && (r.stacks === 'any' || r.stacks.includes(stack)) && hookPresent(r.needs))!;
  const notes: string[] = [];
  if (owner === 'systemd-resolved' && !facts.resolved.enabled && !facts.resolved.active) {
    notes.push('/etc/resolv.conf points to systemd-resolved, which is neither enabled nor running: the name servers reach it once it runs');
  }
  if (owner === 'other-link' && facts.resolvConf.kind === 'link') notes.push(`/etc/resolv.conf links to ${facts.resolvConf.target}, whose writer osconf does not know`);
  return { owner, stack, place: rule.place, rule, how: rule.how.replace(/`/g, ''), notes };
}

const OWNER_LABELS: Record<ResolverOwner, string> = {
  'systemd-resolved': 'systemd-resolved',
  resolvconf: 'resolvconf',
  NetworkManager: 'NetworkManager',
  netconfig: 'netconfig (SUSE)',
  plain: 'nobody: a plain file, or none',
  'other-link': 'a link to anything else',
};

/** DNS_TABLE as the Markdown table docs/operators.md carries (a unit test compares them). */
export function dnsTableMarkdown(): string {
  const rows = DNS_TABLE.map((r, i) => {
    const first = DNS_TABLE.findIndex((o) => o.owner === r.owner) === i;
    const stacks = r.stacks === 'any' ? (first ? 'any' : 'any other') : r.stacks.join(', ');
    return `| ${first ? OWNER_LABELS[r.owner] : ''} | ${stacks}${r.needs ? ` (with \`${r.needs}\`)` : ''} | ${r.how} |`;
  });
  return ['| who owns /etc/resolv.conf | stack | where osconf writes the name servers |', '|---|---|---|', ...rows].join('\n');
}
