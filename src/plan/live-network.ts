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

/**
 * The same from iproute2's text output, for versions whose `-j` is missing or partial (JSON came in 4.14 for
 * addresses and 4.17 for routes: CentOS 7's 4.11, Ubuntu 18.04's 4.15). `addrText`: `ip -o -4 addr show`, one
 * address per line (`2: eth0    inet 10.0.0.5/24 brd ... scope global eth0\ ...`); `routeText`: `ip -4 route
 * show` (`default via GW dev NIC ...`, `DEST via GW dev NIC ...`). Source: ip-address(8), ip-route(8).
 */
export function parseLiveNetworkText(addrText: string, routeText: string): LiveNetwork {
  const addresses: NicExpectation[] = [];
  for (const line of addrText.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+\/\d+)\s/.exec(line);
    // `eth0@if7` names a veth's peer; the NIC is eth0.
    if (m) addresses.push({ name: m[1]!.replace(/@.*$/, ''), cidr: m[2]! });
  }
  const routes: string[] = [];
  for (const line of routeText.split('\n')) {
    const words = line.trim().split(/\s+/);
    const via = words.indexOf('via');
    const dev = words.indexOf('dev');
    if (via < 0 || dev < 0 || !words[via + 1] || !words[dev + 1]) continue;
    const dst = words[0] === 'default' ? '0.0.0.0/0' : words[0]!.includes('/') ? words[0]! : `${words[0]}/32`;
    routes.push(`${dst} via ${words[via + 1]} dev ${words[dev + 1]}`);
  }
  return { addresses, routes };
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
