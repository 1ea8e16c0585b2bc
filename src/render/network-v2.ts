// The version 2 (netplan-shaped) network object, built once for both netplan's file (render/netplan.ts) and
// cloud-init's network-config v2 (datasource/network-config-v2.ts), so the two cannot drift apart. NICs are
// keyed by os.conf's name and matched by MAC, with no set-name (renaming into the kernel's ethX namespace
// races the kernel); name servers go on the NIC that carries the default route, as v2 has no global DNS.
// A gateway outside the NIC's subnet gets `on-link: true` on its route (netplan(5): "the route is directly
// connected to the interface"); cloud-init passes v2 to netplan as it is.
import type { NicView } from './nic-view.js';

export interface NetworkV2Options {
  /** Written as `dhcp4:` right after `match:` when given; netplan's file says false, cloud-init's view omits it. */
  dhcp4?: boolean;
}

// A type alias, not an interface, so it is also a Record<string, unknown> for the views.
export type NetworkV2 = {
  version: 2;
  ethernets: Record<string, unknown>;
};

/**
 * `{ version: 2, ethernets: { eth0: { match: { macaddress }, dhcp4?, addresses: [cidr], routes?, nameservers? } } }`,
 * one entry per NIC in os.conf's order. Key order is output order; `routes` (static ones, then the default
 * route) and `nameservers: { addresses }` appear only when non-empty.
 */
export function networkV2(nics: readonly NicView[], options: NetworkV2Options = {}): NetworkV2 {
  const ethernets: Record<string, unknown> = {};
  for (const nic of nics) {
    const route = (to: string, via: string, onLink: boolean): Record<string, unknown> => (onLink ? { to, via, 'on-link': true } : { to, via });
    const routes = nic.routes.map((r) => route(r.to, r.via, r.onLink));
    // 0.0.0.0/0 rather than `default`: netplan before 0.103 (Ubuntu 18.04, 20.04) knows only the former.
    if (nic.defaultVia) routes.push(route('0.0.0.0/0', nic.defaultVia, nic.defaultOnLink));
    const eth: Record<string, unknown> = { match: { macaddress: nic.mac } };
    if (options.dhcp4 !== undefined) eth.dhcp4 = options.dhcp4;
    eth.addresses = [nic.cidr];
    if (routes.length > 0) eth.routes = routes;
    if (nic.nameservers.length > 0) eth.nameservers = { addresses: [...nic.nameservers] };
    ethernets[nic.id] = eth;
  }
  return { version: 2, ethernets };
}
