// The resolver in charge as it reports itself: where to ask it (resolved over its bus, or resolv.conf), what
// it must report for os.conf's name servers, and `resolvectl dns`'s output read back. Pure; apply/gather.ts
// and apply/verify.ts do the asking through the Host.
import type { ResolverFacts, ResolverOwner } from '../render/dns-owner.js';
import type { NameserverSource } from './actions.js';

/**
 * Where the resolver in charge can be asked for its name servers now: resolved over its bus when it owns
 * resolv.conf and runs, else resolv.conf itself; null when resolved owns it but does not run (it starts later).
 */
export function nameserverSource(owner: ResolverOwner, resolver: ResolverFacts): NameserverSource | null {
  if (owner === 'systemd-resolved') return resolver.resolved.active ? 'resolved' : null;
  return 'resolv.conf';
}

/** The name servers a resolver must report: resolv.conf's readers use three at most (resolv.conf(5), MAXNS). */
export function expectedNameservers(nameservers: string[], source: NameserverSource): string[] {
  return source === 'resolv.conf' ? nameservers.slice(0, 3) : nameservers;
}

/** Whether the resolver's report carries every expected name server. */
export function nameserversMatch(expected: string[], reported: readonly string[]): boolean {
  return expected.every((ns) => reported.includes(ns));
}

/**
 * The name servers in `resolvectl dns` output (resolvectl(1)): `Global: A B` and `Link N (eth0): A B` lines.
 * A server may carry `#server-name` (DNS over TLS) or `%ifindex` (IPv6 link-local); both are dropped.
 */
export function parseResolvectlDns(stdout: string): string[] {
  const servers: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(?:Global|Link \d+ \([^)]*\)):(.*)$/.exec(line.trim());
    if (!m) continue;
    for (const word of m[1]!.trim().split(/\s+/).filter(Boolean)) servers.push(word.replace(/[#%].*$/, ''));
  }
  return [...new Set(servers)];
}
