// A complete NoCloud seed directory (meta-data, user-data, network-config) that cloud-init's NoCloud
// datasource reads from /var/lib/cloud/seed/nocloud or a `ds=nocloud;s=` path. user-data carries the
// password hash, so it is readable by root alone.
import type { InstanceConfig } from '../config/model.js';
import type { PlannedFile } from '../render/file.js';
import { renderMetaData } from './meta-data.js';
import { renderNetworkConfigV2 } from './network-config-v2.js';
import { renderUserData } from './user-data.js';

export function nocloudSeed(config: InstanceConfig, instanceId: string, passwordHash: string | null): PlannedFile[] {
  return [
    { path: 'meta-data', mode: 0o644, content: renderMetaData(config, instanceId) },
    { path: 'network-config', mode: 0o644, content: renderNetworkConfigV2(config) },
    { path: 'user-data', mode: 0o600, content: renderUserData(passwordHash) },
  ];
}
