// Files of `nameserver` lines: /etc/resolv.conf where nobody else writes it, and resolvconf's base file
// (render/dns-owner.ts decides which). Our nameserver lines replace the old ones where they stood; search,
// domain, options and sortlist lines and comments are kept. resolv.conf(5), resolvconf(8).
import type { PlannedFile } from './file.js';

export const RESOLV_CONF = '/etc/resolv.conf';

export function renderResolvConf(nameservers: string[], existing: string | null, path = RESOLV_CONF): PlannedFile {
  const lines = (existing ?? '').replace(/\n$/, '').split('\n').filter((l, i, all) => !(all.length === 1 && l === ''));
  const ours = nameservers.map((ns) => `nameserver ${ns}`);
  const first = lines.findIndex((l) => /^\s*nameserver\s/.test(l));
  const kept = lines.filter((l) => !/^\s*nameserver\s/.test(l));
  if (first === -1) kept.push(...ours);
  else kept.splice(first, 0, ...ours);
  return { path, mode: 0o644, content: `${kept.join('\n')}\n` };
}

/** The `nameserver` addresses of a resolv.conf-format text, in order (resolv.conf(5)). */
export function nameserversOf(text: string): string[] {
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
}
