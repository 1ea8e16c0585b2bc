// netplan: one YAML file with every NIC matched by MAC (no set-name), static address, routes, name servers.
// https://netplan.readthedocs.io/en/stable/netplan-yaml/ . The 90- prefix sorts after distribution and
// installer files, so our settings win where they overlap. Mode 0600: netplan warns on readable files.
// The NICs are network-v2.ts's object, shared with cloud-init's network-config v2; netplan adds only
// `dhcp4: false`, the `network:` wrapper, the header and the mode.
import type { NetworkFile } from './network-file.js';
import { toYaml } from './format/yaml.js';
import { MANAGED_HEADER } from './header.js';
import { networkV2 } from './network-v2.js';
import type { NicView } from './nic-view.js';

export const NETPLAN_FILE = '/etc/netplan/90-osconf.yaml';

/** `/etc/netplan/90-osconf.yaml` (0600, with the managed header) for these NICs; none when there are none. */
export function renderNetplan(nics: NicView[]): NetworkFile[] {
  if (nics.length === 0) return [];
  return [{ path: NETPLAN_FILE, mode: 0o600, content: toYaml({ network: networkV2(nics, { dhcp4: false }) }, MANAGED_HEADER), nics: nics.map((n) => n.id) }];
}
