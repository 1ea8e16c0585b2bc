// cloud-init network-config version 1: physical NICs by MAC with static subnets, the default route as the
// primary NIC's subnet gateway, other routes per subnet, name servers as a global nameserver entry and on
// the primary NIC's subnet.
// https://docs.cloud-init.io/en/latest/reference/network-config-format-v1.html
import { prefixToNetmask } from '../config/address.js';
import type { InstanceConfig } from '../config/model.js';
import { staticRoutes } from '../config/model.js';
import { toYaml } from '../render/format/yaml.js';

export function networkConfigV1Object(config: InstanceConfig): Record<string, unknown> {
  const entries: Record<string, unknown>[] = config.interfaces.map((nic) => {
    const subnet: Record<string, unknown> = {
      type: 'static',
      address: nic.address,
      netmask: nic.netmask,
    };
    const isPrimary = config.defaultRoute?.interface === nic.name;
    if (isPrimary) subnet.gateway = config.defaultRoute!.via;
    // Also per subnet: some of cloud-init's renderers (network-manager) ignore the global nameserver entry.
    if (isPrimary && config.nameservers.length > 0) subnet.dns_nameservers = [...config.nameservers];
    const routes = staticRoutes(nic).map((r) => {
      const [network, prefix] = r.to.split('/');
      return { network, netmask: prefixToNetmask(Number(prefix)), gateway: r.via };
    });
    if (routes.length > 0) subnet.routes = routes;
    return { type: 'physical', name: nic.name, mac_address: nic.mac, subnets: [subnet] };
  });
  if (config.nameservers.length > 0) entries.push({ type: 'nameserver', address: [...config.nameservers] });
  return { version: 1, config: entries };
}

export function renderNetworkConfigV1(config: InstanceConfig): string {
  return toYaml(networkConfigV1Object(config));
}
