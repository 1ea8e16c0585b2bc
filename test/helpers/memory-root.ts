// An in-memory root file system for check and prepare unit tests: files, directories, symbolic links and
// chattr flags, laid out like a distribution without touching the machine.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RootView } from '../../src/check/root-view.js';
import type { EntryInfo, RootReader } from '../../src/host/readers.js';

export class MemoryRoot implements RootReader {
  readonly description = 'memory';
  readonly files = new Map<string, string | Buffer>();
  readonly links = new Map<string, string>();
  readonly dirs = new Set<string>(['/']);
  readonly locked = new Map<string, { immutable: boolean; appendOnly: boolean }>();

  private parents(path: string): void {
    const parts = path.split('/').slice(1, -1);
    for (let i = 1; i <= parts.length; i++) this.dirs.add(`/${parts.slice(0, i).join('/')}`);
  }

  file(path: string, content: string | Buffer = ''): this {
    this.parents(path);
    this.files.set(path, content);
    return this;
  }

  dir(path: string): this {
    this.parents(`${path}/x`);
    return this;
  }

  link(path: string, target: string): this {
    this.parents(path);
    this.links.set(path, target);
    return this;
  }

  remove(path: string): this {
    this.files.delete(path);
    this.links.delete(path);
    this.dirs.delete(path);
    return this;
  }

  view(): RootView {
    return new RootView(this);
  }

  async lstat(path: string): Promise<EntryInfo | null> {
    if (this.links.has(path)) return { type: 'symlink', size: this.links.get(path)!.length, mode: 0o777 };
    if (this.files.has(path)) return { type: 'file', size: Buffer.from(this.files.get(path)!).length, mode: 0o644 };
    return this.dirs.has(path) ? { type: 'dir', size: 4096, mode: 0o755 } : null;
  }

  async readlink(path: string): Promise<string | null> {
    return this.links.get(path) ?? null;
  }

  async readFile(path: string, maxBytes: number): Promise<Buffer | null> {
    const text = this.files.get(path);
    return text === undefined ? null : Buffer.from(text).subarray(0, maxBytes);
  }

  async list(path: string): Promise<string[]> {
    const prefix = path === '/' ? '/' : `${path}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.links.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p !== path) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names].filter(Boolean);
  }

  async lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null> {
    return this.locked.get(path) ?? { immutable: false, appendOnly: false };
  }
}

/** A sealed Debian 12 root with osconf enabled under systemd and ifupdown: every root item OK but ssh. */
export function debianRoot(): MemoryRoot {
  const unit = '[Unit]\nDescription=osconf\n[Service]\nType=notify\n[Install]\nWantedBy=multi-user.target\n';
  return new MemoryRoot()
    .file('/usr/lib/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n')
    .link('/etc/os-release', '../usr/lib/os-release')
    .file('/etc/debian_version', '12.8\n')
    .link('/lib', 'usr/lib')
    .link('/sbin', 'usr/sbin')
    .link('/bin', 'usr/bin')
    .link('/usr/sbin/init', '../lib/systemd/systemd')
    .file('/usr/lib/systemd/systemd', 'ELF')
    .file('/usr/lib/modules/6.1.0-27-amd64/modules.dep', 'kernel/drivers/block/virtio_blk.ko.xz:\nkernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz\n')
    .file('/usr/lib/modules/6.1.0-27-amd64/modules.builtin', 'kernel/drivers/virtio/virtio.ko\n')
    .file('/etc/shadow', 'root:*:19000:0:99999:7:::\n')
    .file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n')
    .file('/usr/bin/passwd', 'ELF')
    .file('/usr/bin/node', 'ELF')
    .file('/etc/fstab', '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n')
    .file('/usr/sbin/ifup', 'ELF')
    .file('/etc/network/interfaces', 'auto lo\niface lo inet loopback\nallow-hotplug eth0\niface eth0 inet dhcp\n')
    .link('/etc/systemd/system/multi-user.target.wants/networking.service', '/lib/systemd/system/networking.service')
    .file('/usr/sbin/sshd', 'ELF')
    .file('/etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n')
    .file('/etc/ssh/sshd_config.d/50-cloud.conf', 'PermitRootLogin yes\nPasswordAuthentication yes\n')
    .link('/etc/systemd/system/multi-user.target.wants/ssh.service', '/lib/systemd/system/ssh.service')
    .file('/usr/bin/osconf', '#!/usr/bin/env node\n')
    .file('/usr/lib/systemd/system/osconf.service', unit)
    .link('/etc/systemd/system/multi-user.target.wants/osconf.service', '/lib/systemd/system/osconf.service');
}

/** Writes the tree into a real directory (for --root runs, and mkfs.ext4 -d when building disk images). */
export function materialize(root: MemoryRoot, dir: string): void {
  for (const d of root.dirs) mkdirSync(join(dir, d), { recursive: true });
  for (const [path, content] of root.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  for (const [path, target] of root.links) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(target, join(dir, path));
  }
}
