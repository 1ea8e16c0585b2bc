// cloud-init network-config version 2 (netplan-shaped). NICs are matched by MAC and keep the name the
// running system gives them (no set-name: renaming into the kernel's ethX namespace races the kernel).
// Name servers go on the NIC that carries the default route; v2 has no global DNS without an interface.
// https://docs.cloud-init.io/en/latest/reference/network-config-format-v2.html
import type { InstanceConfig } from '../config/model.js';
import { staticRoutes } from '../config/model.js';
import { toYaml } from '../render/format/yaml.js';

export function networkConfigV2Object(config: InstanceConfig): Record<string, unknown> {
  const ethernets: Record<string, unknown> = {};
  for (const nic of config.interfaces) {
    const routes = staticRoutes(nic).map((r) => ({ to: r.to, via: r.via }));
    const isPrimary = config.defaultRoute?.interface === nic.name;
    if (isPrimary) routes.push({ to: '0.0.0.0/0', via: config.defaultRoute!.via });
    const eth: Record<string, unknown> = {
      match: { macaddress: nic.mac },
      addresses: [`${nic.address}/${nic.prefix}`],
    };
    if (routes.length > 0) eth.routes = routes;
    if (isPrimary && config.nameservers.length > 0) eth.nameservers = { addresses: [...config.nameservers] };
    ethernets[nic.name] = eth;
  }
  return { version: 2, ethernets };
}

export function renderNetworkConfigV2(config: InstanceConfig): string {
  return toYaml(networkConfigV2Object(config));
}
