// NetworkManager keyfiles: one connection per NIC bound to its MAC, manual IPv4, routes, DNS on the NIC that
// carries the default route (never-default on the others). Mode 0600: NetworkManager ignores keyfiles that
// others can read. https://networkmanager.dev/docs/api/latest/nm-settings-keyfile.html
import { createHash } from 'node:crypto';
import type { PlannedFile } from './file.js';
import { renderSections } from './format/keyfile.js';
import { withHeader } from './header.js';
import type { NicView } from './nic-view.js';

export const NM_CONNECTIONS_DIR = '/etc/NetworkManager/system-connections';

/** A stable UUID (name-based, version 5 layout) per MAC, so re-rendering keeps the connection's identity. */
export function connectionUuid(mac: string): string {
  const h = createHash('sha1').update(`osconf:${mac}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function renderNetworkManager(nics: NicView[]): PlannedFile[] {
  return nics.map((nic) => {
    const ipv4: Array<[string, string]> = [
      ['method', 'manual'],
      ['address1', nic.cidr],
    ];
    if (nic.defaultVia) ipv4.push(['gateway', nic.defaultVia]);
    else ipv4.push(['never-default', 'true']);
    nic.routes.forEach((r, i) => ipv4.push([`route${i + 1}`, `${r.to},${r.via}`]));
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
      ['ipv6', ipv6Dns(nic)],
    ]);
    return { path: `${NM_CONNECTIONS_DIR}/osconf-${nic.id}.nmconnection`, mode: 0o600, content: withHeader(sections) };
  });
}

function ipv6Dns(nic: NicView): Array<[string, string]> {
  const v6 = nic.nameservers.filter((n) => n.includes(':'));
  // IPv6 name servers need an [ipv6] section that is not disabled; os.conf gives no IPv6 address.
  return v6.length > 0 ? [['method', 'link-local'], ['dns', `${v6.join(';')};`]] : [['method', 'ignore']];
}
