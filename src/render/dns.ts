// The files of the DNS places other than the stacks' own (render/dns-owner.ts picks the place): a
// systemd-resolved drop-in, NetworkManager's global DNS, resolvconf's base file, SUSE netconfig's static
// servers, or /etc/resolv.conf itself. Drop-ins are osconf's own (header, replaced whole); the others are
// edited in place from their current content.
import type { DnsPlace } from './dns-owner.js';
import type { PlannedFile } from './file.js';
import { renderSections } from './format/keyfile.js';
import { quotedShellValue, setShellVar } from './format/shell-vars.js';
import { withHeader } from './header.js';
import { RESOLV_CONF, renderResolvConf } from './resolv-conf.js';
import { NM_GLOBAL_DNS_FILE } from './network-manager.js';
import { SUSE_NETCONFIG } from './sysconfig.js';

/** resolved.conf(5): drop-ins in /etc/systemd/resolved.conf.d/*.conf, read after resolved.conf in name order. */
export const RESOLVED_DROP_IN = '/etc/systemd/resolved.conf.d/90-osconf.conf';
/** NetworkManager.conf(5): /etc/NetworkManager/conf.d/*.conf, read in name order after NetworkManager.conf. */
/** One file, whichever concern writes it: NetworkManager's global DNS drop-in. */
export const NM_DNS_CONF = NM_GLOBAL_DNS_FILE;
/** resolvconf(8): lines of this file are included in the generated resolv.conf, whatever the interfaces say. */
export const RESOLVCONF_BASE = '/etc/resolvconf/resolv.conf.d/base';

/** The one file a place other than `stack` and `nowhere` is written to. */
export const DNS_PLACE_FILES: Readonly<Partial<Record<DnsPlace, string>>> = {
  'resolv.conf': RESOLV_CONF,
  'resolved.conf.d': RESOLVED_DROP_IN,
  'resolvconf base': RESOLVCONF_BASE,
  'NetworkManager conf.d': NM_DNS_CONF,
  netconfig: SUSE_NETCONFIG,
};

/** The file that puts `nameservers` at `place`, from its current content; null for `stack` and `nowhere`. */
export function renderDnsPlace(place: DnsPlace, nameservers: string[], existing: (path: string) => string | null): PlannedFile | null {
  switch (place) {
    case 'resolv.conf':
      return renderResolvConf(nameservers, existing(RESOLV_CONF));
    case 'resolvconf base':
      return renderResolvConf(nameservers, existing(RESOLVCONF_BASE), RESOLVCONF_BASE);
    case 'resolved.conf.d':
      // An empty DNS= first drops servers resolved.conf and earlier drop-ins set (resolved.conf(5)).
      return { path: RESOLVED_DROP_IN, mode: 0o644, content: withHeader(renderSections([['Resolve', [['DNS', ''], ['DNS', nameservers.join(' ')]]]])) };
    case 'NetworkManager conf.d':
      // The default domain "*" makes the global DNS valid; it then overrides every connection's DNS.
      return { path: NM_DNS_CONF, mode: 0o644, content: withHeader(renderSections([['global-dns-domain-*', [['servers', nameservers.join(',')]]]])) };
    case 'netconfig':
      // netconfig writes resolv.conf from NETCONFIG_DNS_STATIC_SERVERS; the rest of its config stays as it is.
      return { path: SUSE_NETCONFIG, mode: 0o644, content: setShellVar(existing(SUSE_NETCONFIG) ?? '', 'NETCONFIG_DNS_STATIC_SERVERS', nameservers.join(' '), quotedShellValue) };
    case 'stack':
    case 'nowhere':
      return null;
  }
}
