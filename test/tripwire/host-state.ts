// The tripwire's pure half: what of this machine the test suite must leave as it found it, normalized from
// raw readings, and the comparison of two snapshots. Its I/O half is main.ts.

/** One file as read: its link target (null when not a link) and its content (null when missing). */
export interface FileReading {
  link: string | null;
  content: string | null;
}

/** Raw readings of the host, as main.ts takes them. */
export interface HostReadings {
  /** uname's node name (os.hostname()). */
  hostName: string;
  /** /proc/sys/kernel/domainname. */
  domainName: string;
  /** /etc/hostname, /etc/hosts, /etc/resolv.conf by path. */
  files: Record<string, FileReading>;
  /** sha256 (hex) of root's line in /etc/shadow, null when there is none. */
  rootShadowDigest: string | null;
  /** `ip -j addr show`, parsed. */
  ipAddr: unknown[];
  /** `ip -j route show table all` and `ip -j -6 route show table all`, parsed and joined. */
  ipRoute: unknown[];
  /** /proc/self/mountinfo, as text. */
  mountinfo: string;
  /** Files an escaped apply or prepare would change for the next boot: path → `sha256:HEX`, `-> TARGET` or `dir`. */
  configFiles: Record<string, string>;
}

/** The comparable state: every field a list of lines or a value. */
export interface HostState {
  hostName: string;
  domainName: string;
  files: Record<string, FileReading>;
  rootShadowDigest: string | null;
  /** `LINK link MAC mtu N up|down`, `LINK inet|inet6 ADDR/PREFIX`, sorted. */
  addresses: string[];
  /** `[table T] [TYPE] DST [via GW] [dev DEV] [proto P] [scope S] [src A] [metric N]`, sorted. */
  routes: string[];
  /** `MOUNTPOINT FSTYPE SOURCE OPTIONS`, sorted; mounts that come and go by design left out. */
  mounts: string[];
  /** `PATH DIGEST` per watched configuration file, sorted. */
  configFiles: string[];
}

interface IpAddrLink {
  ifname?: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number; temporary?: boolean }>;
}

interface IpRouteEntry {
  type?: string;
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  table?: string;
}

/**
 * Mounts that come and go by design, and are never this machine's configuration: `ip netns` keeps each named
 * network namespace as an nsfs mount under /run/netns (and makes /run/netns itself a mount on first use), and
 * binfmt_misc is an automount that appears on first access.
 */
export function isTransientMount(mountPoint: string, fsType: string): boolean {
  return mountPoint === '/run/netns' || mountPoint.startsWith('/run/netns/') || fsType === 'nsfs' || fsType === 'binfmt_misc';
}

/** Unescapes mountinfo's octal escapes (`\040` for a space), as proc(5) describes them. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount lines from /proc/PID/mountinfo (proc(5)): `MOUNTPOINT FSTYPE SOURCE OPTIONS`, transient ones left out. */
export function mountLines(mountinfo: string): string[] {
  const lines: string[] = [];
  for (const line of mountinfo.split('\n')) {
    if (!line.trim()) continue;
    const [before, after] = line.split(' - ');
    const f = (before ?? '').split(' ');
    const g = (after ?? '').split(' ');
    const mountPoint = unescapeMountField(f[4] ?? '');
    const fsType = g[0] ?? '';
    if (isTransientMount(mountPoint, fsType)) continue;
    lines.push(`${mountPoint} ${fsType} ${unescapeMountField(g[1] ?? '')} ${f[5] ?? ''}`);
  }
  return lines.sort();
}

/**
 * Link and address lines from `ip -j addr`. Left out, as they change by themselves: carrier and operational
 * state, address lifetimes, and IPv6 temporary (privacy) addresses, which the kernel rotates (RFC 8981).
 */
export function addressLines(ipAddr: unknown[]): string[] {
  const lines: string[] = [];
  for (const link of ipAddr as IpAddrLink[]) {
    const name = link.ifname ?? '?';
    const up = (link.flags ?? []).includes('UP') ? 'up' : 'down';
    lines.push(`${name} link ${link.address ?? '-'} mtu ${link.mtu ?? '-'} ${up}`);
    for (const a of link.addr_info ?? []) {
      if (a.temporary) continue;
      lines.push(`${name} ${a.family ?? '?'} ${a.local ?? '?'}/${a.prefixlen ?? '?'}`);
    }
  }
  return lines.sort();
}

/** Route lines from `ip -j route` (every table, both families); expiry times and link flags left out. */
export function routeLines(ipRoute: unknown[]): string[] {
  return (ipRoute as IpRouteEntry[])
    .map((r) =>
      [
        r.table && r.table !== 'main' ? `table ${r.table}` : '',
        r.type && r.type !== 'unicast' ? r.type : '',
        r.dst ?? '?',
        r.gateway ? `via ${r.gateway}` : '',
        r.dev ? `dev ${r.dev}` : '',
        r.protocol ? `proto ${r.protocol}` : '',
        r.scope ? `scope ${r.scope}` : '',
        r.prefsrc ? `src ${r.prefsrc}` : '',
        r.metric !== undefined ? `metric ${r.metric}` : '',
      ]
        .filter(Boolean)
        .join(' '),
    )
    .sort();
}

/** The comparable state of raw readings. */
export function hostState(r: HostReadings): HostState {
  return {
    hostName: r.hostName,
    domainName: r.domainName,
    files: r.files,
    rootShadowDigest: r.rootShadowDigest,
    addresses: addressLines(r.ipAddr),
    routes: routeLines(r.ipRoute),
    mounts: mountLines(r.mountinfo),
    configFiles: Object.entries(r.configFiles ?? {})
      .map(([path, digest]) => `${path} ${digest}`)
      .sort(),
  };
}

/** Lines only in `before` (`-`) and only in `after` (`+`), counted as multisets (a mount can stand twice). */
function lineDiff(before: string[], after: string[]): string[] {
  const surplus = (from: string[], minus: string[]) => {
    const left = new Map<string, number>();
    for (const l of minus) left.set(l, (left.get(l) ?? 0) + 1);
    return from.filter((l) => {
      const n = left.get(l) ?? 0;
      if (n > 0) left.set(l, n - 1);
      return n === 0;
    });
  };
  return [...surplus(before, after).map((l) => `- ${l}`), ...surplus(after, before).map((l) => `+ ${l}`)];
}

const show = (s: string | null) => (s === null ? '(none)' : JSON.stringify(s));

/**
 * Every difference between two snapshots, one message each, naming what changed: `running host name:
 * "vm" -> "iZ23r29djmjZ"`. Contents of root's shadow entry are never shown, only that it changed. Empty when
 * nothing changed.
 */
export function compareHostStates(before: HostState, after: HostState): string[] {
  const out: string[] = [];
  if (before.hostName !== after.hostName) out.push(`running host name: ${show(before.hostName)} -> ${show(after.hostName)}`);
  if (before.domainName !== after.domainName) out.push(`running NIS domain name: ${show(before.domainName)} -> ${show(after.domainName)}`);
  for (const path of [...new Set([...Object.keys(before.files), ...Object.keys(after.files)])].sort()) {
    const b = before.files[path] ?? { link: null, content: null };
    const a = after.files[path] ?? { link: null, content: null };
    if (b.link !== a.link) out.push(`${path}: link target ${show(b.link)} -> ${show(a.link)}`);
    if (b.content !== a.content) {
      if (b.content === null || a.content === null) out.push(`${path}: ${b.content === null ? 'appeared' : 'removed'}`);
      else out.push(`${path}: content changed\n${lineDiff(b.content.split('\n'), a.content.split('\n')).map((l) => `    ${l}`).join('\n')}`);
    }
  }
  if (before.rootShadowDigest !== after.rootShadowDigest) out.push("root's /etc/shadow entry changed (its content is not shown)");
  for (const [label, b, a] of [
    ['addresses of the host network namespace', before.addresses, after.addresses],
    ['routes of the host network namespace', before.routes, after.routes],
    ['mount table of the host mount namespace', before.mounts, after.mounts],
    ['network, cloud-init, SSH host key and osconf files (next boot)', before.configFiles, after.configFiles],
  ] as const) {
    const d = lineDiff(b, a);
    if (d.length) out.push(`${label} changed\n${d.map((l) => `    ${l}`).join('\n')}`);
  }
  return out;
}

/** What a snapshot covers, for the "host unchanged" line. */
export function describeCoverage(s: HostState): string {
  const links = s.addresses.filter((l) => / link /.test(l)).length;
  return [
    'running host name',
    'NIS domain name',
    ...Object.keys(s.files)
      .sort()
      .map((p) => `${p} (content and link target)`),
    "root's /etc/shadow entry (digest)",
    `${links} links with ${s.addresses.length - links} addresses`,
    `${s.routes.length} routes`,
    `${s.mounts.length} mounts`,
    `${s.configFiles.length} network, cloud-init, SSH host key and osconf files`,
  ].join(', ');
}
