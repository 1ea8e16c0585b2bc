// /var/lib/osconf/located: how to find again what the last apply located (the partition holding
// aliyun_custom_image/, or the directory osconf.conf names), for the boot pre-check (src/boot/osconf-boot.sh),
// which reads only this record and never repeats locate.ts's rules. Lines of KEY=VALUE, one format:
//   path=DIR                       [source] path=: the directory itself
//   partuuid=, uuid=, type=        a block device: its partition UUID (GPT or MBR, may be empty), its file
//                                  system's UUID and type, as blkid(8) reports them (-o export)
// Values are restricted to characters the pre-check needs no quoting rules for; anything else is not recorded,
// and without a record the pre-check runs `osconf apply`.
import type { Host } from '../host/host.js';
import { log } from '../log.js';

export const LOCATED_RECORD = '/var/lib/osconf/located';

/** What the record says: a directory, or a block device's identifiers. */
export type LocatedIds = { path: string } | { partuuid: string; uuid: string; type: string };

const SAFE = {
  path: /^\/[A-Za-z0-9/._+-]*$/,
  id: /^[A-Za-z0-9-]*$/,
  type: /^[a-z0-9_.]+$/,
};

/**
 * The record's text for `ids` (pure), or null when a value holds characters outside the safe sets above or a
 * device has neither UUID (nothing to find it by).
 */
export function locatedRecordText(ids: LocatedIds): string | null {
  const head = '# Written by osconf apply: where it found aliyun_custom_image/. Read by osconf-boot at boot.\n';
  if ('path' in ids) return SAFE.path.test(ids.path) && !ids.path.split('/').includes('..') ? `${head}path=${ids.path}\n` : null;
  if (!SAFE.id.test(ids.partuuid) || !SAFE.id.test(ids.uuid) || !SAFE.type.test(ids.type)) return null;
  if (ids.partuuid === '' && ids.uuid === '') return null;
  return `${head}partuuid=${ids.partuuid}\nuuid=${ids.uuid}\ntype=${ids.type}\n`;
}

/** blkid(8) `-o export`: KEY=VALUE lines (udev-style names: PARTUUID, UUID, TYPE). */
export function parseBlkidExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/**
 * Records what was located: `dir` for a [source] path, else the block device `device` through blkid. A record
 * that cannot be made (blkid failed, odd characters) is removed, so the pre-check never reads a stale one.
 * Never throws: a failure is logged, and the next boot then runs `osconf apply` (no record).
 */
export async function recordLocated(host: Host, found: { dir: string } | { device: string }): Promise<void> {
  try {
    let text: string | null;
    if ('dir' in found) text = locatedRecordText({ path: found.dir });
    else {
      const r = await host.exec(['blkid', '-o', 'export', '--', found.device], { timeoutMs: 20_000 });
      const ids = r.code === 0 ? parseBlkidExport(r.stdout) : {};
      text = ids.TYPE ? locatedRecordText({ partuuid: ids.PARTUUID ?? '', uuid: ids.UUID ?? '', type: ids.TYPE }) : null;
    }
    if (text === null) {
      await host.remove(LOCATED_RECORD);
      log().debug(`record: ${LOCATED_RECORD} removed: nothing to find ${'dir' in found ? found.dir : found.device} by`);
      return;
    }
    // Written at every run, unchanged or not: the pre-check trusts it only when it is newer than osconf.conf.
    await host.mkdir('/var/lib/osconf', 0o755);
    await host.write(LOCATED_RECORD, text, { mode: 0o600 });
  } catch (e) {
    log().warn(`record: ${LOCATED_RECORD} could not be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}
