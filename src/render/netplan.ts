// netplan: one YAML file with every NIC matched by MAC (no set-name), static address, routes, name servers.
// https://netplan.readthedocs.io/en/stable/netplan-yaml/ . The 90- prefix sorts after distribution and
// installer files, so our settings win where they overlap. Mode 0600: netplan warns on readable files.
import type { PlannedFile } from './file.js';
import { toYaml } from './format/yaml.js';
import { MANAGED_HEADER } from './header.js';
import type { NicView } from './nic-view.js';

export const NETPLAN_FILE = '/etc/netplan/90-osconf.yaml';

export function renderNetplan(nics: NicView[]): PlannedFile[] {
  if (nics.length === 0) return [];
  const ethernets: Record<string, unknown> = {};
  for (const nic of nics) {
    const routes = nic.routes.map((r) => ({ to: r.to, via: r.via }));
    // 0.0.0.0/0 rather than `default`: netplan before 0.103 (Ubuntu 18.04, 20.04) knows only the former.
    if (nic.defaultVia) routes.push({ to: '0.0.0.0/0', via: nic.defaultVia });
    const eth: Record<string, unknown> = {
      match: { macaddress: nic.mac },
      dhcp4: false,
      addresses: [nic.cidr],
    };
    if (routes.length > 0) eth.routes = routes;
    if (nic.nameservers.length > 0) eth.nameservers = { addresses: [...nic.nameservers] };
    ethernets[nic.id] = eth;
  }
  return [{ path: NETPLAN_FILE, mode: 0o600, content: toYaml({ network: { version: 2, ethernets } }, MANAGED_HEADER) }];
}
