// sysconfig, as cloud-init names it, in two flavours.
// RHEL: /etc/sysconfig/network-scripts/ifcfg-NAME and route-NAME (iproute2 "ip" format), read by the
// network service (EL6/7) and by NetworkManager's ifcfg-rh plugin (EL7/8).
// SUSE: /etc/sysconfig/network/ifcfg-NAME and ifroute-NAME, read by wicked; name servers go through netconfig
// (render/dns.ts), as ifcfg files carry none.
// https://access.redhat.com/documentation (initscripts sysconfig.txt); SUSE ifcfg(5), routes(5).
// Gateways outside the NIC's subnet (read from initscripts' ifup-eth and NetworkManager's ifcfg-rh reader):
// - initscripts skip an off-subnet GATEWAY= silently (ifup-eth compares `ipcalc --network`), and add each
//   route-NIC line with `ip route add LINE`, so the default route also goes there as `default via GW dev NIC
//   onlink`; NetworkManager ignores a default route in route-NIC ("Ignore manual default route") and takes
//   GATEWAY=, to which it adds a host route; both read `onlink` on a route line.
// - wicked (routes(5)): a host route to the gateway, then the routes through it.
// Name servers: DNS1.. in os.conf's order, IPv6 too: initscripts' ifup-post writes each as a nameserver
// line; NetworkManager's reader skips IPv6 ones when IPV6INIT=no, so it gets its global DNS as well.
import type { NetworkFile } from './network-file.js';
import { quotedShellValue, shellAssignments } from './format/shell-vars.js';
import { withHeader } from './header.js';
import { renderNmGlobalDns } from './network-manager.js';
import type { NicView } from './nic-view.js';

export const RHEL_SCRIPTS_DIR = '/etc/sysconfig/network-scripts';
export const SUSE_NETWORK_DIR = '/etc/sysconfig/network';
export const SUSE_NETCONFIG = '/etc/sysconfig/network/config';

export function renderSysconfigRhel(nics: NicView[], options: { nmControlled: boolean }): NetworkFile[] {
  const files: NetworkFile[] = [];
  for (const nic of nics) {
    const vars: Array<[string, string]> = [
      ['DEVICE', nic.name],
      ['HWADDR', nic.mac],
      ['TYPE', 'Ethernet'],
      ['ONBOOT', 'yes'],
      ['BOOTPROTO', 'none'],
      ['IPADDR', nic.address],
      ['NETMASK', nic.netmask],
      ['PREFIX', String(nic.prefix)],
    ];
    if (nic.defaultVia) vars.push(['GATEWAY', nic.defaultVia], ['DEFROUTE', 'yes']);
    else vars.push(['DEFROUTE', 'no']);
    nic.nameservers.forEach((ns, i) => vars.push([`DNS${i + 1}`, ns]));
    vars.push(['PEERDNS', nic.nameservers.length > 0 ? 'yes' : 'no']);
    vars.push(['IPV6INIT', 'no'], ['NM_CONTROLLED', options.nmControlled ? 'yes' : 'no'], ['USERCTL', 'no']);
    files.push({ path: `${RHEL_SCRIPTS_DIR}/ifcfg-${nic.name}`, mode: 0o644, content: withHeader(shellAssignments(vars)), nics: [nic.id] });
    const routes = nic.routes.map((r) => `${r.to} via ${r.via} dev ${nic.name}${r.onLink ? ' onlink' : ''}\n`);
    if (nic.defaultVia && nic.defaultOnLink) routes.push(`default via ${nic.defaultVia} dev ${nic.name} onlink\n`);
    if (routes.length > 0) {
      files.push({ path: `${RHEL_SCRIPTS_DIR}/route-${nic.name}`, mode: 0o644, content: withHeader(routes.join('')), nics: [nic.id] });
    }
  }
  const global = options.nmControlled ? renderNmGlobalDns(nics) : null;
  return global ? [...files, global] : files;
}

export function renderSysconfigSuse(nics: NicView[]): NetworkFile[] {
  const files: NetworkFile[] = [];
  for (const nic of nics) {
    const vars: Array<[string, string]> = [
      ['BOOTPROTO', 'static'],
      ['STARTMODE', 'auto'],
      ['IPADDR', nic.cidr],
    ];
    files.push({ path: `${SUSE_NETWORK_DIR}/ifcfg-${nic.name}`, mode: 0o644, content: withHeader(shellAssignments(vars, quotedShellValue)), nics: [nic.id] });
    // routes(5): DESTINATION GATEWAY NETMASK INTERFACE; '-' for a netmask given as a prefix, or for no gateway.
    const offLink = [...new Set([...nic.routes.filter((r) => r.onLink).map((r) => r.via), ...(nic.defaultOnLink ? [nic.defaultVia!] : [])])];
    const routes = offLink.map((gw) => `${gw}/32 - - ${nic.name}\n`);
    routes.push(...nic.routes.map((r) => `${r.to} ${r.via} - ${nic.name}\n`));
    if (nic.defaultVia) routes.push(`default ${nic.defaultVia} - ${nic.name}\n`);
    if (routes.length > 0) files.push({ path: `${SUSE_NETWORK_DIR}/ifroute-${nic.name}`, mode: 0o644, content: withHeader(routes.join('')), nics: [nic.id] });
  }
  return files;
}
