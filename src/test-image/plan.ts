// `osconf test-image`, the pure part: the os.conf a test boot gets (generated, or the user's), the qemu
// user-mode network each NIC gets (its subnet IS the os.conf NIC's subnet, so the guest's own settings are
// reachable), qemu's argv, and what was observed on each boot turned into report items (check's shape).
// No I/O here: randomness comes in as bytes, observations come in as text (src/test-image/boot.ts gathers them).
import type { CheckItem, CheckResult } from '../check/items.js';
import type { InstanceConfig, Interface } from '../config/model.js';
import { staticRoutes } from '../config/model.js';
import { UsageError } from '../errors.js';

export type NetworkChoice = 'classic' | 'vpc';

const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const fromInt = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const base64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** A password the platform would accept: upper, lower and digits from `bytes` (at least 12), 16 characters. */
export function randomPassword(bytes: Uint8Array): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789'];
  const all = sets.join('');
  const chars = [...bytes.subarray(0, 13)].map((b) => all[b % all.length]!);
  // One of each class, whatever the bytes gave.
  return `${sets[0]![bytes[13]! % 24]}${sets[1]![bytes[14]! % 25]}${sets[2]![bytes[15]! % 8]}${chars.join('')}`;
}

/** osconf-test-XXXXXX: six lower-case letters and digits from `bytes` (RFC 1123 label). */
export function randomHostname(bytes: Uint8Array): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `osconf-test-${[...bytes.subarray(0, 6)].map((b) => chars[b % chars.length]).join('')}`;
}

/** The os.conf text of `nics` (the platform's keys: hostname, password Base64, ethN_*, dns_nameserver). */
export function osConfText(o: { hostname: string; password: string; nameservers: string[]; nics: Array<Pick<Interface, 'name' | 'mac' | 'address' | 'netmask' | 'gateway' | 'routes'>> }): string {
  const lines = [`hostname=${o.hostname}`, `password=${base64(o.password)}`];
  for (const n of o.nics) {
    lines.push(`${n.name}_ip_addr=${n.address}`, `${n.name}_mac_addr=${n.mac}`, `${n.name}_netmask=${n.netmask}`);
    if (n.gateway) lines.push(`${n.name}_gateway=${n.gateway}`);
    if (n.routes.length) lines.push(`${n.name}_route="${n.routes.map((r) => `${r.to} ${r.via}`).join(';')}"`);
  }
  lines.push(`dns_nameserver="${o.nameservers.join(' ')}"`);
  return `${lines.join('\n')}\n`;
}

/**
 * A fresh os.conf for a test boot from 64 random bytes: classic has eth0 (intranet, 10.x.y.0/24, routes to
 * 10.0.0.0/8 and 172.16.0.0/12) and eth1 (internet, 192.168.z.0/24, the default route); a VPC eth0 alone
 * (172.16.x.0/24, the default route and 100.64.0.0/10). MACs in Alibaba's OUI 00:16:3e; two name servers.
 * Returns the text and the password (to log in with).
 */
export function generateOsConf(network: NetworkChoice, bytes: Uint8Array): { text: string; password: string } {
  if (bytes.length < 64) throw new Error('generateOsConf needs 64 random bytes');
  const password = randomPassword(bytes.subarray(0, 16));
  const hostname = randomHostname(bytes.subarray(16, 22));
  const mac = (i: number) => `00:16:3e:${[bytes[22]!, bytes[23]!, (bytes[24]! & 0xfe) + i].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const host = (b: number) => 10 + (b % 180);
  const nic = (name: string, i: number, net: string, routes: string[]) => {
    const gateway = `${net}.1`;
    return { name, mac: mac(i), address: `${net}.${host(bytes[30 + i]!)}`, netmask: '255.255.255.0', gateway, routes: routes.map((to) => ({ to, via: gateway })) };
  };
  const nics =
    network === 'classic'
      ? [nic('eth0', 0, `10.${bytes[26]! % 250}.${bytes[27]! % 250}`, ['10.0.0.0/8', '172.16.0.0/12']), nic('eth1', 1, `192.168.${bytes[28]! % 250}`, ['0.0.0.0/0'])]
      : [nic('eth0', 0, `172.16.${bytes[26]! % 250}`, ['0.0.0.0/0', '100.64.0.0/10'])];
  const primary = nics[nics.length - 1]!;
  const nameservers = [fromInt(toInt(primary.gateway) + 2), '100.100.2.136'];
  return { text: osConfText({ hostname, password, nameservers, nics }), password };
}

/** The qemu user-mode network of one NIC: its subnet, qemu's own addresses in it, and the guest's address. */
export interface SlirpNet {
  mac: string;
  name: string;
  network: string;
  prefix: number;
  /** qemu's address (the os.conf gateway when it is in the subnet). */
  host: string;
  dns: string;
  /** The first of the 16 addresses qemu's DHCP server hands out: a leftover DHCP client gets one, never os.conf's. */
  dhcpStart: string;
  /** os.conf's address for this NIC, where the SSH port is forwarded. */
  address: string;
}

/**
 * qemu's user-mode network for each os.conf NIC (qemu(1), "-netdev user": net, host, dns, dhcpstart): the
 * subnet is the NIC's own; host is its gateway (else the first free address), dns and the 16 DHCP addresses are
 * free addresses of the subnet, never os.conf's. `avoid` lists addresses to keep free (the next boot's).
 * @throws UsageError when a subnet has no room for qemu's addresses (smaller than /27).
 */
export function slirpNets(config: InstanceConfig, avoid: string[] = []): SlirpNet[] {
  return config.interfaces.map((n) => {
    if (n.prefix > 27) throw new UsageError(`${n.name}: a /${n.prefix} leaves no room for qemu's gateway, DNS and DHCP addresses in the test network (use /27 or larger)`);
    const size = 2 ** (32 - n.prefix);
    const base = (toInt(n.address) & ~(size - 1)) >>> 0;
    const used = new Set([n.address, ...avoid].map(toInt));
    const gatewayInSubnet = n.gateway !== null && toInt(n.gateway) >= base + 1 && toInt(n.gateway) < base + size - 1 && !used.has(toInt(n.gateway));
    const free = (from: number, step: number): number => {
      for (let a = from; a > base && a < base + size - 1; a += step) if (!used.has(a)) return a;
      throw new UsageError(`${n.name}: no free address left in ${fromInt(base)}/${n.prefix} for the test network`);
    };
    const host = gatewayInSubnet ? toInt(n.gateway!) : free(base + 1, 1);
    used.add(host);
    const dns = free(host + 1 < base + size - 1 ? host + 1 : base + 1, 1);
    used.add(dns);
    // 16 addresses that hold none of os.conf's: from the top of the subnet down.
    let start = base + size - 2 - 15;
    while (start > base && [...used].some((a) => a >= start && a < start + 16)) start -= 16;
    if (start <= base) throw new UsageError(`${n.name}: no room for qemu's 16 DHCP addresses in ${fromInt(base)}/${n.prefix}`);
    return { mac: n.mac, name: n.name, network: fromInt(base), prefix: n.prefix, host: fromInt(host), dns: fromInt(dns), dhcpStart: fromInt(start), address: n.address };
  });
}

/**
 * The second boot's os.conf, as a console change makes it: a new password and host name, and the first NIC on
 * another free address of its subnet (not qemu's, not in its DHCP range). `bytes`: 32 random bytes.
 */
export function changedOsConf(config: InstanceConfig, nets: SlirpNet[], bytes: Uint8Array): { text: string; password: string; hostname: string } {
  const password = randomPassword(bytes.subarray(0, 16));
  const hostname = randomHostname(bytes.subarray(16, 22));
  const first = nets[0]!;
  const taken = new Set([first.address, first.host, first.dns].map(toInt));
  const dhcp = toInt(first.dhcpStart);
  let next = toInt(first.address);
  do next = next + 1 >= dhcp ? toInt(first.network) + 2 : next + 1;
  while (taken.has(next) || (next >= dhcp && next < dhcp + 16));
  const nics = config.interfaces.map((n, i) => (i === 0 ? { ...n, address: fromInt(next) } : n));
  return { text: osConfText({ hostname, password, nameservers: config.nameservers, nics }), password, hostname };
}

export type Accel = 'kvm' | 'tcg';

/**
 * qemu-system-x86_64's argv for one boot: firmware boot (SeaBIOS, no -kernel) of the overlay on virtio, 2
 * CPUs, 1 GiB; the serial console on a unix socket `serialSocket` (server; osconf connects); one restricted
 * user-mode network per NIC with the guest's port 22 at os.conf's address forwarded from 127.0.0.1:`ports[i]`.
 */
export function qemuArgv(o: { overlay: string; accel: Accel; nets: SlirpNet[]; ports: number[]; serialSocket: string }): string[] {
  const argv = ['-accel', o.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi', '-smp', '2', '-m', '1024', '-no-reboot', '-display', 'none', '-monitor', 'none'];
  argv.push('-chardev', `socket,id=console,path=${o.serialSocket},server=on,wait=off`, '-serial', 'chardev:console');
  argv.push('-drive', `file=${o.overlay},if=virtio,format=qcow2`);
  o.nets.forEach((n, i) => {
    argv.push('-netdev', `user,id=n${i},net=${n.network}/${n.prefix},host=${n.host},dns=${n.dns},dhcpstart=${n.dhcpStart},restrict=on,hostfwd=tcp:127.0.0.1:${o.ports[i]}-${n.address}:22`);
    argv.push('-device', `virtio-net-pci,netdev=n${i},mac=${n.mac}`);
  });
  return argv;
}

/** What one boot showed, gathered from outside (src/test-image/boot.ts). Texts are as the commands printed them. */
export interface BootObservation {
  /** 1 or 2. */
  boot: number;
  /** The boot did not reach a login within the time bound. */
  timedOut: boolean;
  /** SSH as root with the password: the host key's blob (Base64) on success; else why. */
  ssh: { ok: true; hostKey: string } | { ok: false; passwordRefused: boolean; reason: string };
  /** A root login on the serial console when SSH gave none: null when not tried. */
  console: { ok: boolean; reason: string } | null;
  /** What the commands printed over the session that worked; null without a login. */
  shell: { hostname: string; ipAddr: string; ipRoute: string; resolv: string; status: string; hostKeys: string } | null;
  /** Partition 1's aliyun_custom_image/ after power-off, read offline; null with `p1Missing` when unreadable. */
  p1Entries: string[] | null;
  p1Missing?: string;
  /** Without any login, what the disk says: check's osconf item, osconf's log tail and state. */
  offline?: { osconfItem: CheckItem | null; log: string; state: string };
}

/** What a boot should show. */
export interface BootExpectation {
  config: InstanceConfig;
  /** Blobs (Base64) of the image's own /etc/ssh/ssh_host_*_key.pub. */
  imageHostKeys: string[];
  /** The first boot's host key, for the second boot. */
  firstHostKey?: string;
}

const item = (name: string, result: CheckResult, description: string, comment = ''): CheckItem => ({
  name,
  result,
  errorCode: result === 'OK' ? '0' : '1',
  description,
  comment,
});

interface IpAddr {
  ifname: string;
  address: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope: string }>;
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text.trim()) as T;
  } catch {
    return null;
  }
}

/** osconf status's JSON (schema 1) reduced to a line: status, detail, verify result and warnings. */
export function statusSummary(text: string): { ok: boolean; line: string } {
  const s = parseJson<{ status?: string; detail?: string; verify?: { result?: string }; concerns?: Array<{ concern: string; result: string; warnings?: string[] }> }>(text);
  if (!s) return { ok: false, line: `osconf status printed no JSON: ${text.trim().slice(0, 200) || '(nothing)'}` };
  const warnings = (s.concerns ?? []).flatMap((c) => (c.warnings ?? []).map((w) => `${c.concern}: ${w}`));
  const parts = [`status ${s.status}`, s.detail ? `(${s.detail})` : '', s.verify?.result ? `verify ${s.verify.result}` : '', warnings.length ? `warnings: ${warnings.join('; ')}` : ''];
  return { ok: s.status === 'done', line: parts.filter(Boolean).join(', ') };
}

/**
 * The report items of one boot (names `bootN_…`): login (SSH, else the serial console, else why from the disk),
 * host name, addresses by MAC, routes, name servers, osconf status, SSH host keys, os.conf removed.
 */
export function bootItems(o: BootObservation, e: BootExpectation): CheckItem[] {
  const p = `boot${o.boot}_`;
  const items: CheckItem[] = [];
  const c = e.config;
  const status = o.shell ? statusSummary(o.shell.status) : null;
  if (o.ssh.ok) items.push(item(`${p}ssh_login`, 'OK', `SSH login as root with the os.conf password at ${c.interfaces[0]?.address}`));
  else if (o.ssh.passwordRefused) {
    items.push(item(`${p}ssh_login`, 'WARNING', `sshd refused root's os.conf password (PermitRootLogin, or the password was not set): ${o.ssh.reason}`, 'the platform sets a root password for logging in: set "PermitRootLogin yes" in /etc/ssh/sshd_config.d/ (Debian\'s default prohibit-password refuses it)'));
  } else {
    items.push(item(`${p}ssh_login`, 'FAILED', `no SSH login at ${c.interfaces.map((n) => n.address).join(', ')} (port 22): ${o.ssh.reason}`, 'an instance from this image is not reachable at its os.conf address; see the items below and the serial log'));
  }
  if (!o.ssh.ok) {
    if (o.console?.ok) items.push(item(`${p}console_login`, 'OK', 'root login on the serial console with the os.conf password'));
    else {
      const why: string[] = [];
      if (o.timedOut) why.push('no login within the time bound');
      if (o.console) why.push(`serial console: ${o.console.reason}`);
      const off = o.offline;
      if (o.p1Entries?.includes('os.conf')) why.push('os.conf is still on partition 1 (osconf did not apply it, or failed)');
      if (off?.osconfItem && off.osconfItem.result !== 'OK') why.push(`${off.osconfItem.description}`);
      if (off?.state) why.push(`osconf's state: ${off.state}`);
      if (off?.log) why.push(`osconf's log ends: ${off.log}`);
      const fix = off?.osconfItem && off.osconfItem.result !== 'OK' ? off.osconfItem.comment : 'read the serial log and osconf status in the image';
      items.push(item(`${p}login`, 'FAILED', `no root login at all: ${why.join('; ') || 'unknown'}`, fix));
      return items;
    }
  }
  const sh = o.shell;
  if (!sh) return items;
  items.push(
    sh.hostname.trim() === c.hostname
      ? item(`${p}hostname`, 'OK', `host name ${c.hostname}`)
      : item(`${p}hostname`, 'FAILED', `host name is ${sh.hostname.trim() || '(empty)'}, os.conf says ${c.hostname}`, status?.line ?? ''),
  );
  const addrs = parseJson<IpAddr[]>(sh.ipAddr) ?? [];
  const wrong: string[] = [];
  for (const n of c.interfaces) {
    const link = addrs.find((a) => a.address.toLowerCase() === n.mac);
    const found = (link?.addr_info ?? []).filter((i) => i.family === 'inet' && i.scope === 'global').map((i) => `${i.local}/${i.prefixlen}`);
    const want = `${n.address}/${n.prefix}`;
    if (!link) wrong.push(`no NIC with MAC ${n.mac}`);
    else if (found.length !== 1 || found[0] !== want) wrong.push(`${link.ifname} (${n.mac}) has ${found.join(', ') || 'no IPv4 address'}, os.conf says ${want}`);
  }
  items.push(
    wrong.length === 0
      ? item(`${p}addresses`, 'OK', c.interfaces.map((n) => `${n.mac} ${n.address}/${n.prefix}`).join(', '))
      : item(`${p}addresses`, 'FAILED', `${wrong.join('; ')}; osconf: ${status?.line ?? 'no status'}`, 'another configuration brought the NIC up (a leftover DHCP configuration of the network stack?): remove it, see osconf status'),
  );
  const routes = (parseJson<IpRoute[]>(sh.ipRoute) ?? []).filter((r) => r.gateway).map((r) => `${r.dst === 'default' ? '0.0.0.0/0' : r.dst} via ${r.gateway}`);
  const wantRoutes = c.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via}`));
  if (c.defaultRoute) wantRoutes.push(`0.0.0.0/0 via ${c.defaultRoute.via}`);
  const missingRoutes = wantRoutes.filter((r) => !routes.includes(r));
  items.push(
    missingRoutes.length === 0
      ? item(`${p}routes`, 'OK', wantRoutes.join(', '))
      : item(`${p}routes`, 'FAILED', `missing ${missingRoutes.join(', ')} (found ${routes.join(', ') || 'none'})`, status?.line ?? ''),
  );
  const missingNs = c.nameservers.filter((ns) => !new RegExp(`(^|[^0-9.])${ns.replace(/\./g, '\\.')}($|[^0-9.])`, 'm').test(sh.resolv));
  items.push(
    missingNs.length === 0
      ? item(`${p}name_servers`, 'OK', c.nameservers.join(', '))
      : item(`${p}name_servers`, 'FAILED', `name servers ${missingNs.join(', ')} not in use (resolv.conf / resolvectl)`, status?.line ?? ''),
  );
  items.push(status!.ok ? item(`${p}osconf_status`, 'OK', status!.line) : item(`${p}osconf_status`, 'FAILED', status!.line, 'osconf status --long in the image says what failed'));
  // The presented key (SSH), else the keys the console shows.
  const presented = o.ssh.ok ? [o.ssh.hostKey] : sh.hostKeys.split('\n').map((l) => l.trim().split(/\s+/)[1]).filter((k): k is string => !!k);
  const reused = presented.filter((k) => e.imageHostKeys.includes(k));
  if (presented.length === 0) items.push(item(`${p}ssh_host_keys`, 'FAILED', 'no SSH host key in the instance', 'osconf makes them at first boot when sshd is installed: is it enabled?'));
  else if (reused.length > 0) items.push(item(`${p}ssh_host_keys`, 'FAILED', "the instance uses the image's own SSH host key", 'remove /etc/ssh/ssh_host_* from the image (osconf prepare does): every instance would share it'));
  else if (e.firstHostKey && !presented.includes(e.firstHostKey)) items.push(item(`${p}ssh_host_keys`, 'FAILED', 'the SSH host key changed since boot 1', 'host keys are made once per instance: something removes them at boot'));
  else items.push(item(`${p}ssh_host_keys`, 'OK', e.firstHostKey ? 'the same host key as boot 1, not the image\'s' : 'fresh host keys, not the image\'s'));
  if (o.p1Entries === null) items.push(item(`${p}os_conf_removed`, 'WARNING', `partition 1 not read after power-off: ${o.p1Missing}`));
  else if (o.p1Entries.includes('os.conf')) items.push(item(`${p}os_conf_removed`, 'FAILED', 'os.conf is still on partition 1 after the boot', `osconf keeps it when something was not applied or not verified: ${status?.line ?? ''}`));
  else items.push(item(`${p}os_conf_removed`, 'OK', `os.conf gone from partition 1 (${o.p1Entries.join(', ') || 'aliyun_custom_image/ empty'})`));
  return items;
}

/** True when any item of the list FAILED. */
export const anyFailed = (items: CheckItem[]): boolean => items.some((i) => i.result === 'FAILED');
