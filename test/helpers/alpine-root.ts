// An Alpine-like instance for ifupdown-ng, the interfaces(5) implementation Alpine ships. Made once per test
// file (`AlpineLayer`): a copy-on-write layer over the whole Debian 12 tools root (which never changes) in which
// Debian's ifupdown is purged and Debian's ifupdown-ng package installed in its place (its .deb from
// scripts/install-test-deps.sh), /etc/os-release says Alpine 3.20 and /etc/network/interfaces is the one Alpine
// installs (loopback only, no source line). Each instance (`AlpineSandbox`) is one more layer over both, in a
// network namespace with veth NICs at os.conf's MACs, inside fresh mount and UTS namespaces
// (test/helpers/sandbox.ts). Each `run` is a boot of the same disk: the instance's layer stays, /run and /tmp
// start empty. The tools root's Node.js 18 runs osconf (/tmp/osconf).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianRoot } from './netns.js';
import { osconfBin, toolsDir } from './paths.js';
import { type RunResult } from './run.js';
import { NetworkNamespace, runInSandbox, type SandboxNetwork, type SandboxNic } from './sandbox.js';

export const ifupdownNgDebs = join(toolsDir, 'ifupdown-ng-debs');

/** /etc/os-release of Alpine 3.20 (its fields as Alpine writes them). */
export const ALPINE_OS_RELEASE =
  'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n';

/** /etc/network/interfaces as Alpine's alpine-baselayout installs it. */
export const ALPINE_INTERFACES = 'auto lo\niface lo inet loopback\n';

/** A resolv.conf from the image's build (plain, as Alpine's is), with Alibaba Cloud's resolver. */
export const ALPINE_RESOLV_CONF = 'nameserver 100.100.2.136\n';

/** Swaps ifupdown for ifupdown-ng and makes the root Alpine's, as far as osconf and ifupdown-ng look. */
const PREPARE = `set -e
dpkg --purge --force-depends ifupdown > /tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }
dpkg -i /tmp/ifupdown-ng.deb >> /tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }
rm -f /etc/os-release /etc/resolv.conf
cp /tmp/os-release /etc/os-release
cp /tmp/interfaces /etc/network/interfaces
cp /tmp/resolv.conf /etc/resolv.conf
rm -rf /etc/network/interfaces.d
ifup --version | head -n 1`;

/**
 * Runs `script` chrooted into an overlay of `lower` (colon-separated, topmost first) with its upper layer in
 * `dir`/upper, in its own mount and UTS namespaces and the given network. The root is also bound, without the
 * run's /run, /proc, /sys and /tmp, at /mnt/target (for `osconf apply --root /mnt/target`, files only); the
 * contents of `dir`/tmp are copied into its /tmp.
 */
function runInOverlay(network: SandboxNetwork, lower: string, dir: string, script: string, timeoutMs: number): Promise<RunResult> {
  const setup = [
    'set -eu',
    'mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$BOX/upper,workdir=$BOX/work" "$BOX/merged"',
    'R=$BOX/merged',
    'mkdir -p "$R/mnt/target"',
    'mount --bind "$R" "$R/mnt/target"',
    'mount -t tmpfs tmpfs "$R/run"',
    'mount -t proc proc "$R/proc"',
    'mount -t sysfs -o ro sysfs "$R/sys"',
    'mount -t tmpfs tmpfs "$R/tmp"',
    'cp -a "$BOX/tmp/." "$R/tmp/"',
    'exec chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 sh -c "$1"',
  ].join('\n');
  return runInSandbox(network, 'sh', ['-c', setup, 'sh', script], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LOWER: lower, BOX: dir },
    timeoutMs,
  });
}

function layerDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const d of ['upper', 'work', 'merged', 'tmp']) mkdirSync(join(dir, d));
  return dir;
}

/** The Debian root made Alpine-like, as a layer the instances share (read-only to them). */
export class AlpineLayer {
  private constructor(
    readonly dir: string,
    /** ifupdown-ng's version line (`ifupdown-ng 0.11.4~rc1`), as the installed `ifup` prints it. */
    readonly version: string,
  ) {}

  /** Throws when the .deb is missing or installing it fails. */
  static async create(): Promise<AlpineLayer> {
    const deb = readdirSync(ifupdownNgDebs).find((f) => /^ifupdown-ng_.*\.deb$/.test(f));
    if (!deb) throw new Error(`no ifupdown-ng .deb in ${ifupdownNgDebs}: run scripts/install-test-deps.sh`);
    const dir = layerDir('osconf-alpine-layer-');
    try {
      writeFileSync(join(dir, 'tmp', 'ifupdown-ng.deb'), readFileSync(join(ifupdownNgDebs, deb)));
      writeFileSync(join(dir, 'tmp', 'os-release'), ALPINE_OS_RELEASE);
      writeFileSync(join(dir, 'tmp', 'interfaces'), ALPINE_INTERFACES);
      writeFileSync(join(dir, 'tmp', 'resolv.conf'), ALPINE_RESOLV_CONF);
      const r = await runInOverlay('none', debianRoot, dir, PREPARE, 120_000);
      if (r.code !== 0) throw new Error(`making the root Alpine-like failed (${r.code}): ${r.stdout}${r.stderr}`);
      return new AlpineLayer(dir, r.stdout.trim());
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get lower(): string {
    return `${join(this.dir, 'upper')}:${debianRoot}`;
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class AlpineSandbox {
  readonly dir: string;

  private constructor(
    private readonly layer: AlpineLayer,
    readonly netns: NetworkNamespace,
  ) {
    this.dir = layerDir('osconf-alpine-');
  }

  /** An instance with its NICs; `osconf` and `os.conf` (if given) are placed in /tmp at each run. */
  static create(layer: AlpineLayer, nics: SandboxNic[], osConf?: string): AlpineSandbox {
    const box = new AlpineSandbox(layer, NetworkNamespace.create('osconf-a', nics));
    try {
      writeFileSync(join(box.dir, 'tmp', 'osconf'), readFileSync(osconfBin), { mode: 0o755 });
      if (osConf !== undefined) writeFileSync(join(box.dir, 'tmp', 'os.conf'), osConf);
    } catch (e) {
      box.destroy();
      throw e;
    }
    return box;
  }

  /** Runs a shell script chrooted into the instance (one boot); `osconf apply --root /mnt/target` writes it offline. */
  run(script: string, timeoutMs = 120_000): Promise<RunResult> {
    return runInOverlay({ netns: this.netns.name }, this.layer.lower, this.dir, script, timeoutMs);
  }

  /** A file of the instance after its runs (its layer, the Alpine layer, the Debian root), or null. */
  file(path: string): string | null {
    for (const base of [join(this.dir, 'upper'), join(this.layer.dir, 'upper'), debianRoot]) {
      try {
        return readFileSync(join(base, path), 'utf8');
      } catch {
        // not in this layer
      }
    }
    return null;
  }

  destroy(): void {
    this.netns.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
