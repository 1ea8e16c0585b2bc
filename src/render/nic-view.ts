// What every network renderer needs per NIC, derived once from the model: the running name, the address in
// each notation, the static routes, and whether this NIC carries the default route and the name servers.
import type { InstanceConfig, Route } from '../config/model.js';
import { staticRoutes } from '../config/model.js';

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
  routes: Route[];
  /** The default route's gateway when this NIC carries it. */
  defaultVia: string | null;
  /** Name servers, on the NIC that carries the default route. */
  nameservers: string[];
}

export type NameMap = ReadonlyMap<string, string>;

export function nicViews(config: InstanceConfig, names: NameMap = new Map()): NicView[] {
  return config.interfaces.map((nic) => {
    const primary = config.defaultRoute?.interface === nic.name;
    return {
      id: nic.name,
      name: names.get(nic.name) ?? nic.name,
      mac: nic.mac,
      address: nic.address,
      prefix: nic.prefix,
      netmask: nic.netmask,
      cidr: `${nic.address}/${nic.prefix}`,
      routes: staticRoutes(nic),
      defaultVia: primary ? config.defaultRoute!.via : null,
      nameservers: primary ? config.nameservers : [],
    };
  });
}
