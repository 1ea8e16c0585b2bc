// /etc/hosts: one managed line mapping the host name to the instance's address, updated in place; there is
// never a second osconf line. The address is the primary private address (eth0, as Alibaba Cloud's own images
// do), or 127.0.1.1 (Debian's convention) when os.conf configures no NIC.
//
// A loopback line naming the host (Debian's installer writes `127.0.1.1 FQDN SHORT`; others add the name to
// `127.0.0.1 localhost` or `::1`) would answer first: hosts(5) lookups take the first matching line, and
// `getent hosts` asks for IPv6 before IPv4. The Debian Reference (§5.1.1, "The hostname resolution") says a
// system with a permanent IP address uses it there instead of 127.0.1.1. So the new name and the image's old
// one (with any domain: the installer writes `FQDN SHORT`, /etc/hostname keeps SHORT) are dropped from loopback
// lines; a line left with no name is commented out, not deleted, and `localhost` names are never touched. cloud-init's `manage_etc_hosts: localhost` does the opposite (the names on 127.0.1.1),
// which suits instances without a fixed address.
import type { InstanceConfig } from '../config/model.js';
import type { PlannedFile } from './file.js';
import { MANAGED_LINE_MARKER } from './header.js';

export const HOSTS_FILE = '/etc/hosts';

const DEFAULT_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

/** The address the host name maps to (and that `getent hosts NAME` must answer once applied). */
export function hostsAddress(config: InstanceConfig): string {
  return config.interfaces.find((n) => n.name === 'eth0')?.address ?? config.interfaces[0]?.address ?? '127.0.1.1';
}

/** The names of the managed line: the host name and, for a dotted name, its first label. */
export function hostNames(hostname: string): string[] {
  return hostname.includes('.') ? [hostname, hostname.split('.')[0]!] : [hostname];
}

/** 127.0.0.0/8 and ::1 (RFC 1122 3.2.1.3, RFC 4291 2.5.3). */
export function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || /^(0{0,4}:){2,7}0{0,3}1$/.test(address) || address === '::1';
}

/** localhost and its variants (localhost.localdomain, ip6-localhost, localhost6, …): never removed. */
const isLocalhostName = (name: string) => /^(ip6-)?(localhost|loopback)(6)?(\.|$)/i.test(name);

/**
 * /etc/hosts with the managed line for `config.hostname`, and `retired` names (the image's old host name, its
 * first label) dropped from loopback lines along with the new ones. Null when os.conf sets no host name.
 */
export function renderHosts(config: InstanceConfig, existing: string | null, retired: readonly string[] = []): PlannedFile | null {
  if (!config.hostname) return null;
  const address = hostsAddress(config);
  const names = hostNames(config.hostname);
  const managed = `${address}\t${names.join(' ')}\t${MANAGED_LINE_MARKER}`;
  // Host names are case-insensitive (RFC 4343). A name goes when it is one of ours; on a line that names one
  // of ours, so does a longer name whose first label is it (Debian's `127.0.1.1 FQDN SHORT`). Other aliases stay.
  const ours = new Set([...names, ...retired, ...retired.map((n) => n.split('.')[0]!)].map((n) => n.toLowerCase()));
  const drop = (name: string, line: readonly string[]) => {
    if (isLocalhostName(name)) return false;
    const n = name.toLowerCase();
    if (ours.has(n)) return true;
    const label = n.split('.')[0]!;
    return ours.has(label) && line.some((other) => other.toLowerCase() === label);
  };

  const lines = (existing ?? DEFAULT_HOSTS).replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let managedAt = -1;
  // Where the name used to resolve: after the first loopback line given up whole, else the first one edited.
  let afterCommented = -1;
  let afterEdited = -1;
  for (const line of lines) {
    if (line.endsWith(MANAGED_LINE_MARKER)) {
      if (managedAt === -1) managedAt = out.length;
      continue;
    }
    const edited = isLoopback(address) ? line : withoutNames(line, drop);
    if (edited !== line && afterEdited === -1) afterEdited = out.length + 1;
    if (edited !== line && edited.startsWith('# ') && afterCommented === -1) afterCommented = out.length + 1;
    out.push(edited);
  }
  const at = [managedAt, afterCommented, afterEdited].find((i) => i !== -1) ?? out.length;
  out.splice(at, 0, managed);
  return { path: HOSTS_FILE, mode: 0o644, content: `${out.join('\n')}\n` };
}

/** A hosts(5) line without `drop`'s names when its address is loopback; commented out when no name is left. */
function withoutNames(line: string, drop: (name: string, line: readonly string[]) => boolean): string {
  const m = /^(\s*)(\S+)(\s+)([^#]*?)(\s*#.*)?$/.exec(line);
  if (!m || m[2]!.startsWith('#') || !isLoopback(m[2]!)) return line;
  const names = m[4]!.split(/\s+/).filter(Boolean);
  const kept = names.filter((n) => !drop(n, names));
  if (kept.length === names.length) return line;
  if (kept.length === 0) return `# ${line}  # osconf: the host name maps to the instance's address`;
  return `${m[1]}${m[2]}${m[3]}${kept.join(' ')}${m[5] ?? ''}`;
}
