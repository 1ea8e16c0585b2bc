// Reads, through the Host, everything detection and the planner need to know about the target system.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { ReadResult } from '../config/model.js';
import { saltFromBytes } from '../config/password-hash.js';
import { parseDatasourceList, type CloudInitBoot, type Detection, type DetectFacts } from '../distro/detect.js';
import { enabledServices, probeWith, type ProbeAccess } from '../distro/facts.js';
import { OperationalError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { ApplyInput } from '../plan/apply-plan.js';
import { CLOUD_CFG_NETWORK_OFF, CLOUD_CFG_SNIPPET, NOCLOUD_SEED_DIR } from '../plan/handoff-plan.js';
import type { ServiceState } from '../plan/activation.js';
import { nameserverSource, parseResolvectlDns } from '../plan/live-dns.js';
import type { NameserverSource } from '../plan/actions.js';
import { parseLiveNetwork, parseLiveNetworkText, type LiveNetwork } from '../plan/live-network.js';
import type { Stack } from '../distro/profiles.js';
import { log } from '../log.js';
import type { ForeignFile, NicRef } from '../plan/foreign-config.js';
import { resolverOwner, type ResolverFacts } from '../render/dns-owner.js';
import { BACKUP_DIR } from '../render/file.js';
import { DNS_OWNED_FILES, ENI_RESOLVCONF_HOOK, FIXED_STACK_FILES, HOSTNAME_FILES, OWNED_NAMES, STACK_RENDERERS, SYSTEM_FILES } from '../render/index.js';
import { nameserversOf, RESOLV_CONF } from '../render/resolv-conf.js';

/** Files read whole: the system's files renderers edit, and the cloud-init hand-off's. */
const FILES = [
  ...new Set([
    ...SYSTEM_FILES,
    // The originals of the host name files (the image's own name, for /etc/hosts), once osconf replaced them.
    ...HOSTNAME_FILES.map((f) => `${BACKUP_DIR}${f}`),
    CLOUD_CFG_NETWORK_OFF,
    CLOUD_CFG_SNIPPET,
    `${NOCLOUD_SEED_DIR}/meta-data`,
    `${NOCLOUD_SEED_DIR}/user-data`,
    `${NOCLOUD_SEED_DIR}/network-config`,
  ]),
];

/** Follows symbolic links inside the target root (a link's absolute target means the root's, not ours). */
async function resolveInRoot(host: Host, path: string): Promise<string | null> {
  let current = path;
  for (let hops = 0; hops < 8; hops++) {
    const target = await host.readlink(current);
    if (target === null) return current;
    current = posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(current), target));
  }
  return null;
}

/** Detection's reads, through the Host. Unreadable entries count as absent, as they do for detection. */
export function hostProbeAccess(host: Host): ProbeAccess {
  return {
    exists: async (path) => (await host.info(path).catch(() => null)) !== null,
    list: (dir) => host.list(dir).catch(() => []),
    read: async (path) => {
      const real = await resolveInRoot(host, path).catch(() => null);
      return real === null ? null : host.read(real).catch(() => null);
    },
    readlink: (path) => host.readlink(path).catch(() => null),
  };
}

/** The facts distribution detection needs (os-release, stacks present, services enabled), read through the Host. */
export function probeHost(host: Host): Promise<DetectFacts> {
  return probeWith(hostProbeAccess(host));
}

/**
 * Every file the stack reads configuration from (the registry's search path), as they are: contents, or null
 * for a symbolic link (not followed; it still shadows). An unreadable file is left out, with a warning.
 */
async function readStackConfig(host: Host, stack: Stack): Promise<ForeignFile[]> {
  const out: ForeignFile[] = [];
  for (const { dir, name: pattern } of STACK_RENDERERS[stack].searchPath) {
    for (const name of await host.list(dir).catch(() => [])) {
      if (!pattern.test(name)) continue;
      const path = `${dir}/${name}`;
      const info = await host.info(path).catch(() => null);
      if (!info) continue;
      if (info.isSymlink) {
        out.push({ path, content: null });
        continue;
      }
      const content = await host.read(path).catch((e: unknown) => {
        log().warn(`${path}: not read (${e instanceof Error ? e.message : String(e)}); configuration in it is not checked`);
        return null;
      });
      if (content !== null) out.push({ path, content });
    }
  }
  return out;
}

/**
 * This boot's cloud-init facts on a running system (distro/detect.ts cloudInitUsability): the kernel command
 * line, cloud-init-generator's verdict (/run/cloud-init/enabled or disabled) and ds-identify's datasource_list
 * (/run/cloud-init/cloud.cfg). Null on an offline root. Unreadable files count as absent.
 */
export async function probeCloudInitBoot(host: Host): Promise<CloudInitBoot | null> {
  if (!host.live) return null;
  const exists = async (p: string) => (await host.info(p).catch(() => null)) !== null;
  const cmdline = (await host.read('/proc/cmdline').catch(() => null)) ?? '';
  const generator = (await exists('/run/cloud-init/enabled')) ? 'enabled' : (await exists('/run/cloud-init/disabled')) ? 'disabled' : null;
  const cfg = await host.read('/run/cloud-init/cloud.cfg').catch(() => null);
  return { cmdline, generator, datasourceList: cfg === null ? null : parseDatasourceList(cfg) };
}

export interface LiveNics {
  /** MAC → running name. */
  byMac: Map<string, string>;
}

export async function liveNics(host: Host): Promise<LiveNics> {
  const byMac = new Map<string, string>();
  for (const name of await host.list('/sys/class/net')) {
    const mac = (await host.read(`/sys/class/net/${name}/address`).catch(() => null))?.trim().toLowerCase();
    if (mac && !byMac.has(mac)) byMac.set(mac, name);
  }
  return { byMac };
}

async function services(host: Host): Promise<ServiceState> {
  const systemd = host.live && (await host.info('/run/systemd/system')) !== null;
  const active = new Set<string>();
  const enabled = new Set<string>();
  const masked = new Set<string>();
  if (systemd) {
    // One call for all units (each exec is slow this early at boot): blocks of Id=, ActiveState=, UnitFileState=.
    // osconf-verify.service: whether it is still to run (the verify hand-off, handoff.ts).
    const units = ['systemd-networkd.service', 'NetworkManager.service', 'wickedd.service', 'wicked.service', 'network.service', 'networking.service', 'systemd-resolved.service', 'systemd-hostnamed.service', 'osconf-verify.service'];
    const r = await host.exec(['systemctl', 'show', '-p', 'Id,ActiveState,UnitFileState', ...units]).catch(() => null);
    for (const block of (r?.stdout ?? '').split(/\n\s*\n/)) {
      const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const id = fields.Id;
      if (!id || !units.includes(id)) continue;
      if (fields.ActiveState === 'active') active.add(id);
      if (fields.UnitFileState === 'enabled' || fields.UnitFileState === 'enabled-runtime') enabled.add(id);
      if (fields.UnitFileState === 'masked' || fields.UnitFileState === 'masked-runtime') masked.add(id);
    }
  } else if (host.live && ((await host.info('/usr/bin/nmcli')) !== null || (await host.info('/bin/nmcli')) !== null)) {
    // Without systemd (sysvinit, containers) NetworkManager may still run: ask it.
    const r = await host.exec(['nmcli', '-t', '-f', 'RUNNING', 'general'], { timeoutMs: 5_000 }).catch(() => null);
    if (r?.code === 0 && r.stdout.trim() === 'running') active.add('NetworkManager.service');
  }
  return { systemd, active, enabled, masked };
}

export async function readLiveNetwork(host: Host): Promise<LiveNetwork | null> {
  if (!host.live) return null;
  const [addr, route] = await Promise.all([host.exec(['ip', '-j', '-4', 'addr', 'show']), host.exec(['ip', '-j', '-4', 'route', 'show'])]);
  // iproute2 before 4.17 refuses -j (4.11) or prints text for routes (4.14-4.16): read its text output.
  if (addr.code === 0 && route.code === 0 && /^\s*\[/.test(addr.stdout) && /^\s*\[/.test(route.stdout)) return parseLiveNetwork(addr.stdout, route.stdout);
  const [addrText, routeText] = await Promise.all([host.exec(['ip', '-o', '-4', 'addr', 'show']), host.exec(['ip', '-4', 'route', 'show'])]);
  if (addrText.code !== 0 || routeText.code !== 0) return null;
  return parseLiveNetworkText(addrText.stdout, routeText.stdout);
}

/**
 * The name servers the resolver in charge reports: `resolvectl dns` (systemd-resolved, over its bus), or the
 * nameserver lines of resolv.conf read through the Host (links followed inside the root); null when resolved
 * cannot be asked.
 */
export async function readNameservers(host: Host, source: NameserverSource): Promise<string[] | null> {
  if (source === 'resolved') {
    const r = await host.exec(['resolvectl', 'dns'], { timeoutMs: 5_000 }).catch(() => null);
    if (r?.code === 0) return parseResolvectlDns(r.stdout);
    // No resolvectl (systemd < 239: Ubuntu 18.04, CentOS 7): resolved's own list of every upstream server,
    // systemd-resolved(8)'s /run/systemd/resolve/resolv.conf.
    const upstream = await hostProbeAccess(host).read('/run/systemd/resolve/resolv.conf');
    return upstream === null ? null : nameserversOf(upstream);
  }
  const text = await hostProbeAccess(host).read(RESOLV_CONF);
  return text === null ? [] : nameserversOf(text);
}

/**
 * Who owns resolv.conf and what hands name servers to it (render/dns-owner.ts's inputs), through the Host.
 * `svc`: the units systemd reports (gather's). Without systemd resolved is asked directly (`resolvectl`);
 * without `svc` (`osconf render`) it is not asked at all: under systemd that could start it by D-Bus activation.
 */
export async function resolverFacts(host: Host, svc?: ServiceState, unreadable?: Map<string, string>): Promise<ResolverFacts> {
  const info = await host.info(RESOLV_CONF);
  const target = info?.isSymlink ? await host.readlink(RESOLV_CONF) : null;
  const resolvConfText = info && !info.isSymlink ? await (unreadable ? readNoting(host, RESOLV_CONF, unreadable) : host.read(RESOLV_CONF)) : null;
  const resolvConf: ResolverFacts['resolvConf'] =
    target !== null ? { kind: 'link', target } : resolvConfText !== null ? { kind: 'file', content: resolvConfText } : { kind: 'absent' };
  const unit = 'systemd-resolved.service';
  let enabled: boolean;
  let active = false;
  if (svc?.systemd) {
    enabled = svc.enabled?.has(unit) ?? false;
    active = svc.active.has(unit);
  } else {
    // No systemd to ask (an offline root, another init): the unit's wants links, and whether resolved answers.
    enabled = (await enabledServices(hostProbeAccess(host))).has(unit);
    if (svc && host.live) active = (await readNameservers(host, 'resolved')) !== null;
  }
  const hook = (await host.info(ENI_RESOLVCONF_HOOK).catch(() => null)) !== null;
  return { resolvConf, resolved: { enabled, active }, ifupdownResolvconfHook: hook };
}

/**
 * The file's text, null when absent; a file osconf cannot read (over the size bound, a FIFO, a directory, a
 * device) is noted in `unreadable` with the reason and read as null, so that only the concerns that need it
 * fail (planApply), not the whole run.
 */
async function readNoting(host: Host, path: string, unreadable: Map<string, string>): Promise<string | null> {
  return host.read(path).catch((e: unknown) => {
    if (!(e instanceof OperationalError)) throw e;
    unreadable.set(path, e.message);
    return null;
  });
}

/** As readNoting, for a directory's entries (a directory osconf may not enter, e.g. a link out of --root): none. */
async function listNoting(host: Host, dir: string, unreadable: Map<string, string>): Promise<string[]> {
  return host.list(dir).catch((e: unknown) => {
    if (!(e instanceof OperationalError)) throw e;
    unreadable.set(dir, e.message);
    return [];
  });
}

/** As readNoting, for a path's type. */
async function infoNoting(host: Host, path: string, unreadable: Map<string, string>): Promise<Awaited<ReturnType<Host['info']>>> {
  return host.info(path).catch((e: unknown) => {
    if (!(e instanceof OperationalError)) throw e;
    unreadable.set(path, e.message);
    return null;
  });
}

export async function gather(host: Host, result: ReadResult, detection: Detection): Promise<ApplyInput> {
  // The child processes (systemctl, ip) cost most of this step early at boot, on a slow machine: started
  // together, before the file reads, and awaited where used (the no-op catch: a failure is seen at that await).
  const servicesNow = services(host);
  const liveNetworkNow = readLiveNetwork(host);
  servicesNow.catch(() => undefined);
  liveNetworkNow.catch(() => undefined);
  const files = new Map<string, string | null>();
  const unreadable = new Map<string, string>();
  const symlinks = new Set<string>();
  for (const path of FILES) {
    const info = await infoNoting(host, path, unreadable);
    if (info?.isSymlink) {
      symlinks.add(path);
      files.set(path, null);
    } else {
      files.set(path, info ? await readNoting(host, path, unreadable) : null);
    }
  }
  // Every stack's osconf names, whatever the stack now: a changed stack leaves the old one's files to remove.
  const stackDirFiles: string[] = [];
  for (const { dir, name: pattern } of OWNED_NAMES) {
    for (const name of await listNoting(host, dir, unreadable)) {
      const path = `${dir}/${name}`;
      if (!pattern.test(name) || files.has(path)) continue;
      const info = await infoNoting(host, path, unreadable);
      if (!info || info.isSymlink) continue;
      stackDirFiles.push(path);
      files.set(path, await readNoting(host, path, unreadable));
    }
  }
  // Files the renderer may produce in those directories must be compared with what is there.
  for (const path of [...FIXED_STACK_FILES, ...DNS_OWNED_FILES]) if (!files.has(path)) files.set(path, await readNoting(host, path, unreadable));

  const names = new Map<string, string>();
  const missingNics: string[] = [];
  const otherNics: NicRef[] = [];
  if (host.live) {
    const nics = await liveNics(host);
    for (const nic of result.config.interfaces) {
      const name = nics.byMac.get(nic.mac);
      if (name) names.set(nic.name, name);
      else missingNics.push(nic.name);
    }
    const ours = new Set(result.config.interfaces.map((n) => n.mac));
    for (const [mac, name] of nics.byMac) if (!ours.has(mac) && name !== 'lo') otherNics.push({ id: name, name, mac });
  }
  const svc = await servicesNow;
  const resolver = await resolverFacts(host, svc, unreadable);
  const source = host.live && result.config.nameservers.length > 0 ? nameserverSource(resolverOwner(resolver, detection.profile), resolver) : null;
  return {
    result,
    profile: detection.profile,
    label: detection.label,
    files,
    unreadable,
    symlinks,
    stackDirFiles,
    live: host.live,
    names,
    missingNics,
    services: svc,
    liveHostname: host.live ? await host.hostname() : null,
    liveNetwork: await liveNetworkNow,
    resolver,
    liveNameservers: source === null ? null : await readNameservers(host, source),
    cloudInitPresent: (await host.info('/usr/bin/cloud-init')) !== null,
    salt: saltFromBytes(randomBytes(16)),
    today: host.today(),
    dmiProductUuid: host.live ? await host.read('/sys/class/dmi/id/product_uuid').catch(() => null) : null,
    stackConfig: detection.profile.stack ? await readStackConfig(host, detection.profile.stack) : [],
    otherNics,
  };
}

/** Waits (bounded) until a NIC with each os.conf MAC exists: NICs can appear late at boot. */
export async function waitForNics(host: Host, macs: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = (await liveNics(host)).byMac;
    const missing = macs.filter((m) => !present.has(m));
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((r) => setTimeout(r, 250));
  }
}
