// Finds aliyun_custom_image/os.conf on the first partition of the system disk.
// Default: the disk holding `/` (from /proc/self/mountinfo and /sys/dev/block), its partition number 1.
// osconf.conf can name the partition by UUID, LABEL or device, or a directory where it is mounted.
// A mounted partition is used where it is mounted; otherwise it is mounted under /run/osconf for the run.
import { randomBytes } from 'node:crypto';
import { OperationalError } from '../errors.js';
import type { Host } from '../host/host.js';
import { log } from '../log.js';
import type { SourceSpec } from '../settings/osconf-conf.js';

export { OS_CONF_DIR, OS_CONF_NAME } from '../host/os-conf-file.js';
const MOUNT_TIMEOUT_MS = 20_000;

export interface MountEntry {
  majorMinor: string;
  mountPoint: string;
  /** The fields after the ` - ` separator: file system type, mount source, super block options. */
  fsType: string;
  source: string;
  superOptions: string;
}

const unescapeOctal = (text: string): string => text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * mountinfo(5): field 3 is major:minor, field 5 the mount point (octal escapes for spaces and the like); after
 * the optional fields and a lone `-` come the file system type, the mount source and the super options.
 */
export function parseMountinfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      const dash = f.indexOf('-', 6);
      const tail = dash === -1 ? [] : f.slice(dash + 1);
      return {
        majorMinor: f[2] ?? '',
        mountPoint: unescapeOctal(f[4] ?? ''),
        fsType: tail[0] ?? '',
        source: unescapeOctal(tail[1] ?? ''),
        superOptions: tail[2] ?? '',
      };
    });
}

export interface Located {
  /** Directory that holds aliyun_custom_image/. */
  base: string;
  /** How it was found, for the log. */
  how: string;
  /** The block device found (/dev/vda1), null for a [source] path. */
  device: string | null;
  /** Unmounts what osconf mounted; a no-op otherwise. */
  release: () => Promise<void>;
}

async function readTrim(host: Host, path: string): Promise<string | null> {
  return (await host.read(path).catch(() => null))?.trim() ?? null;
}

/** The block device name (vda1) of a major:minor, through /sys/dev/block's link. */
async function sysBlockPath(host: Host, majorMinor: string): Promise<string | null> {
  return resolved(host, `/sys/dev/block/${majorMinor}`);
}

// sysfs and /dev/disk are links; a path that cannot be resolved (absent, or any error) is not found.
function resolved(host: Host, path: string): Promise<string | null> {
  return host.realpath(path).catch(() => null);
}

/**
 * The block device (its /sys/devices path) a btrfs file system lives on: the kernel lists a mounted btrfs's
 * devices under /sys/fs/btrfs/FSID/devices/ (sysfs-fs-btrfs ABI). `source` is the mount source, one of them;
 * a multi-device file system gives the one named there. Null when sysfs does not say.
 */
async function btrfsDevice(host: Host, source: string): Promise<string | null> {
  const real = source.startsWith('/dev/') ? await resolved(host, source) : null;
  const name = (real ?? source).slice((real ?? source).lastIndexOf('/') + 1);
  const fsids = (await host.list('/sys/fs/btrfs')).filter((n) => /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(n));
  const lists = await Promise.all(fsids.map(async (fsid) => ({ fsid, devices: await host.list(`/sys/fs/btrfs/${fsid}/devices`) })));
  const named = lists.find((l) => l.devices.includes(name));
  // The mount source may be a name sysfs does not use (a by-uuid link that did not resolve): one btrfs is it.
  const chosen = named ?? (lists.length === 1 ? lists[0] : undefined);
  const device = named ? name : chosen?.devices[0];
  return chosen && device ? resolved(host, `/sys/fs/btrfs/${chosen.fsid}/devices/${device}`) : null;
}

/** The mount whose mount point holds `path`: the longest matching mount point, the latest mount of it. */
function mountHolding(mounts: MountEntry[], path: string, except: MountEntry): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (m === except) continue;
    const inside = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * The /sys/devices path of the block device under a mount. A plain major:minor resolves through
 * /sys/dev/block; an anonymous one (0:NN) is followed by file system: btrfs through /sys/fs/btrfs, overlay(fs)
 * through the mounts holding its upper, then lower directories (Documentation/filesystems/overlayfs.rst).
 */
async function mountDevice(host: Host, mounts: MountEntry[], entry: MountEntry, depth = 0): Promise<string | null> {
  if (!entry.majorMinor.startsWith('0:')) return sysBlockPath(host, entry.majorMinor);
  if (entry.fsType === 'btrfs') return btrfsDevice(host, entry.source);
  if (entry.fsType === 'overlay' && depth < 4) {
    const option = (key: string) => entry.superOptions.split(',').find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
    // lowerdir is colon-separated, with `\:` for a colon inside a path.
    const lowers = (option('lowerdir') ?? '').split(/(?<!\\):/).filter(Boolean).map((d) => d.replace(/\\:/g, ':'));
    for (const dir of [option('upperdir'), ...lowers]) {
      const under = dir ? mountHolding(mounts, dir, entry) : undefined;
      const device = under ? await mountDevice(host, mounts, under, depth + 1) : null;
      if (device) return device;
    }
  }
  return null;
}

/** The first partition of the disk holding the root file system, as /dev/NAME and its major:minor, and that disk. */
export async function rootDiskFirstPartition(host: Host): Promise<{ device: string; majorMinor: string; disk: string } | null> {
  // A sandbox root has no disks of its own: sysfs and mountinfo are the running system's.
  if (!host.live) return null;
  const mounts = parseMountinfo((await host.read('/proc/self/mountinfo')) ?? '');
  const root = [...mounts].reverse().find((m) => m.mountPoint === '/');
  if (!root) return null;
  let dev = await mountDevice(host, mounts, root);
  // Device mapper (LVM, crypt): follow the first underlying device down to a partition.
  for (let depth = 0; dev && depth < 4; depth++) {
    const slaves = await host.list(`${dev}/slaves`);
    if (slaves.length === 0) break;
    dev = await resolved(host, `${dev}/slaves/${slaves[0]}`);
  }
  if (!dev) return null;
  const isPartition = (await host.info(`${dev}/partition`)) !== null;
  const disk = isPartition ? dev.slice(0, dev.lastIndexOf('/')) : dev;
  for (const child of await host.list(disk)) {
    if ((await readTrim(host, `${disk}/${child}/partition`)) === '1') {
      const majorMinor = await readTrim(host, `${disk}/${child}/dev`);
      if (majorMinor) return { device: `/dev/${child}`, majorMinor, disk: `/dev/${disk.slice(disk.lastIndexOf('/') + 1)}` };
    }
  }
  return null;
}

async function deviceOf(host: Host, spec: SourceSpec): Promise<string | null> {
  if (spec.kind === 'device') return spec.value;
  if (spec.kind !== 'uuid' && spec.kind !== 'label') return null;
  const byLink = await resolved(host, `/dev/disk/by-${spec.kind}/${spec.value}`);
  if (byLink && (await host.info(byLink)) !== null) return byLink;
  const r = await host.exec(['blkid', '-o', 'device', '-t', `${spec.kind.toUpperCase()}=${spec.value}`], { timeoutMs: MOUNT_TIMEOUT_MS });
  const device = r.code === 0 ? r.stdout.trim().split('\n')[0] : undefined;
  return device || null;
}

/** MAJ:MIN (decimal, as mountinfo writes it) of the device node `device`, links followed; null when none. */
async function majorMinorOf(host: Host, device: string): Promise<string | null> {
  const n = await host.deviceNumber(device).catch(() => null);
  return n ? `${n.major}:${n.minor}` : null;
}

export async function locate(host: Host, spec: SourceSpec): Promise<Located> {
  const noop = async () => undefined;
  if (spec.kind === 'path') return { base: spec.value, how: `[source] path=${spec.value}`, device: null, release: noop };
  if (!host.live) throw new OperationalError('a sandbox root has no partitions to search: give --conf');

  let device: string | null;
  let majorMinor: string | null;
  let how: string;
  if (spec.kind === 'root-disk') {
    const first = await rootDiskFirstPartition(host);
    if (!first) throw new OperationalError("cannot find the root disk's first partition (set [source] in /etc/osconf/osconf.conf)");
    ({ device, majorMinor } = first);
    how = `partition 1 of the root disk (${device})`;
  } else {
    device = await deviceOf(host, spec);
    if (!device) throw new OperationalError(`no block device has ${spec.kind} ${spec.value}`);
    majorMinor = await majorMinorOf(host, device);
    how = `[source] ${spec.kind}=${spec.value} (${device})`;
  }
  const mounted = parseMountinfo((await host.read('/proc/self/mountinfo')) ?? '').find((m) => m.majorMinor === majorMinor);
  if (mounted) return { base: mounted.mountPoint, how: `${how}, mounted at ${mounted.mountPoint}`, device, release: noop };

  const dir = `/run/osconf/mnt-${randomBytes(4).toString('hex')}`;
  await host.mkdir('/run/osconf', 0o700);
  await host.mkdir(dir, 0o700);
  const r = await host.exec(['mount', '-o', 'rw,nosuid,nodev,noexec', device!, dir], { timeoutMs: MOUNT_TIMEOUT_MS });
  if (r.code !== 0) {
    await host.rmdir(dir).catch(() => undefined);
    throw new OperationalError(`failed to mount ${device} at ${dir}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  log().debug(`mounted ${device} at ${dir}`);
  return {
    base: dir,
    how: `${how}, mounted at ${dir}`,
    device,
    release: async () => {
      const u = await host.exec(['umount', dir], { timeoutMs: MOUNT_TIMEOUT_MS }).catch((e: unknown) => ({ code: 1, stdout: '', stderr: String(e) }));
      if (u.code !== 0) {
        log().warn(`failed to unmount ${dir}: ${u.stderr.trim()}`);
        return;
      }
      log().info(`unmounted ${dir}`);
      await host.rmdir(dir).catch(() => undefined);
    },
  };
}
