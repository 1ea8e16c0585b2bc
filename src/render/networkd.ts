// systemd-networkd: one .network file per NIC, matched by MAC, static address, routes, DNS.
// https://www.freedesktop.org/software/systemd/man/systemd.network.html
// The 10- prefix sorts before distribution defaults: networkd applies the first file that matches.
import type { PlannedFile } from './file.js';
import { renderSections, type Section } from './format/keyfile.js';
import { withHeader } from './header.js';
import type { NicView } from './nic-view.js';

export const NETWORKD_DIR = '/etc/systemd/network';

export function renderNetworkd(nics: NicView[]): PlannedFile[] {
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
      ...nic.routes.map((r): Section => ['Route', [['Destination', r.to], ['Gateway', r.via]]]),
    ];
    if (nic.defaultVia) sections.push(['Route', [['Destination', '0.0.0.0/0'], ['Gateway', nic.defaultVia]]]);
    return { path: `${NETWORKD_DIR}/10-osconf-${nic.id}.network`, mode: 0o644, content: withHeader(renderSections(sections)) };
  });
}
