// systemd-networkd: one .network file per NIC, matched by MAC, static address, routes, DNS.
// https://www.freedesktop.org/software/systemd/man/systemd.network.html
// The 10- prefix sorts before distribution defaults: networkd applies the first file that matches.
// A gateway outside the NIC's subnet gets GatewayOnLink=yes in its [Route] (systemd.network(5): "the kernel
// does not have to check if the gateway is reachable directly by the current machine"); without it networkd
// sets the address and silently never installs the route.
import type { NetworkFile } from './network-file.js';
import { renderSections, type Section } from './format/keyfile.js';
import { withHeader } from './header.js';
import type { NicView } from './nic-view.js';

export const NETWORKD_DIR = '/etc/systemd/network';

function route(to: string, via: string, onLink: boolean): Section {
  return ['Route', [['Destination', to], ['Gateway', via], ...(onLink ? [['GatewayOnLink', 'yes'] as [string, string]] : [])]];
}

export function renderNetworkd(nics: NicView[]): NetworkFile[] {
  return nics.map((nic) => {
    const sections: Section[] = [
      ['Match', [['MACAddress', nic.mac]]],
      [
        'Network',
        [
          ['DHCP', 'no'],
          ...nic.nameservers.map((ns): [string, string] => ['DNS', ns]),
        ],
      ],
      ['Address', [['Address', nic.cidr]]],
      ...nic.routes.map((r) => route(r.to, r.via, r.onLink)),
    ];
    if (nic.defaultVia) sections.push(route('0.0.0.0/0', nic.defaultVia, nic.defaultOnLink));
    return { path: `${NETWORKD_DIR}/10-osconf-${nic.id}.network`, mode: 0o644, content: withHeader(renderSections(sections)), nics: [nic.id] };
  });
}
