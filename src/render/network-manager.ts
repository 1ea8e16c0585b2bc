// NetworkManager keyfiles: one connection per NIC bound to its MAC, manual IPv4, routes, DNS on the NIC that
// carries the default route (never-default on the others). Mode 0600: NetworkManager ignores keyfiles that
// others can read. https://networkmanager.dev/docs/api/latest/nm-settings-keyfile.html
// Facts checked against NetworkManager 1.42 (Debian 12) in test/integration/input-truth.test.ts:
// - a route through a gateway outside the NIC's subnet needs the `onlink=true` route attribute
//   (`routeN_options=`, nm-settings-nmcli(5) "ipv4.routes"); the default `gateway=` may be off-subnet, NM
//   adds a host route to it;
// - an IPv6 name server has no per-connection home without IPv6 addressing: ipv6.dns is refused for
//   method=ignore, disabled and link-local ("this property is not allowed for 'method=link-local'", and NM then
//   activates its own DHCP profile), and ipv4.dns takes IPv4 only. So when os.conf lists one, every server
//   goes, in os.conf's order, to NetworkManager's global DNS (NetworkManager.conf(5), "global-dns-domain"),
//   which NM uses instead of the connections' DNS.
import { createHash } from 'node:crypto';
import type { NetworkFile } from './network-file.js';
import { renderSections } from './format/keyfile.js';
import { withHeader } from './header.js';
import type { NicView } from './nic-view.js';

export const NM_CONNECTIONS_DIR = '/etc/NetworkManager/system-connections';
export const NM_CONF_DIR = '/etc/NetworkManager/conf.d';
/** NetworkManager's global DNS, written only when os.conf lists an IPv6 name server. */
/** NetworkManager's global DNS drop-in (IPv6 servers here; render/dns.ts writes the same file for its table). */
export const NM_GLOBAL_DNS_FILE = `${NM_CONF_DIR}/90-osconf-dns.conf`;

/** A stable UUID (name-based, version 5 layout) per MAC, so re-rendering keeps the connection's identity. */
export function connectionUuid(mac: string): string {
  const h = createHash('sha1').update(`osconf:${mac}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function renderNetworkManager(nics: NicView[]): NetworkFile[] {
  const files = nics.map((nic): NetworkFile => {
    const ipv4: Array<[string, string]> = [
      ['method', 'manual'],
      ['address1', nic.cidr],
    ];
    if (nic.defaultVia) ipv4.push(['gateway', nic.defaultVia]);
    else ipv4.push(['never-default', 'true']);
    nic.routes.forEach((r, i) => {
      ipv4.push([`route${i + 1}`, `${r.to},${r.via}`]);
      if (r.onLink) ipv4.push([`route${i + 1}_options`, 'onlink=true']);
    });
    if (nic.nameservers.length > 0) {
      ipv4.push(['dns', `${nic.nameservers.filter((n) => !n.includes(':')).join(';')};`]);
      ipv4.push(['ignore-auto-dns', 'true']);
    }
    ipv4.push(['may-fail', 'false']);
    const sections = renderSections([
      [
        'connection',
        [
          ['id', `osconf ${nic.id}`],
          ['uuid', connectionUuid(nic.mac)],
          ['type', 'ethernet'],
          ['autoconnect', 'true'],
          // Above the distribution's automatic DHCP profiles (priority 0 or -999).
          ['autoconnect-priority', '100'],
        ],
      ],
      ['ethernet', [['mac-address', nic.mac.toUpperCase()]]],
      ['ipv4', ipv4.filter(([k, v]) => !(k === 'dns' && v === ';'))],
      ['ipv6', [['method', 'ignore']]],
    ]);
    return { path: `${NM_CONNECTIONS_DIR}/osconf-${nic.id}.nmconnection`, mode: 0o600, content: withHeader(sections), nics: [nic.id] };
  });
  const global = renderNmGlobalDns(nics);
  return global ? [...files, global] : files;
}

/**
 * NetworkManager's global DNS with every name server in os.conf's order, when some is IPv6 (see above); null
 * otherwise. Also written for ifcfg files NetworkManager reads: its ifcfg-rh reader skips DNSn for IPv6 when
 * IPV6INIT=no ("Don't bother to read IP, DNS and routes when IPv6 is disabled").
 */
export function renderNmGlobalDns(nics: NicView[]): NetworkFile | null {
  const servers = nics.flatMap((n) => n.nameservers);
  if (!servers.some((s) => s.includes(':'))) return null;
  const body = renderSections([['global-dns-domain-*', [['servers', servers.join(',')]]]]);
  return { path: NM_GLOBAL_DNS_FILE, mode: 0o644, content: withHeader(body), nics: nics.map((n) => n.id) };
}
