// How each stack brings the written configuration up now, and the iproute2 fallback when the stack's
// daemon is not running. Only NICs whose configuration changed are touched.
import type { Activator } from '../distro/profiles.js';
import type { DnsPlace } from '../render/dns-owner.js';
import type { NicView } from '../render/nic-view.js';
import { connectionUuid } from '../render/network-manager.js';
import type { Action } from './actions.js';
import type { LiveNetwork } from './live-network.js';

export interface ServiceState {
  /** systemd is PID 1 (so systemctl and hostnamectl work). */
  systemd: boolean;
  /** Units found running (by systemd, or by asking the daemon where systemd is not PID 1). */
  active: ReadonlySet<string>;
  /** Units systemd will start (enabled), for the boot case: the stack starts after osconf. */
  enabled?: ReadonlySet<string>;
  /** Units masked (systemctl(1) `UnitFileState=masked` or `masked-runtime`): systemd never starts them. */
  masked?: ReadonlySet<string>;
}

export interface Activation {
  actions: Action[];
  via: string;
  /** The stack starts after osconf (boot) and applies the files itself: nothing to verify now. */
  deferred?: boolean;
}

const exec = (argv: string[], purpose: string, allowFailure = false): Action => ({ kind: 'exec', argv, purpose, allowFailure });

export function iproute2Activation(nics: NicView[]): Action[] {
  return nics.flatMap((nic) => [
    exec(['ip', 'link', 'set', 'dev', nic.name, 'up'], `bring ${nic.name} up`),
    exec(['ip', '-4', 'addr', 'flush', 'dev', nic.name, 'scope', 'global'], `drop ${nic.name}'s old addresses`),
    exec(['ip', 'addr', 'add', nic.cidr, 'dev', nic.name], `address ${nic.name}`),
    // `onlink` for a gateway outside the NIC's subnet: the kernel refuses it otherwise (ip-route(8)).
    ...nic.routes.map((r) => exec(['ip', 'route', 'replace', r.to, 'via', r.via, 'dev', nic.name, ...(r.onLink ? ['onlink'] : [])], `route ${r.to}`)),
    ...(nic.defaultVia
      ? [exec(['ip', 'route', 'replace', 'default', 'via', nic.defaultVia, 'dev', nic.name, ...(nic.defaultOnLink ? ['onlink'] : [])], 'default route')]
      : []),
  ]);
}

/**
 * Commands that make `changed` NICs live with the stack's own tools. `daemonConfig`: a file the daemon reads
 * at start or on reload only (NetworkManager's conf.d) changed. `live`: the running addresses (null when not
 * read); ifupdown is left to networking.service only for NICs with no IPv4 address yet, since `ifup` adds to
 * what a NIC has (interfaces(5)) and only osconf's `ifdown`/flush removes an earlier address.
 */
export function activation(activator: Activator, changed: NicView[], services: ServiceState, daemonConfig = false, live: LiveNetwork | null = null): Activation {
  if (changed.length === 0) return { actions: [], via: 'nothing changed' };
  const names = changed.map((n) => n.name);
  const running = (unit: string) => services.active.has(unit);
  // At boot osconf runs before network-pre.target: an enabled stack that is not up yet starts right after
  // and reads the files. Configuring the NICs now as well would leave duplicate routes (other metrics).
  const startsLater = (unit: string) => services.systemd && !running(unit) && (services.enabled?.has(unit) ?? false);
  const deferTo = (unit: string, actions: Action[] = []): Activation => ({ actions, via: `${unit} applies them when it starts`, deferred: true });
  switch (activator) {
    case 'networkd':
      if (startsLater('systemd-networkd.service')) return deferTo('systemd-networkd.service');
      if (running('systemd-networkd.service')) {
        return { via: 'networkctl', actions: [exec(['networkctl', 'reload'], 'reload .network files'), exec(['networkctl', 'reconfigure', ...names], 'reconfigure changed NICs')] };
      }
      break;
    case 'netplan':
      // netplan's generator ran before osconf at boot: regenerate so the backend starting next sees our file.
      if (startsLater('systemd-networkd.service') || startsLater('NetworkManager.service')) {
        return deferTo('the netplan backend', [exec(['netplan', 'generate'], 'render netplan for the backend that starts next')]);
      }
      if (services.systemd) return { via: 'netplan apply', actions: [exec(['netplan', 'apply'], 'apply netplan')] };
      break;
    case 'network-manager':
      if (startsLater('NetworkManager.service')) return deferTo('NetworkManager.service');
      if (running('NetworkManager.service')) {
        return {
          via: 'nmcli',
          actions: [
            // NetworkManager.conf(5): global DNS is read at start and on reload (`nmcli general reload`, NM >= 1.22;
            // older ones keep the previous DNS until restarted, hence not fatal).
            ...(daemonConfig ? [exec(['nmcli', 'general', 'reload'], "reload NetworkManager's configuration (global DNS)", true)] : []),
            exec(['nmcli', 'connection', 'reload'], 'reload keyfiles and ifcfg files'),
            ...changed.map((n) => exec(['nmcli', 'connection', 'up', 'uuid', connectionUuid(n.mac), 'ifname', n.name], `activate ${n.name}`)),
          ],
        };
      }
      break;
    case 'wicked':
      if (startsLater('wicked.service')) return deferTo('wicked.service');
      if (running('wickedd.service') || running('wicked.service')) return { via: 'wicked', actions: [exec(['wicked', 'ifreload', ...names], 'reload changed NICs')] };
      break;
    case 'network-service':
      if (startsLater('network.service')) return deferTo('network.service');
      return {
        via: 'network service',
        actions: [services.systemd ? exec(['systemctl', 'restart', 'network.service'], 'restart the network service') : exec(['/etc/init.d/network', 'restart'], 'restart the network service')],
      };
    case 'ifupdown':
      // networking.service (`ifup -a`, ordered after network-pre.target) brings the `auto` stanzas up right
      // after osconf at boot: doing it here too cost two full ifdown/ifup rounds per NIC.
      if (startsLater('networking.service') && live !== null && !changed.some((n) => live.addresses.some((a) => a.name === n.name))) {
        return deferTo('networking.service');
      }
      return {
        via: 'ifupdown',
        actions: changed.flatMap((n) => [
          exec(['ifdown', '--force', n.name], `take ${n.name} down`, true),
          // A stanza osconf commented out (say, DHCP) is unknown to ifdown now; drop what it left behind.
          exec(['ip', '-4', 'addr', 'flush', 'dev', n.name, 'scope', 'global'], `drop ${n.name}'s old addresses`),
          exec(['ifup', n.name], `bring ${n.name} up`),
        ]),
      };
    case 'iproute2':
      break;
  }
  return { via: 'iproute2 (the stack is not running)', actions: iproute2Activation(changed) };
}

/**
 * Commands that make the resolver take name servers from a DNS place now (render/dns-owner.ts). None for the
 * stack's own files (the network concern's bring-up hands them on) or resolv.conf (read at every lookup).
 * `deferred`: the resolver is not running and reads the place when it starts, so there is nothing to check now.
 */
export function dnsActivation(place: DnsPlace, services: ServiceState): Activation {
  const running = (unit: string) => services.active.has(unit);
  switch (place) {
    case 'resolved.conf.d':
      // resolved.conf(5) is read at start (and on reload, where supported): try-reload-or-restart does either.
      if (running('systemd-resolved.service') && services.systemd) {
        return { via: 'systemd-resolved', actions: [exec(['systemctl', 'try-reload-or-restart', 'systemd-resolved.service'], 'make systemd-resolved read its drop-ins')] };
      }
      return { actions: [], via: 'systemd-resolved reads it when it starts', deferred: true };
    case 'NetworkManager conf.d':
      if (running('NetworkManager.service')) return { via: 'NetworkManager', actions: [exec(['nmcli', 'general', 'reload'], "reload NetworkManager's configuration and DNS")] };
      return { actions: [], via: 'NetworkManager reads it when it starts', deferred: true };
    case 'resolvconf base':
      return { via: 'resolvconf', actions: [exec(['resolvconf', '-u'], 'regenerate resolv.conf')] };
    case 'netconfig':
      return { via: 'netconfig', actions: [exec(['netconfig', 'update', '-m', 'dns'], 'regenerate resolv.conf')] };
    case 'stack':
    case 'resolv.conf':
    case 'nowhere':
      return { actions: [], via: place };
  }
}
