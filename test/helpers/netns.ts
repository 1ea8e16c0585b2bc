// Throwaway network sandboxes for tests that run real network stacks. Each sandbox is a network namespace
// with veth NICs named and addressed like os.conf's (the other ends sit in a second namespace, so nothing
// else in the sandbox answers), plus private mount and UTS namespaces (test/helpers/sandbox.ts) in which the Debian tools root gets tmpfs on
// /run and /tmp, read-only sysfs (so systemd-networkd does not wait for udev), and overlays over /etc (whose
// upper layer holds the files under test) and /var. Nothing on the machine itself changes; everything goes on cleanup.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PlannedFile } from '../../src/render/file.js';
import { toolsDir } from './paths.js';
import { type RunResult } from './run.js';
import { NetworkNamespace, runInSandbox, type SandboxNic } from './sandbox.js';

export const debianRoot = join(toolsDir, 'debian12');

export type { SandboxNic };

export interface IpAddr {
  ifname: string;
  address: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev: string;
}

export class NetSandbox {
  readonly dir: string;

  private constructor(
    readonly nics: SandboxNic[],
    private readonly netns: NetworkNamespace,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'osconf-netns-'));
  }

  get ns(): string {
    return this.netns.name;
  }

  static create(nics: SandboxNic[]): NetSandbox {
    const box = new NetSandbox(nics, NetworkNamespace.create('osconf-t', nics));
    for (const d of ['upper', 'work', 'var-upper', 'var-work', 'tmp']) mkdirSync(join(box.dir, d), { recursive: true });
    return box;
  }

  /** Puts files (paths under /etc) into the overlay's upper layer. */
  addEtcFiles(files: PlannedFile[]): void {
    for (const f of files) {
      if (!f.path.startsWith('/etc/')) throw new Error(`sandbox files live under /etc: ${f.path}`);
      const target = join(this.dir, 'upper', f.path.slice('/etc/'.length));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: f.mode });
    }
  }

  /** Puts a file into the sandbox's /tmp (copied in when a script runs). */
  addTmpFile(name: string, content: string | Buffer, mode = 0o644): void {
    writeFileSync(join(this.dir, 'tmp', name), content, { mode });
  }

  /**
   * Runs a shell script chrooted into the Debian root, inside the sandbox's namespaces. With `offlineView`, the
   * sandbox's /etc and /var are also bound under /mnt/target, so that `osconf apply --root /mnt/target` writes
   * the sandbox's files offline (as an image builder would), before a stack starts on them as at boot. With
   * `peerView`, the peer namespace is bound at /run/netns/peer, so a script can make veth NICs itself
   * (`ip link add eth0 address MAC type veth peer name p0 netns peer`) with their peers out of its sight.
   */
  runInRoot(script: string, timeoutMs = 60_000, offlineView = false, peerView = false): Promise<RunResult> {
    const view = offlineView
      ? [
          `mount -t tmpfs tmpfs "$ROOT/mnt"`,
          `mkdir -p "$ROOT/mnt/target/etc" "$ROOT/mnt/target/var" "$ROOT/mnt/target/run"`,
          `mount --bind "$ROOT/etc" "$ROOT/mnt/target/etc"`,
          `mount --bind "$ROOT/var" "$ROOT/mnt/target/var"`,
        ]
      : [];
    const peer = peerView ? [`mkdir -p "$ROOT/run/netns"`, `touch "$ROOT/run/netns/peer"`, `mount --bind "/run/netns/$PEER" "$ROOT/run/netns/peer"`] : [];
    const setup = [
      'set -eu',
      `mount -t tmpfs tmpfs "$ROOT/run"`,
      ...peer,
      `mount -t proc proc "$ROOT/proc"`,
      `mount -t sysfs -o ro sysfs "$ROOT/sys"`,
      `mount -t overlay overlay -o "lowerdir=$ROOT/etc,upperdir=$BOX/upper,workdir=$BOX/work" "$ROOT/etc"`,
      `mount -t overlay overlay -o "lowerdir=$ROOT/var,upperdir=$BOX/var-upper,workdir=$BOX/var-work" "$ROOT/var"`,
      `mount -t tmpfs tmpfs "$ROOT/tmp"`,
      ...view,
      `cp -a "$BOX/tmp/." "$ROOT/tmp/"`,
      `exec chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 sh -c "$1"`,
    ].join('\n');
    return runInSandbox({ netns: this.ns }, 'sh', ['-c', setup, 'sh', script], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ROOT: debianRoot, BOX: this.dir, PEER: `${this.ns}-peer` },
      timeoutMs,
    });
  }

  addresses(): IpAddr[] {
    return this.netns.ipJson<IpAddr[]>('addr', 'show');
  }

  routes(): IpRoute[] {
    return this.netns.ipJson<IpRoute[]>('-4', 'route', 'show');
  }

  /** A file as the sandbox's /etc shows it after the run (upper layer first), or null. */
  etcFile(path: string): string | null {
    for (const base of [join(this.dir, 'upper'), join(debianRoot, 'etc')]) {
      try {
        return readFileSync(join(base, path.replace(/^\/etc\//, '')), 'utf8');
      } catch {
        // not in this layer
      }
    }
    return null;
  }

  /** `10.0.0.5/24` per NIC name, IPv4 only. */
  ipv4ByNic(): Record<string, string[]> {
    return this.netns.ipv4ByNic();
  }

  /** `DEST via GW dev NIC` for every gatewayed route. */
  gatewayRoutes(): string[] {
    return this.netns.gatewayRoutes();
  }

  destroy(): void {
    this.netns.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
