// NoCloud meta-data: instance-id and local-hostname.
// https://docs.cloud-init.io/en/latest/reference/datasources/nocloud.html
import type { InstanceConfig } from '../config/model.js';
import { toYaml } from '../render/format/yaml.js';

export function metaDataObject(config: InstanceConfig, instanceId: string): Record<string, string> {
  const meta: Record<string, string> = { 'instance-id': instanceId };
  if (config.hostname) meta['local-hostname'] = config.hostname;
  return meta;
}

export function renderMetaData(config: InstanceConfig, instanceId: string): string {
  return toYaml(metaDataObject(config, instanceId));
}
