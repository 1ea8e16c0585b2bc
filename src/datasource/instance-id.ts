// The cloud-init instance-id for this instance. It must stay the same when the operator changes settings
// (otherwise cloud-init re-runs its per-instance modules, e.g. new SSH host keys) and change when an image
// captured from this instance boots as another one.
// Source, in order: the DMI product UUID (per-instance on ECS, survives setting changes), else a digest of the
// NICs' MAC addresses (new instances get new MACs). An explicit id from the caller wins over both.
import { createHash } from 'node:crypto';
import type { InstanceConfig } from '../config/model.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Firmware placeholders that many machines share.
const PLACEHOLDER_UUIDS = new Set(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '03000200-0400-0500-0006-000700080009']);

export interface InstanceIdSources {
  explicit?: string | null;
  /** Contents of /sys/class/dmi/id/product_uuid, if readable. */
  dmiProductUuid?: string | null;
}

export type InstanceIdOrigin = 'explicit' | 'dmi-product-uuid' | 'mac-addresses' | 'none';

export function instanceId(config: InstanceConfig, sources: InstanceIdSources): { id: string; origin: InstanceIdOrigin } {
  const explicit = sources.explicit?.trim();
  if (explicit) return { id: explicit, origin: 'explicit' };
  const uuid = sources.dmiProductUuid?.trim().toLowerCase();
  if (uuid && UUID.test(uuid) && !PLACEHOLDER_UUIDS.has(uuid)) return { id: `osconf-${uuid}`, origin: 'dmi-product-uuid' };
  const macs = config.interfaces.map((n) => n.mac).sort();
  if (macs.length > 0) {
    const digest = createHash('sha256').update(macs.join(',')).digest('hex').slice(0, 20);
    return { id: `osconf-mac-${digest}`, origin: 'mac-addresses' };
  }
  // Nothing identifies the instance: a constant id means cloud-init treats every boot as the same instance.
  return { id: 'osconf-unidentified', origin: 'none' };
}
