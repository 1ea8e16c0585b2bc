// The pure planner of `osconf apply`: from the validated model, the distribution profile and a snapshot of
// the target system, what to write, remove and run for each concern. Concerns with errors are refused;
// concerns whose files and live state already match are unchanged (a second run does nothing).
import type { Concern, InstanceConfig, ReadResult } from '../config/model.js';
import { staticHostname } from '../config/hostname.js';
import type { Secret } from '../config/secret.js';
import { sha512Crypt } from '../config/password-hash.js';
import type { Profile } from '../distro/profiles.js';
import { dropEniSource, ENI_FILE, ENI_MAIN } from '../render/eni.js';
import { isOsconfFile } from '../render/header.js';
import type { DnsRoute, ResolverFacts } from '../render/dns-owner.js';
import { hostNames, hostsAddress, HOSTS_FILE } from '../render/hosts.js';
import { DNS_OWNED_FILES, FIXED_STACK_FILES, ownedNic } from '../render/index.js';
import { RESOLV_CONF } from '../render/resolv-conf.js';
import { NM_GLOBAL_DNS_FILE } from '../render/network-manager.js';
import { nicViews, type NameMap, type NicView } from '../render/nic-view.js';
import { rootPasswordMatches, setRootHash, SHADOW } from '../render/shadow.js';
import { renderSystem, type RenderedFile } from '../render/system.js';
import type { Action, ApplyPlan, ConcernPlan, NetworkExpectation } from './actions.js';
import { expectedNameservers, nameserverSource, nameserversMatch } from './live-dns.js';
import { activation, dnsActivation, type ServiceState } from './activation.js';
import { CLOUD_CFG_NETWORK_OFF, NETWORK_OFF_SNIPPET, planHandoff } from './handoff-plan.js';
import { findForeignConfig, type ForeignFile, type NicRef } from './foreign-config.js';
import { missingFromLive, type LiveNetwork } from './live-network.js';

export interface ApplyInput {
  result: ReadResult;
  profile: Profile;
  label: string;
  /** Current content of every file the plan may touch (null: absent). */
  files: ReadonlyMap<string, string | null>;
  /** Files osconf could not read (over the size bound, a FIFO, a directory): path → why. Only the concerns that need one fail. */
  unreadable?: ReadonlyMap<string, string>;
  /** Paths in the snapshot that are symbolic links. */
  symlinks: ReadonlySet<string>;
  /** Existing files in the network stacks' directories (candidates for removal when osconf owns them). */
  stackDirFiles: readonly string[];
  live: boolean;
  names: NameMap;
  /** os.conf NICs whose MAC no running NIC has (live only). */
  missingNics: readonly string[];
  services: ServiceState;
  liveHostname: string | null;
  liveNetwork: LiveNetwork | null;
  /** Who owns resolv.conf and what hands name servers to it (the DNS table's inputs). */
  resolver: ResolverFacts;
  /** The name servers the resolver in charge reports now (live), or null when it cannot be asked (offline, not running). */
  liveNameservers: string[] | null;
  /** cloud-init is installed: in standalone mode it must be told to leave the network alone. */
  cloudInitPresent: boolean;
  salt: string;
  today: number;
  /** The SMBIOS product UUID (live systems), the instance's identity for cloud-init's hand-off. */
  dmiProductUuid: string | null;
  /** The stack's configuration files of others (the registry's search path), for foreign-config.ts. */
  stackConfig: readonly ForeignFile[];
  /** Running NICs os.conf does not name (live only). */
  otherNics: readonly NicRef[];
}

export const CONCERN_ORDER: readonly Concern[] = ['password', 'network', 'hostname', 'dns'];

/**
 * The plan of one apply. `handoff` (cloud-init mode, see handoff-plan.ts): the network goes to cloud-init in a
 * NoCloud seed with this instance-id, and so do the name servers when the DNS table puts them in the stack's
 * files (cloud-init writes those); the password, the host name and name servers kept elsewhere (resolv.conf, a
 * resolved drop-in) are applied by osconf as in standalone mode. Pure.
 */
export function planApply(input: ApplyInput, handoff?: { instanceId: string }): ApplyPlan {
  const { result, profile } = input;
  const config = effectiveConfig(result);
  const handed = handoff ? planHandoff({ result, config, instanceId: handoff.instanceId, files: input.files, stack: profile.stack }) : null;
  const rendered = renderSystem({
    config,
    profile,
    names: input.names,
    existing: (p) => input.files.get(p) ?? null,
    resolver: input.resolver,
    runningHostname: input.liveHostname,
  });
  // Earlier concerns first: the DNS plan needs to know whether the network's bring-up happens now.
  const concerns: ConcernPlan[] = [];
  for (const concern of CONCERN_ORDER) {
    if (!result.valid[concern]) {
      const keys = result.errors.filter((e) => e.concerns.includes(concern)).map((e) => (e.line ? `line ${e.line}` : 'the file'));
      concerns.push({ concern, state: 'refused', reason: `os.conf has errors (${[...new Set(keys)].join(', ')})`, actions: [] });
      continue;
    }
    if (!isSet(result.config, concern)) {
      concerns.push({ concern, state: 'not-set', actions: [] });
      continue;
    }
    switch (concern) {
      case 'password':
        concerns.push(planPassword(config.password!, input));
        break;
      case 'network':
        concerns.push(handed ? handed.network : planNetwork(config, rendered.files, input, rendered.dns));
        break;
      case 'hostname':
        concerns.push(planHostname(config, rendered.files, input));
        break;
      case 'dns':
        if (handed && rendered.dns!.place === 'stack' && handed.network.state !== 'not-set') {
          concerns.push({ concern: 'dns', state: 'unchanged', reason: `in the NoCloud network-config (cloud-init renders them: ${rendered.dns!.how})`, actions: [] });
          break;
        }
        concerns.push(planDns(config, rendered.dns!, rendered.files, input, concerns.find((c) => c.concern === 'network')));
        break;
    }
  }
  const checked = concerns.map((c) => failIfUnreadable(c, rendered.files, input));
  if (handed) {
    const notes = [`mode cloud-init: cloud-init configures the network from the NoCloud seed; osconf applies the rest itself`];
    return { profile: `${input.label} (${profile.id})`, stack: profile.stack, concerns: checked, notes, preamble: handed.preamble };
  }
  return { profile: `${input.label} (${profile.id})`, stack: profile.stack, concerns: checked, notes: rendered.notes };
}

/**
 * A concern that would write or read a file osconf could not read fails alone, with the reason; the others
 * still apply (issue 16: an /etc/hosts over the size bound failed every concern, the password's included).
 */
function failIfUnreadable(plan: ConcernPlan, files: RenderedFile[], input: ApplyInput): ConcernPlan {
  if (!input.unreadable || input.unreadable.size === 0 || plan.state === 'refused' || plan.state === 'not-set') return plan;
  const needed = new Set(files.filter((f) => f.concern === plan.concern).map((f) => f.path));
  if (plan.concern === 'password') needed.add(SHADOW);
  if (plan.concern === 'dns') for (const p of [RESOLV_CONF, ...DNS_OWNED_FILES]) needed.add(p);
  if (plan.concern === 'network') for (const p of [...input.stackDirFiles, ...FIXED_STACK_FILES]) needed.add(p);
  for (const a of plan.actions) if ('path' in a) needed.add(a.path);
  // A path is blocked when it, or a directory above it, could not be read.
  const blockers = (p: string) => [...input.unreadable!.keys()].filter((u) => p === u || p.startsWith(`${u}/`));
  const blocked = [...new Set([...needed].flatMap(blockers))].sort();
  if (blocked.length === 0) return plan;
  return { concern: plan.concern, state: 'failed', reason: blocked.map((p) => input.unreadable!.get(p)!).join('; '), actions: [] };
}

function isSet(config: InstanceConfig, concern: Concern): boolean {
  switch (concern) {
    case 'password':
      return config.password !== null;
    case 'hostname':
      return config.hostname !== null;
    case 'dns':
      return config.nameservers.length > 0;
    case 'network':
      return config.interfaces.length > 0;
  }
}

/** The model with invalid concerns' data removed, so no renderer writes them. */
function effectiveConfig(result: ReadResult): InstanceConfig {
  const c = result.config;
  return {
    ...c,
    password: result.valid.password ? c.password : null,
    hostname: result.valid.hostname ? c.hostname : null,
    nameservers: result.valid.dns ? c.nameservers : [],
    interfaces: result.valid.network ? c.interfaces : [],
    defaultRoute: result.valid.network ? c.defaultRoute : null,
  };
}

function fileActions(concern: Concern, files: RenderedFile[], input: ApplyInput): Action[] {
  return files
    .filter((f) => f.concern === concern && input.files.get(f.path) !== f.content)
    .map((f) => ({ kind: 'write', path: f.path, content: f.content, mode: f.mode, before: input.files.get(f.path) ?? null }));
}

function withFileChanges(concern: Concern, files: RenderedFile[], input: ApplyInput, extra: Action[], emptyReason?: string): ConcernPlan {
  const actions = [...fileActions(concern, files, input), ...extra];
  const any = files.some((f) => f.concern === concern);
  if (actions.length > 0) return { concern, state: 'change', actions };
  return { concern, state: 'unchanged', reason: any ? 'already as os.conf says' : emptyReason, actions: [] };
}

function planPassword(password: Secret, input: ApplyInput): ConcernPlan {
  const shadow = input.files.get(SHADOW) ?? null;
  if (shadow === null) return { concern: 'password', state: 'failed', reason: `${SHADOW} does not exist`, actions: [] };
  if (rootPasswordMatches(shadow, password)) return { concern: 'password', state: 'unchanged', reason: "root's password already matches", actions: [] };
  const updated = setRootHash(shadow, sha512Crypt(password, input.salt), input.today);
  if (updated === null) return { concern: 'password', state: 'failed', reason: `${SHADOW} has no root entry`, actions: [] };
  return { concern: 'password', state: 'change', actions: [{ kind: 'write', path: SHADOW, content: updated, mode: 0o640, before: shadow, sensitive: true }] };
}

function planHostname(config: InstanceConfig, files: RenderedFile[], input: ApplyInput): ConcernPlan {
  // The kernel takes at most 64 characters: a longer FQDN runs under its first label (config/hostname.ts).
  const hostname = staticHostname(config.hostname!);
  const extra: Action[] = [];
  // Host names are case-insensitive (RFC 4343); systemd 219's hostnamectl lowercases what it is given.
  if (input.live && input.liveHostname?.toLowerCase() !== hostname.toLowerCase()) {
    // With systemd-hostnamed running, hostnamectl, so that its D-Bus clients hear of the change (it falls
    // back to the kernel call when D-Bus fails). Otherwise (at boot it has not started; without systemd) the
    // kernel's name is set directly: no process, no D-Bus round trip; osconf writes /etc/hostname itself.
    extra.push(
      input.services.systemd && input.services.active.has('systemd-hostnamed.service')
        ? { kind: 'exec', argv: ['hostnamectl', '--static', '--transient', 'set-hostname', hostname], purpose: 'set the running host name', fallback: ['hostname', hostname] }
        : { kind: 'set-hostname', hostname, purpose: 'set the running host name', fallback: ['hostname', hostname] },
    );
  }
  // /etc/hosts before the host name files: until it is rewritten, they still name the image's old host, which
  // an apply interrupted in between needs on its retry to take the old name off loopback lines.
  const hostsFirst = [...files.filter((f) => f.path === HOSTS_FILE), ...files.filter((f) => f.path !== HOSTS_FILE)];
  const plan = withFileChanges('hostname', hostsFirst, input, extra);
  // Applied means seen: the kernel's name, and the name resolving to the instance's address (hosts(5) first).
  if (plan.state === 'change' && input.live) plan.verify = { kind: 'hostname', hostname, names: hostNames(config.hostname!), address: hostsAddress(config) };
  return plan;
}

/**
 * The DNS concern: the place the DNS table chose (render/dns-owner.ts), osconf's drop-ins that are no longer
 * it removed, the command that makes the resolver read it, and what the resolver must then report. Through
 * the stack's files, the network concern writes and brings them up; this concern checks the resolver's answer.
 */
function planDns(config: InstanceConfig, route: DnsRoute, files: RenderedFile[], input: ApplyInput, network: ConcernPlan | undefined): ConcernPlan {
  if (route.place === 'nowhere') {
    return { concern: 'dns', state: 'failed', reason: `${route.notes.join('; ') || `${route.owner} owns /etc/resolv.conf`}: osconf knows no way to hand it name servers with ${route.stack}`, actions: [] };
  }
  const writes = fileActions('dns', files, input);
  const rendered = new Set(files.map((f) => f.path));
  const removals: Action[] = DNS_OWNED_FILES.filter((p) => !rendered.has(p) && isOsconfFile(input.files.get(p) ?? '')).map((p) => ({ kind: 'remove', path: p, before: input.files.get(p)! }));
  const how = route.place === 'stack' ? `through the network stack: ${route.how}` : route.how;
  if (!input.live) {
    if (writes.length + removals.length > 0) return { concern: 'dns', state: 'change', reason: how, actions: [...writes, ...removals] };
    return { concern: 'dns', state: 'unchanged', reason: route.place === 'stack' ? how : 'already as os.conf says', actions: [] };
  }
  const source = nameserverSource(route.owner, input.resolver);
  const reported = source === null ? null : input.liveNameservers;
  const seen = reported !== null && source !== null && nameserversMatch(expectedNameservers(config.nameservers, source), reported);
  const act = dnsActivation(route.place, input.services);
  // Through the stack, the name servers show once the network concern has brought the primary NIC up; when
  // that is left to a stack starting later (boot), so is this check. Likewise a resolver systemd starts after
  // osconf (enabled, not running yet): the deferred verify step (osconf verify) asks it once it is up.
  const networkDeferred = route.place === 'stack' && network?.deferred === true;
  const resolverLater = act.deferred === true && input.services.systemd && resolverEnabled(route.place, input.services);
  // systemd-resolved not running yet (boot) is asked then, when systemd will start it.
  const laterSource = source ?? (route.owner === 'systemd-resolved' && input.services.systemd && input.resolver.resolved.enabled ? 'resolved' : null);
  const later =
    laterSource !== null && (networkDeferred || resolverLater) ? ({ kind: 'dns', nameservers: expectedNameservers(config.nameservers, laterSource), source: laterSource } as const) : undefined;
  if (writes.length + removals.length === 0 && (seen || reported === null)) {
    if (!seen && later) return { concern: 'dns', state: 'unchanged', reason: `${how}; files already as os.conf says; checked once ${networkDeferred ? 'the network stack' : 'the resolver'} is up`, actions: [], verify: later, deferred: true };
    return { concern: 'dns', state: 'unchanged', reason: seen ? 'the resolver already reports them' : `${how}; files already as os.conf says`, actions: [] };
  }
  // NetworkManager's global DNS file (IPv6 servers) removed or rewritten here: NetworkManager must reread it.
  if (act.actions.length === 0 && input.services.active.has('NetworkManager.service') && [...writes, ...removals].some((a) => 'path' in a && a.path === NM_GLOBAL_DNS_FILE)) {
    act.actions.push({ kind: 'exec', argv: ['nmcli', 'general', 'reload'], purpose: "reload NetworkManager's configuration and DNS", allowFailure: true });
  }
  const verify = later ?? (source !== null && !act.deferred && !networkDeferred ? ({ kind: 'dns', nameservers: expectedNameservers(config.nameservers, source), source } as const) : undefined);
  return {
    concern: 'dns',
    state: 'change',
    reason: act.deferred ? `${how}; ${act.via}` : how,
    actions: [...writes, ...removals, ...act.actions],
    verify,
    ...(later ? { deferred: true } : {}),
  };
}

/** The resolver a DNS place hands name servers to is a unit systemd will start (enabled). */
function resolverEnabled(place: DnsRoute['place'], services: ServiceState): boolean {
  if (place === 'resolved.conf.d') return services.enabled?.has('systemd-resolved.service') ?? false;
  if (place === 'NetworkManager conf.d') return services.enabled?.has('NetworkManager.service') ?? false;
  return false;
}

function expectationOf(nics: NicView[]): NetworkExpectation & { kind: 'network' } {
  return {
    kind: 'network',
    addresses: nics.map((n) => ({ name: n.name, cidr: n.cidr })),
    routes: nics.flatMap((n) => [
      ...n.routes.map((r) => `${r.to} via ${r.via} dev ${n.name}`),
      ...(n.defaultVia ? [`0.0.0.0/0 via ${n.defaultVia} dev ${n.name}`] : []),
    ]),
  };
}

/**
 * The NICs a changed file configures: what its renderer says, or for an osconf file being removed, the NIC
 * its name is for (registry); all NICs when neither names one that is still in os.conf.
 */
function nicsOfFile(path: string, rendered: ReadonlyMap<string, RenderedFile>, nics: NicView[]): NicView[] {
  const named = rendered.get(path)?.nics ?? [ownedNic(path).nic];
  const own = nics.filter((n) => named.includes(n.id) || named.includes(n.name));
  return own.length > 0 ? own : nics;
}

function planNetwork(config: InstanceConfig, files: RenderedFile[], input: ApplyInput, dns: DnsRoute | null): ConcernPlan {
  if (input.missingNics.length > 0) {
    const which = input.missingNics.map((id) => `${id} (${config.interfaces.find((n) => n.name === id)?.mac})`).join(', ');
    return { concern: 'network', state: 'failed', reason: `no NIC has the MAC address of ${which}`, actions: [] };
  }
  const nics = nicViews(config, input.names);
  const writes = fileActions('network', files, input);
  const renderedPaths = new Set(files.map((f) => f.path));
  // osconf's own files that this os.conf no longer produces (a NIC removed, a stack changed).
  const removals: Action[] = input.stackDirFiles
    .filter((p) => !renderedPaths.has(p) && isOsconfFile(input.files.get(p) ?? ''))
    .map((p) => ({ kind: 'remove', path: p, before: input.files.get(p)! }));
  // The line that sources osconf's ENI file goes with it (written before the file is removed), also when the
  // file is already gone (removed by hand, or by an osconf that left the line).
  const eniGone = removals.some((a) => a.kind === 'remove' && a.path === ENI_FILE) || (input.files.get(ENI_FILE) ?? null) === null;
  if (eniGone && !renderedPaths.has(ENI_FILE) && !renderedPaths.has(ENI_MAIN)) {
    const before = input.files.get(ENI_MAIN) ?? null;
    const content = dropEniSource(before);
    if (before !== null && content !== null) writes.push({ kind: 'write', path: ENI_MAIN, content, mode: 0o644, before });
  }

  // Configuration of others the stack would apply to these NICs instead of osconf's.
  const ownFiles = new Map(files.flatMap((f) => (f.nics?.length === 1 ? [[f.nics[0]!, f.path] as const] : [])));
  const foreign = input.profile.stack ? findForeignConfig(input.profile.stack, input.stackConfig, nics.map((n) => ({ id: n.id, name: n.name, mac: n.mac })), ownFiles, [...input.otherNics]) : [];
  const warnings = foreign.flatMap((f) => [f.message, ...(f.others.length > 0 ? [`${f.others.join(', ')} (not in os.conf) lose the configuration ${f.path} gave them`] : [])]);

  const changed = new Set<NicView>();
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const a of [...writes, ...removals]) if ('path' in a) for (const n of nicsOfFile(a.path, byPath, nics)) changed.add(n);
  for (const f of foreign) for (const n of nics) if (f.nics.includes(n.id)) changed.add(n);
  let reason: string | undefined;
  if (input.live && input.liveNetwork) {
    for (const n of nics) if (missingFromLive(expectationOf([n]), input.liveNetwork).length > 0) changed.add(n);
  }
  // Name servers that go through the stack's file and that the resolver does not report: bringing the NIC that
  // carries them up again hands them over (a drifted resolver is repaired like a drifted address).
  if (input.live && dns?.place === 'stack' && input.result.valid.dns) {
    const source = nameserverSource(dns.owner, input.resolver);
    if (source !== null && input.liveNameservers !== null && !nameserversMatch(expectedNameservers(config.nameservers, source), input.liveNameservers)) {
      for (const n of nics) if (n.nameservers.length > 0) changed.add(n);
    }
  }
  const changedNics = nics.filter((n) => changed.has(n));
  const actions: Action[] = [...foreign.flatMap((f) => f.actions), ...writes, ...removals];
  if (input.cloudInitPresent && input.files.get(CLOUD_CFG_NETWORK_OFF) !== NETWORK_OFF_SNIPPET) {
    actions.push({ kind: 'write', path: CLOUD_CFG_NETWORK_OFF, content: NETWORK_OFF_SNIPPET, mode: 0o644, before: input.files.get(CLOUD_CFG_NETWORK_OFF) ?? null });
  }
  const verify = input.live;
  let deferred = false;
  if (input.live) {
    const daemonConfig = [...writes, ...removals].some((a) => 'path' in a && a.path === NM_GLOBAL_DNS_FILE);
    const act = activation(input.profile.activator, changedNics, input.services, daemonConfig, input.liveNetwork);
    actions.push(...act.actions);
    reason = changedNics.length > 0 ? (act.deferred ? act.via : `brought up with ${act.via}`) : undefined;
    // Left to a stack that starts after osconf (boot): the expectation is checked by the deferred verify
    // step (osconf verify), ordered after that stack.
    deferred = act.deferred === true && changedNics.length > 0;
  }
  if (actions.length === 0) {
    // At boot with the files already in place, the stack that starts next configures the NICs.
    if (deferred) return { concern: 'network', state: 'unchanged', reason: `files already as os.conf says; ${reason}`, actions: [], verify: expectationOf(nics), deferred };
    const why = input.profile.stack === null && !input.live ? 'no network stack found in this root; nothing to write' : 'files and running network already as os.conf says';
    return { concern: 'network', state: 'unchanged', reason: why, actions: [] };
  }
  return { concern: 'network', state: 'change', reason, actions, verify: verify ? expectationOf(nics) : undefined, ...(warnings.length ? { warnings } : {}), ...(deferred ? { deferred } : {}) };
}
