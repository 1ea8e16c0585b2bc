// The one generator of valid os.conf files (fast-check), shared by the in-memory renderer fuzz
// (render-fuzz.test.ts) and the real-tool property test (stacks-property.test.ts). It writes files in the
// platform's shape: 1 to 4 NICs eth0..eth3 (one NIC: VPC, default route on eth0; more: classic, eth1 carries
// the default route), per-NIC routes, IPv4 and IPv6 name servers, host names up to the limits of
// src/config/hostname.ts, a Base64 password (sometimes wrapped over lines inside quotes), plus the edge values
// of issue 15: gateways outside the NIC's subnet (on-link), /31 and /32 netmasks, routes through off-link
// next hops, a default route listed as `0.0.0.0/0` (on the primary NIC, or dropped with a warning elsewhere).
//
// Address plan, so that every case is valid and means one thing: each NIC's subnet, each route's
// destination and the off-link next hops come from distinct first octets, so no two NICs' subnets overlap,
// no route duplicates another NIC's route or a connected subnet, and an off-link next hop is nobody's address.
import fc from 'fast-check';

const int = (a: number, b: number) => fc.integer({ min: a, max: b });
const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
const netmask = (prefix: number): string => dotted(maskOf(prefix));

// First octets for unicast space: not 0, loopback (127), link-local (169.254/16 lives under 169) or class D/E.
const firstOctet = int(1, 223).filter((n) => n !== 127 && n !== 169);

/** A label of 1 to 63 characters (RFC 1123), mostly short. */
const label = fc
  .tuple(fc.constantFrom('a', 'Z', '7'), fc.oneof({ weight: 4, arbitrary: int(0, 10) }, { weight: 1, arbitrary: int(11, 62) }))
  .chain(([first, extra]) =>
    extra === 0
      ? fc.constant(first)
      : fc
          .tuple(fc.stringMatching(new RegExp(`^[a-zA-Z0-9-]{${extra - 1}}$`)), fc.constantFrom('a', 'q', '0', 'Z'))
          .map(([middle, last]) => `${first}${middle}${last}`),
  );

/**
 * A host name osconf accepts (config/hostname.ts): 1 to 5 labels, each up to 63 characters, at most 253 in
 * all, sometimes over the kernel's 64 (the kernel then gets the first label), sometimes with the trailing dot
 * of an absolute name; never all-numeric in its last label, never a loopback name.
 */
export const hostnameArb = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '', '', '.'))
  .map(([labels, dot]) => labels.join('.') + dot)
  .filter((h) => h.replace(/\.$/, '').length <= 253 && !/(^|\.)[0-9]+\.?$/.test(h) && !/(^|\.)localhost(\.localdomain)?\.?$/i.test(h));

const macArb = fc.array(int(0, 255), { minLength: 6, maxLength: 6 }).map((b) => {
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
});

/** How a NIC is addressed: an ordinary subnet, a /31 (its peer is the gateway) or a /32 (every next hop off-link). */
const prefixArb = fc.oneof({ weight: 4, arbitrary: int(16, 30) }, { weight: 1, arbitrary: fc.constant(31) }, { weight: 1, arbitrary: fc.constant(32) });

/** How a next hop is chosen: in the NIC's subnet where there is room, else (or sometimes) off-link. */
type HopKind = 'subnet' | 'off-link';
const hopKind = fc.oneof({ weight: 3, arbitrary: fc.constant<HopKind>('subnet') }, { weight: 1, arbitrary: fc.constant<HopKind>('off-link') });

interface NicPlan {
  prefix: number;
  net: number;
  address: number;
  gateway: number | null;
  routes: Array<{ to: string; via: number }>;
}

const nicSeed = fc.record({
  prefix: prefixArb,
  netBits: fc.nat(),
  hostBits: fc.nat(),
  gwKind: hopKind,
  gwBits: fc.nat(),
  hasGateway: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  defaultRoute: fc.oneof({ weight: 4, arbitrary: fc.constant<'none' | 'gateway' | 'other'>('none') }, { weight: 1, arbitrary: fc.constantFrom<'gateway' | 'other'>('gateway', 'other') }),
  routes: fc.array(fc.record({ prefix: int(8, 32), bits: fc.nat(), hop: fc.constantFrom<HopKind | 'gateway'>('subnet', 'off-link', 'gateway'), hopBits: fc.nat() }), { maxLength: 3 }),
  mac: macArb,
});

const nameserverArb = fc.oneof(
  fc.tuple(firstOctet, fc.nat()).map(([o, n]) => dotted(((o << 24) | (n & 0xfffffe)) + 1)),
  fc.tuple(fc.constantFrom('2001:db8', 'fd00:53', '2400:3200'), int(1, 0xffff)).map(([p, n]) => `${p}::${n.toString(16)}`),
);

/** A plain and a wrapped rendering of a value, as the platform and an editor would write it. */
const quoting = fc.constantFrom((v: string) => v, (v: string) => `"${v}"`, (v: string) => `'${v}'`);
const quotingSpaced = fc.constantFrom((v: string) => `"${v}"`, (v: string) => `'${v}'`);

/** A valid os.conf, as text, with at least 1 and at most 4 NICs. */
export const osConfArb: fc.Arbitrary<string> = fc
  .record({
    hostname: fc.option(hostnameArb, { nil: null, freq: 8 }),
    password: fc.option(
      fc.tuple(fc.stringMatching(/^[!-~]([ -~]{6,28})[!-~]$/), fc.boolean(), fc.boolean()),
      { nil: null, freq: 6 },
    ),
    nicSeeds: fc.array(nicSeed, { minLength: 1, maxLength: 4 }).filter((ns) => new Set(ns.map((n) => n.mac)).size === ns.length),
    // Distinct first octets: 4 subnets, 12 route destinations, 1 for off-link next hops.
    octets: fc.uniqueArray(firstOctet, { minLength: 17, maxLength: 17 }),
    nameservers: fc.uniqueArray(nameserverArb, { maxLength: 3 }),
    q: quoting,
    qs: quotingSpaced,
  })
  .map((c) => {
    const offLinkOctet = c.octets[16]!;
    const offLink = (bits: number): number => ((offLinkOctet << 24) | ((bits % 0xfffffe) + 1)) >>> 0;
    const primary = c.nicSeeds.length > 1 ? 1 : 0;
    const plans: NicPlan[] = c.nicSeeds.map((s, i) => {
      const mask = maskOf(s.prefix);
      const net = ((c.octets[i]! << 24) | (s.netBits & 0xffffff)) & mask;
      const size = 2 ** (32 - s.prefix);
      // Usable hosts: all of a /31 or /32 (RFC 3021), else neither the network nor the broadcast address.
      const host = (bits: number): number => (s.prefix >= 31 ? net + (bits % size) : net + 1 + (bits % (size - 2))) >>> 0;
      const address = host(s.hostBits);
      const hop = (kind: HopKind, bits: number): number => {
        if (kind === 'subnet' && s.prefix < 32) {
          let h = host(bits);
          if (h === address) h = s.prefix === 31 ? (address ^ 1) >>> 0 : host(bits + 1);
          if (h !== address) return h;
        }
        return offLink(bits);
      };
      const gateway = s.hasGateway || i === primary ? hop(s.prefix === 31 ? 'subnet' : s.gwKind, s.gwBits) : null;
      const routes = s.routes.map((r, k) => {
        const to = `${dotted(((c.octets[4 + i * 3 + k]! << 24) | (r.bits & 0xffffff)) & maskOf(r.prefix))}/${r.prefix}`;
        const via = r.hop === 'gateway' && gateway !== null ? gateway : hop(r.hop === 'gateway' ? 'subnet' : r.hop, r.hopBits);
        return { to, via };
      });
      if (s.defaultRoute !== 'none') routes.push({ to: '0.0.0.0/0', via: s.defaultRoute === 'gateway' && gateway !== null ? gateway : hop('off-link', s.gwBits + 7) });
      return { prefix: s.prefix, net, address, gateway, routes };
    });
    const lines: string[] = [];
    if (c.hostname !== null) lines.push(`hostname=${c.q(c.hostname)}`);
    if (c.password !== null) {
      const [plain, wrap, newline] = c.password;
      const b64 = Buffer.from(newline ? `${plain}\n` : plain).toString('base64');
      // A long value wrapped onto a second line inside double quotes: dash reads it as one assignment.
      lines.push(wrap && b64.length > 8 ? `password="${b64.slice(0, 8)}\n${b64.slice(8)}"` : `password=${b64}`);
    }
    plans.forEach((p, i) => {
      lines.push(`eth${i}_ip_addr=${c.q(dotted(p.address))}`, `eth${i}_mac_addr=${c.nicSeeds[i]!.mac}`, `eth${i}_netmask=${c.q(netmask(p.prefix))}`);
      if (p.gateway !== null) lines.push(`eth${i}_gateway=${dotted(p.gateway)}`);
      if (p.routes.length > 0) lines.push(`eth${i}_route=${c.qs(p.routes.map((r) => `${r.to} ${dotted(r.via)}`).join(';'))}`);
    });
    if (c.nameservers.length > 0) lines.push(`dns_nameserver=${c.qs(c.nameservers.join(' '))}`);
    return `${lines.join('\n')}\n`;
  });

/** `password=` values shown as `<redacted>`, for failure messages (the wrapped form included). */
export function redactPassword(text: string): string {
  return text.replace(/^password=("[^"]*"|'[^']*'|\S*)/m, 'password=<redacted>');
}
