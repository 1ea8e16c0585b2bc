// The running network as iproute2 reports it (`ip -j -4 addr`, `ip -j -4 route`), and what is missing from
// it compared with what os.conf asked for.
import type { NetworkExpectation, NicExpectation } from './actions.js';

export interface LiveNetwork {
  addresses: NicExpectation[];
  routes: string[];
}

interface IpAddrJson {
  ifname?: string;
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number; scope?: string }>;
}
interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
}

export function parseLiveNetwork(addrJson: string, routeJson: string): LiveNetwork {
  const addrs = JSON.parse(addrJson || '[]') as IpAddrJson[];
  const routes = JSON.parse(routeJson || '[]') as IpRouteJson[];
  return {
    addresses: addrs.flatMap((a) =>
      (a.addr_info ?? []).filter((i) => i.family === 'inet' && i.local).map((i) => ({ name: a.ifname ?? '', cidr: `${i.local}/${i.prefixlen}` })),
    ),
    routes: routes.filter((r) => r.gateway && r.dev).map((r) => `${r.dst === 'default' ? '0.0.0.0/0' : r.dst} via ${r.gateway} dev ${r.dev}`),
  };
}

/** Human-readable items of the expectation the live network lacks; empty when everything is there. */
export function missingFromLive(expected: NetworkExpectation, live: LiveNetwork): string[] {
  const missing: string[] = [];
  for (const a of expected.addresses) {
    if (!live.addresses.some((l) => l.name === a.name && l.cidr === a.cidr)) missing.push(`address ${a.cidr} on ${a.name}`);
  }
  for (const r of expected.routes) if (!live.routes.includes(r)) missing.push(`route ${r}`);
  return missing;
}
