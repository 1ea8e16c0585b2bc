// cloud-init network-config version 2 (netplan-shaped): the same object netplan's file holds
// (render/network-v2.ts), without netplan's `dhcp4: false` and `network:` wrapper. NICs keep the name the
// running system gives them: they are matched by MAC, with no set-name.
// https://docs.cloud-init.io/en/latest/reference/network-config-format-v2.html
import type { InstanceConfig } from '../config/model.js';
import { toYaml } from '../render/format/yaml.js';
import { networkV2 } from '../render/network-v2.js';
import { nicViews } from '../render/nic-view.js';

/** `{ version: 2, ethernets: { <os.conf name>: { match, addresses, routes?, nameservers? } } }` (see networkV2). */
export function networkConfigV2Object(config: InstanceConfig): Record<string, unknown> {
  return networkV2(nicViews(config));
}

/** The network-config v2 file's YAML text. */
export function renderNetworkConfigV2(config: InstanceConfig): string {
  return toYaml(networkConfigV2Object(config));
}
