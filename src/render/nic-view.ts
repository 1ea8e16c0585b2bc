// What every network renderer needs per NIC, derived once from the model: the running name, the address in
// each notation, the static routes, whether this NIC carries the default route and the name servers, and which
// next hops lie outside the NIC's subnet (so every stack must declare them on-link).
import { inSubnet } from '../config/address.js';
import type { InstanceConfig, Route } from '../config/model.js';
import { staticRoutes } from '../config/model.js';

/**
 * A route whose gateway may lie outside the NIC's subnet (a /32 address, a gateway the platform puts
 * elsewhere). The kernel refuses such a next hop ("Nexthop has invalid gateway") unless the route says
 * `onlink` (ip-route(8): "pretend that the nexthop is directly attached to this link").
 */
export interface NicRoute extends Route {
  onLink: boolean;
}

export interface NicView {
  /** The name os.conf uses (eth0). */
  id: string;
  /** The name the running system gives the NIC with this MAC (offline: the os.conf name). */
  name: string;
  mac: string;
  address: string;
  prefix: number;
  netmask: string;
  cidr: string;
  routes: NicRoute[];
  /** The default route's gateway when this NIC carries it. */
  defaultVia: string | null;
  /** The default route's gateway is outside this NIC's subnet. */
  defaultOnLink: boolean;
  /** Name servers, on the NIC that carries the default route. */
  nameservers: string[];
}

export type NameMap = ReadonlyMap<string, string>;

export function nicViews(config: InstanceConfig, names: NameMap = new Map()): NicView[] {
  return config.interfaces.map((nic) => {
    const primary = config.defaultRoute?.interface === nic.name;
    const offLink = (via: string): boolean => !inSubnet(via, nic.address, nic.prefix);
    return {
      id: nic.name,
      name: names.get(nic.name) ?? nic.name,
      mac: nic.mac,
      address: nic.address,
      prefix: nic.prefix,
      netmask: nic.netmask,
      cidr: `${nic.address}/${nic.prefix}`,
      routes: staticRoutes(nic).map((r) => ({ ...r, onLink: offLink(r.via) })),
      defaultVia: primary ? config.defaultRoute!.via : null,
      defaultOnLink: primary ? offLink(config.defaultRoute!.via) : false,
      nameservers: primary ? config.nameservers : [],
    };
  });
}
