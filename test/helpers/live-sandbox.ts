// A throwaway instance for live `osconf apply` runs (no --root): a network namespace with veth NICs at
// os.conf's MACs, and inside it `unshare --mount --uts` with an overlay over this machine's /etc (its /etc is
// only the lower layer; every write lands in a temp upper layer), tmpfs on /run, /var/lib and /var/log, and an
// ext4 image on a loop device as the first partition holding aliyun_custom_image/. Nothing on the machine
// itself changes; cleanup removes the namespaces, the loop device and the files.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osconfBin } from './paths.js';
import { type RunResult } from './run.js';
import { NetworkNamespace, runInSandbox, type SandboxNic } from './sandbox.js';

export type LiveNic = SandboxNic;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' }).toString();

export class LiveSandbox {
  netns: NetworkNamespace | null = null;
  readonly dir: string;
  readonly image: string;
  loop: string | null = null;

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'osconf-live-'));
    this.image = join(this.dir, 'partition1.img');
  }

  /** osConf: the first partition's aliyun_custom_image/os.conf (null: the directory only). */
  static create(nics: LiveNic[], osConf: string | null, osconfConf: (box: LiveSandbox) => string): LiveSandbox {
    const box = new LiveSandbox();
    try {
      box.netns = NetworkNamespace.create('osconf-l', nics);
      const part = join(box.dir, 'part');
      mkdirSync(join(part, 'aliyun_custom_image'), { recursive: true });
      if (osConf !== null) writeFileSync(join(part, 'aliyun_custom_image', 'os.conf'), osConf);
      sh('mkfs.ext4', ['-q', '-F', '-L', `osc${randomBytes(3).toString('hex')}`, '-d', part, box.image, '16M']);
      box.loop = sh('losetup', ['--find', '--show', box.image]).trim();
      for (const d of ['etc-upper/osconf', 'etc-work', 'out']) mkdirSync(join(box.dir, d), { recursive: true });
      writeFileSync(join(box.dir, 'etc-upper', 'osconf', 'osconf.conf'), osconfConf(box));
    } catch (e) {
      box.destroy();
      throw e;
    }
    return box;
  }

  get uuid(): string {
    return sh('blkid', ['-o', 'value', '-s', 'UUID', this.image]).trim();
  }

  /**
   * Runs a script inside the sandbox. It gets $OSCONF (the command), $BOX (a directory outside the sandbox's
   * tmpfs mounts, for results) and $LOOP (the partition's device).
   */
  run(script: string, timeoutMs = 120_000): Promise<RunResult> {
    const setup = [
      'set -eu',
      'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$BOX/etc-upper,workdir=$BOX/etc-work" /etc',
      'mount -t tmpfs tmpfs /run',
      'mount -t tmpfs tmpfs /var/lib',
      'mount -t tmpfs tmpfs /var/log',
      'hostname osconf-sandbox-before',
      'set +e',
      'eval "$1"',
    ].join('\n');
    if (!this.netns) throw new Error('sandbox destroyed');
    return runInSandbox({ netns: this.netns.name }, 'sh', ['-c', setup, 'sh', script], {
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        OSCONF: `${process.execPath} ${osconfBin}`,
        BOX: this.dir,
        LOOP: this.loop ?? '',
      },
      timeoutMs,
    });
  }

  /** A file the sandbox wrote into its /etc (the overlay's upper layer), or null. */
  etc(path: string): string | null {
    try {
      return readFileSync(join(this.dir, 'etc-upper', path.replace(/^\/etc\//, '')), 'utf8');
    } catch {
      return null;
    }
  }

  out(name: string): string {
    return readFileSync(join(this.dir, 'out', name), 'utf8');
  }

  /** Names in the partition's aliyun_custom_image/ directory, read from the image without mounting it. */
  partitionListing(): string[] {
    const text = sh('debugfs', ['-R', 'ls -p /aliyun_custom_image', this.image]);
    return text
      .split('\n')
      .map((l) => l.split('/')[5])
      .filter((n): n is string => !!n && n !== '.' && n !== '..')
      .sort();
  }

  partitionFile(name: string): string {
    return sh('debugfs', ['-R', `cat /aliyun_custom_image/${name}`, this.image]);
  }

  destroy(): void {
    this.netns?.destroy();
    this.netns = null;
    if (this.loop) {
      try {
        sh('losetup', ['-d', this.loop]);
      } catch {
        // already detached
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
