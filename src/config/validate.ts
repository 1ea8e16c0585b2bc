// Turns parsed entries into the typed InstanceConfig, checking every key and collecting every problem at once.
// Each problem names its line and key; errors make their concern invalid so apply can refuse just that part.
import {
  broadcastOf,
  cidr4,
  hostIpv4,
  nameserver,
  netmaskToPrefix,
  networkOf,
  prefixToNetmask,
} from './address.js';
import { checkHostname, HOST_NAME_MAX, staticHostname } from './hostname.js';
import type { Concern, ConfigIssue, DefaultRoute, InstanceConfig, Interface, Issue, ReadResult, Route } from './model.js';
import { CONCERNS } from './model.js';
import { parseOsConf, type Entry, type ParseResult } from './parse.js';
import { keyInfo, REQUIRED_NIC_FIELDS, type NicField } from './schema.js';
import { Secret, redactSecrets, secretsIn } from './secret.js';

/**
 * Reads os.conf bytes into a model plus issues. Never throws. No message holds the password or its Base64,
 * whatever line they sit on (config/secret.ts finds them by value).
 */
export function readOsConf(input: Uint8Array | string, fileSize?: number): ReadResult {
  const secrets = secretsIn(input);
  const result = validate(parseOsConf(input, fileSize, (text) => redactSecrets(text, secrets)));
  const all = result.config.password ? [result.config.password.reveal(), ...secrets].sort((a, b) => b.length - a.length) : secrets;
  const clean = <T extends ConfigIssue>(issue: T): T => ({ ...issue, message: redactSecrets(issue.message, all) });
  return { ...result, warnings: result.warnings.map(clean), errors: result.errors.map(clean) };
}

class Collector {
  readonly warnings: ConfigIssue[] = [];
  readonly errors: ConfigIssue[] = [];
  error(entry: { line: number | null; key: string | null }, message: string, concerns: Concern[]): void {
    this.errors.push({ line: entry.line, key: entry.key, message, concerns });
  }
  warn(entry: { line: number | null; key: string | null }, message: string, concerns: Concern[]): void {
    this.warnings.push({ line: entry.line, key: entry.key, message, concerns });
  }
}

function concernsOfParseIssue(issue: Issue): Concern[] {
  const info = issue.key ? keyInfo(issue.key) : null;
  // A line that cannot be read and belongs to no known key makes the whole file untrustworthy.
  return info ? [info.concern] : [...CONCERNS];
}

export function validate(parsed: ParseResult): ReadResult {
  const out = new Collector();
  for (const w of parsed.warnings) out.warn(w, w.message, concernsOfParseIssue(w));
  for (const e of parsed.errors) out.error(e, e.message, concernsOfParseIssue(e));

  const nicEntries = new Map<number, Map<NicField, Entry>>();
  let hostnameEntry: Entry | undefined;
  let passwordEntry: Entry | undefined;
  let dnsEntry: Entry | undefined;
  for (const entry of parsed.entries.values()) {
    const info = keyInfo(entry.key);
    if (!info) {
      out.warn(entry, 'is not an os.conf key; ignored', []);
      continue;
    }
    if (info.kind === 'hostname') hostnameEntry = entry;
    else if (info.kind === 'password') passwordEntry = entry;
    else if (info.kind === 'dns_nameserver') dnsEntry = entry;
    else if (info.kind === 'nic') {
      const fields = nicEntries.get(info.index) ?? new Map<NicField, Entry>();
      fields.set(info.field, entry);
      nicEntries.set(info.index, fields);
    }
  }
  // Parse errors on a NIC key also mean the classic/VPC decision must see that key.
  const nicIndexesWithErrors = new Set(
    parsed.errors.flatMap((e) => {
      const info = e.key ? keyInfo(e.key) : null;
      return info?.kind === 'nic' ? [info.index] : [];
    }),
  );

  const network = nicEntries.has(1) || nicIndexesWithErrors.has(1) ? 'classic' : 'vpc';
  const hostname = hostnameEntry ? validateHostname(hostnameEntry, out) : null;
  const password = passwordEntry ? validatePassword(passwordEntry, out) : null;
  const nameservers = dnsEntry ? validateNameservers(dnsEntry, out) : [];

  const interfaces: Interface[] = [];
  for (const index of [...nicEntries.keys()].sort((a, b) => a - b)) {
    const nic = validateNic(`eth${index}`, nicEntries.get(index)!, out);
    if (nic) interfaces.push(nic);
  }
  const nicsValid = !out.errors.some((e) => e.concerns.includes('network'));
  if (nicsValid) checkAcrossNics(interfaces, nicEntries, out);
  const primaryIndex = network === 'classic' ? 1 : 0;
  const defaultRoute = nicsValid ? chooseDefaultRoute(interfaces, primaryIndex, nicEntries, out) : null;

  const config: InstanceConfig = { network, hostname, password, nameservers, interfaces, defaultRoute };
  const valid = Object.fromEntries(
    CONCERNS.map((c) => [c, !out.errors.some((e) => e.concerns.includes(c))]),
  ) as Record<Concern, boolean>;
  return { config, warnings: byLine(out.warnings), errors: byLine(out.errors), valid };
}

/** File-level issues first, then by line; stable within a line. */
function byLine(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function validateHostname(entry: Entry, out: Collector): string | null {
  const checked = checkHostname(entry.value);
  if (!checked.ok) {
    out.error(entry, checked.message, ['hostname']);
    return null;
  }
  const name = checked.value;
  const kept = staticHostname(name);
  if (kept !== name) {
    out.warn(
      entry,
      `is ${name.length} characters, over the kernel's ${HOST_NAME_MAX}: the running and static host name is its first label ${JSON.stringify(kept)}; /etc/hosts maps both`,
      ['hostname'],
    );
  }
  return name;
}

// Four-character groups, each complete or padded: GNU `base64 -d` also reads padded groups one after another.
const BASE64_GROUPS = /^(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)*$/;
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * The bytes `base64 -d` (GNU coreutils) gives for `text`, or null where it reports invalid input: line breaks
 * are ignored wherever they are (a value wrapped over lines inside quotes), any other blank is invalid, and
 * every group of four must be complete or padded.
 */
export function base64Decode(text: string): Buffer | null {
  const joined = text.replace(/\n/g, '');
  if (!BASE64_GROUPS.test(joined)) return null;
  const groups = joined.match(/.{4}/g) ?? [];
  return Buffer.concat(groups.map((g) => Buffer.from(g, 'base64')));
}

// Messages here never contain the value or any part of it.
function validatePassword(entry: Entry, out: Collector): Secret | null {
  const fail = (message: string): null => {
    out.error(entry, message, ['password']);
    return null;
  };
  if (entry.value.replace(/\n/g, '') === '') return fail('is empty');
  const bytes = base64Decode(entry.value);
  if (bytes === null) return fail('is not valid Base64 (the platform writes the root password Base64-encoded)');
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('does not decode to UTF-8 text');
  }
  // The platform encodes with `echo`, and its sample reads the value through $(...), which drops trailing newlines.
  const password = decoded.replace(/\n+$/, '');
  if (password === '') return fail('decodes to an empty password');
  const control = CONTROL.exec(password);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const why = control[0] === '\n' ? '; an embedded newline would inject another chpasswd line' : '';
    return fail(`decodes to text containing a control character (U+${code})${why}`);
  }
  const length = [...password].length;
  if (length < 8 || length > 30) {
    out.warn(entry, `decodes to ${length} characters; the platform requires 8 to 30`, ['password']);
  }
  return new Secret(password);
}

function validateNameservers(entry: Entry, out: Collector): string[] {
  const tokens = entry.value.split(/[\s,]+/).filter((t) => t !== '');
  if (tokens.length === 0) {
    out.warn(entry, 'is empty; no name servers are set', ['dns']);
    return [];
  }
  const servers: string[] = [];
  for (const token of tokens) {
    const checked = nameserver(token);
    if (!checked.ok) {
      out.error(entry, checked.message, ['dns']);
      continue;
    }
    if (servers.includes(checked.value.address)) {
      out.warn(entry, `lists ${checked.value.address} twice; kept once`, ['dns']);
      continue;
    }
    servers.push(checked.value.address);
  }
  if (servers.length > 3) {
    out.warn(entry, `lists ${servers.length} servers; the glibc resolver uses only the first 3`, ['dns']);
  }
  return servers;
}

function validateNic(name: string, fields: Map<NicField, Entry>, out: Collector): Interface | null {
  const first = [...fields.values()].sort((a, b) => a.line - b.line)[0]!;
  let complete = true;
  for (const field of REQUIRED_NIC_FIELDS) {
    if (!fields.has(field)) {
      complete = false;
      const present = [...fields.keys()].map((f) => `${name}_${f}`).join(', ');
      out.error(
        { line: first.line, key: `${name}_${field}` },
        `is missing: ${name} has ${present} but a NIC needs ip_addr, mac_addr and netmask`,
        ['network'],
      );
    }
  }
  const errorsBefore = out.errors.length;
  const check = <T>(entry: Entry | undefined, fn: (v: string) => { ok: true; value: T } | { ok: false; message: string }): T | null => {
    if (!entry) return null;
    const r = fn(entry.value);
    if (r.ok) return r.value;
    out.error(entry, r.message, ['network']);
    return null;
  };
  const address = check(fields.get('ip_addr'), hostIpv4);
  const mac = check(fields.get('mac_addr'), macAddress);
  const prefix = check(fields.get('netmask'), netmaskToPrefix);
  // hostIpv4: the kernel refuses 0.0.0.0, loopback, multicast and broadcast next hops.
  const gateway = check(fields.get('gateway'), hostIpv4);
  const routeEntry = fields.get('route');
  const routes = routeEntry ? parseRoutes(routeEntry, out) : [];

  if (address && prefix !== null && prefix <= 30) {
    const ipEntry = fields.get('ip_addr')!;
    if (address === networkOf(address, prefix)) out.error(ipEntry, `${address} is the network address of its /${prefix} subnet`, ['network']);
    else if (address === broadcastOf(address, prefix)) out.error(ipEntry, `${address} is the broadcast address of its /${prefix} subnet`, ['network']);
  }
  if (address && prefix !== null && gateway) {
    const gwEntry = fields.get('gateway')!;
    // A gateway outside the subnet (a /32 address, say) is valid: every renderer declares it on-link.
    if (gateway === address) out.error(gwEntry, `${gateway} is the NIC's own address`, ['network']);
  }
  if (!complete || out.errors.length !== errorsBefore || !address || !mac || prefix === null) return null;
  return { name, mac, address, prefix, netmask: prefixToNetmask(prefix), gateway, routes: routes ?? [] };
}

const MAC = /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/;

function macAddress(text: string): { ok: true; value: string } | { ok: false; message: string } {
  if (!MAC.test(text)) return { ok: false, message: `${JSON.stringify(text)} is not a MAC address (six hex pairs separated by ':')` };
  const mac = text.toLowerCase().replace(/-/g, ':');
  if (mac === '00:00:00:00:00:00') return { ok: false, message: `${mac} is the all-zero MAC address` };
  if (parseInt(mac.slice(0, 2), 16) & 1) return { ok: false, message: `${mac} is a multicast MAC address, not a NIC's` };
  return { ok: true, value: mac };
}

/** `"CIDR GW;CIDR GW"`, extra blanks and a trailing `;` tolerated. */
function parseRoutes(entry: Entry, out: Collector): Route[] | null {
  const routes: Route[] = [];
  // Each destination's route, so that a duplicate is found without scanning the list (linear in routes).
  const byDest = new Map<string, Route>();
  let failed = false;
  const items = entry.value.split(';').map((s) => s.trim());
  items.forEach((item, i) => {
    if (item === '') {
      if (i !== items.length - 1 && items.length > 1) out.warn(entry, `has an empty route between ';' separators`, ['network']);
      return;
    }
    const parts = item.split(/\s+/);
    if (parts.length !== 2) {
      out.error(entry, `route ${JSON.stringify(item)} is not "CIDR GATEWAY"`, ['network']);
      failed = true;
      return;
    }
    const to = cidr4(parts[0]!);
    const via = hostIpv4(parts[1]!);
    if (!to.ok) out.error(entry, `route ${JSON.stringify(item)}: ${to.message}`, ['network']);
    if (!via.ok) out.error(entry, `route ${JSON.stringify(item)}: gateway ${via.message}`, ['network']);
    if (!to.ok || !via.ok) {
      failed = true;
      return;
    }
    const dest = `${to.value.network}/${to.value.prefix}`;
    const same = byDest.get(dest);
    if (same && same.via === via.value) {
      out.warn(entry, `lists route ${dest} via ${via.value} twice; kept once`, ['network']);
      return;
    }
    if (same) {
      out.error(entry, `lists ${dest} twice with different gateways (${same.via}, ${via.value})`, ['network']);
      failed = true;
      return;
    }
    const route = { to: dest, via: via.value };
    routes.push(route);
    byDest.set(dest, route);
  });
  return failed ? null : routes;
}

/**
 * Checks between NICs: shared MACs and addresses, and next hops that are a local or a broadcast address.
 * Linear in NICs plus next hops: each NIC's MAC, address and broadcast address are indexed once (the
 * broadcast computed once per NIC), where a scan of every NIC per next hop was quadratic (issue 21).
 */
function checkAcrossNics(interfaces: Interface[], entries: Map<number, Map<NicField, Entry>>, out: Collector): void {
  const entryOf = (nic: Interface, field: NicField): Entry => entries.get(Number(nic.name.slice(3)))!.get(field)!;
  // NICs by MAC and by address, in os.conf order, so each NIC is compared with every earlier one that shares it.
  const byMac = new Map<string, Interface[]>();
  const byAddress = new Map<string, Interface[]>();
  const push = (map: Map<string, Interface[]>, key: string, nic: Interface): void => {
    const list = map.get(key);
    if (list) list.push(nic);
    else map.set(key, [nic]);
  };
  for (const nic of interfaces) {
    for (const other of byMac.get(nic.mac) ?? []) out.error(entryOf(nic, 'mac_addr'), `${nic.mac} is also ${other.name}'s MAC address`, ['network']);
    for (const other of byAddress.get(nic.address) ?? []) out.error(entryOf(nic, 'ip_addr'), `${nic.address} is also ${other.name}'s address`, ['network']);
    push(byMac, nic.mac, nic);
    push(byAddress, nic.address, nic);
    // Next hops outside the NIC's subnet are valid: every renderer declares them on-link (render/nic-view.ts).
    for (const route of nic.routes) {
      if (route.via === nic.address) out.error(entryOf(nic, 'route'), `route ${route.to}: gateway ${route.via} is ${nic.name}'s own address`, ['network']);
    }
  }
  // The first NIC (in os.conf order) whose subnet has each broadcast address; /31 and /32 have none.
  const byBroadcast = new Map<string, Interface>();
  for (const n of interfaces) {
    if (n.prefix > 30) continue;
    const broadcast = broadcastOf(n.address, n.prefix);
    if (!byBroadcast.has(broadcast)) byBroadcast.set(broadcast, n);
  }
  // The kernel refuses a next hop that is a local or broadcast address ("Nexthop has invalid gateway",
  // fib_check_nh() in net/ipv4/fib_semantics.c: the gateway must be a unicast address), on-link or not, so no
  // stack can install such a route.
  for (const nic of interfaces) {
    const hops: Array<[Entry, string, string]> = [
      ...(nic.gateway ? [[entryOf(nic, 'gateway'), nic.gateway, ''] as [Entry, string, string]] : []),
      ...nic.routes.map((r) => [entryOf(nic, 'route'), r.via, `route ${r.to}: gateway `] as [Entry, string, string]),
    ];
    for (const [entry, via, what] of hops) {
      const owner = (byAddress.get(via) ?? []).find((n) => n !== nic);
      if (owner) {
        out.error(entry, `${what}${via} is ${owner.name}'s address; the kernel refuses a local address as a next hop`, ['network']);
        continue;
      }
      const subnet = byBroadcast.get(via);
      if (subnet) out.error(entry, `${what}${via} is the broadcast address of ${subnet.name}'s /${subnet.prefix} subnet; the kernel refuses it as a next hop`, ['network']);
    }
  }
}

function chooseDefaultRoute(
  interfaces: Interface[],
  primaryIndex: number,
  entries: Map<number, Map<NicField, Entry>>,
  out: Collector,
): DefaultRoute | null {
  if (interfaces.length === 0) return null;
  const primaryName = `eth${primaryIndex}`;
  const primary = interfaces.find((n) => n.name === primaryName);
  for (const nic of interfaces) {
    if (nic === primary) continue;
    if (nic.routes.some((r) => r.to === '0.0.0.0/0')) {
      out.warn(
        entries.get(Number(nic.name.slice(3)))!.get('route')!,
        `lists a default route 0.0.0.0/0 on ${nic.name}, but the default route belongs to ${primaryName}; it is not installed`,
        ['network'],
      );
    }
  }
  if (!primary) {
    const first = interfaces[0]!;
    out.error(
      { line: entries.get(Number(first.name.slice(3)))!.get('ip_addr')!.line, key: `${primaryName}_ip_addr` },
      `is missing: the default route belongs to ${primaryName} on this ${primaryIndex === 1 ? 'classic' : 'VPC'} network, which has no ${primaryName}`,
      ['network'],
    );
    return null;
  }
  const listed = primary.routes.find((r) => r.to === '0.0.0.0/0');
  if (listed) return { interface: primary.name, via: listed.via };
  if (primary.gateway) return { interface: primary.name, via: primary.gateway };
  out.error(
    { line: entries.get(primaryIndex)!.get('ip_addr')!.line, key: `${primaryName}_gateway` },
    `is missing: ${primaryName} carries the default route but has neither a gateway nor a 0.0.0.0/0 route`,
    ['network'],
  );
  return null;
}
