// The largest os.conf files that fit in osconf's 64 KiB limit, in three shapes, all valid: as many NICs as fit,
// one NIC with as many routes as fit, and NICs and routes balanced (which maximises NICs x next hops, the pairs
// a quadratic validation would visit). Used by bench/render.mjs.
import { randomBytes } from 'node:crypto';

export const LIMIT = 64 * 1024;
const dotted = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const mac = (i) => `00:16:3e:${[(i >>> 16) & 255, (i >>> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

/** NIC i: 10.x.y.10/24; gateway 10.x.y.1 on eth0 and eth1 (the VPC and the classic primary); routes 172.16.0.0/24 up. */
function nic(i, routes) {
  const base = (10 << 24) + ((i + 1) << 8);
  const lines = [`eth${i}_ip_addr=${dotted(base + 10)}`, `eth${i}_mac_addr=${mac(i + 1)}`, `eth${i}_netmask=255.255.255.0`];
  if (i <= 1) lines.push(`eth${i}_gateway=${dotted(base + 1)}`);
  if (routes > 0) lines.push(`eth${i}_route="${Array.from({ length: routes }, (_, k) => `${dotted((172 << 24) + (16 << 16) + (k << 8))}/24 ${dotted(base + 1)}`).join(';')}"`);
  return lines.join('\n');
}

// A random password per run, as bench/startup makes one: no known secret in the files the benchmark writes.
const password = Buffer.from(`${randomBytes(6).toString('base64').replace(/[+/]/g, 'x')}\n`).toString('base64');
const head = `hostname=bench-host\npassword=${password}\ndns_nameserver="100.100.2.136 100.100.2.138"\n`;

/** The largest file of `nics(n)` NICs each given `routesPer(n)` routes, growing n while it fits. */
function largest(routesPer, maxNics = 1000) {
  let best = head;
  for (let n = 1; n <= maxNics; n++) {
    const text = `${head}${Array.from({ length: n }, (_, i) => nic(i, routesPer(n, i))).join('\n')}\n`;
    if (Buffer.byteLength(text) > LIMIT) break;
    best = text;
  }
  return best;
}

/** One NIC with as many routes as fit. */
function oneNicManyRoutes() {
  let lo = 1;
  let hi = 4000;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (Buffer.byteLength(`${head}${nic(0, mid)}\n`) <= LIMIT) lo = mid;
    else hi = mid;
  }
  return `${head}${nic(0, lo)}\n`;
}

export function bigConfs() {
  return {
    'most NICs': largest(() => 0),
    'most routes (one NIC)': oneNicManyRoutes(),
    'NICs x routes': largest(() => 4),
  };
}
