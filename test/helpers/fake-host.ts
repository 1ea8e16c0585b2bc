// An in-memory Host for unit tests. It refuses every command that a test did not declare, so no unit test
// can touch the machine it runs on.
import type { DeviceNumber, ExecOptions, ExecResult, FileInfo, Host, WriteOptions } from '../../src/host/host.js';

export type CommandHandler = (argv: string[], options: ExecOptions) => ExecResult;

export class FakeHost implements Host {
  readonly root = '/fake-root';
  readonly files = new Map<string, { content: string; mode: number; uid: number; gid: number }>();
  readonly symlinks = new Set<string>();
  readonly linkTargets = new Map<string, string>();
  readonly dirs = new Set<string>();
  /** Device nodes (block or character) by path, with their numbers. */
  readonly devices = new Map<string, DeviceNumber>();
  readonly ran: Array<{ argv: string[]; stdin?: string }> = [];
  readonly writes: string[] = [];

  constructor(
    readonly live: boolean,
    readonly commands: Record<string, CommandHandler> = {},
    private name = 'localhost',
  ) {}

  put(path: string, content: string, mode = 0o644): this {
    this.files.set(path, { content, mode, uid: 0, gid: 0 });
    return this;
  }

  /** A symbolic link at `path` to `target` (relative to the link's directory, or absolute), set up by a test. */
  link(path: string, target: string): this {
    this.symlinks.add(path);
    this.linkTargets.set(path, target);
    return this;
  }

  /** A device node at `path`, set up by a test. */
  device(path: string, major: number, minor: number): this {
    this.devices.set(path, { major, minor });
    return this;
  }

  /** A file, device, directory, or a directory implied by something beneath it. */
  private exists(path: string): boolean {
    if (path === '/' || this.files.has(path) || this.devices.has(path) || this.dirs.has(path)) return true;
    const prefix = `${path}/`;
    return [...this.files.keys(), ...this.devices.keys(), ...this.dirs, ...this.symlinks].some((p) => p.startsWith(prefix));
  }

  /** realpath(3) over the fake tree: component by component, links followed, at most 40 of them. */
  private resolve(path: string): string | null {
    let done: string[] = [];
    let pending = path.split('/').filter(Boolean);
    let links = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        done.pop();
        continue;
      }
      const here = `/${[...done, name].join('/')}`;
      const target = this.symlinks.has(here) ? this.linkTargets.get(here) : undefined;
      if (target !== undefined) {
        if (++links > 40) return null;
        if (target.startsWith('/')) done = [];
        pending = [...target.split('/').filter(Boolean), ...pending];
      } else if (this.exists(here)) {
        // A file or device with more to come is ENOTDIR.
        if (pending.length > 0 && (this.files.has(here) || this.devices.has(here))) return null;
        done.push(name);
      } else return null;
    }
    return `/${done.join('/')}`;
  }

  async realpath(path: string): Promise<string | null> {
    if (!this.live) throw new Error(`fake host: a sandbox root resolves no running system's path (${path})`);
    return this.resolve(path);
  }

  async deviceNumber(path: string): Promise<DeviceNumber | null> {
    if (!this.live) throw new Error(`fake host: a sandbox root has no running system's devices (${path})`);
    const real = this.resolve(path);
    return real === null ? null : (this.devices.get(real) ?? null);
  }

  async read(path: string): Promise<string | null> {
    if (this.symlinks.has(path)) throw new Error(`fake host: ${path} is a symbolic link`);
    return this.files.get(path)?.content ?? null;
  }

  async info(path: string): Promise<FileInfo | null> {
    if (this.symlinks.has(path)) return { mode: 0o777, uid: 0, gid: 0, isSymlink: true };
    const f = this.files.get(path);
    if (f) return { mode: f.mode, uid: f.uid, gid: f.gid, isSymlink: false };
    if (this.devices.has(path)) return { mode: 0o660, uid: 0, gid: 0, isSymlink: false };
    return this.dirs.has(path) ? { mode: 0o755, uid: 0, gid: 0, isSymlink: false } : null;
  }

  async list(dir: string): Promise<string[]> {
    const prefix = `${dir}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs, ...this.devices.keys(), ...this.symlinks]) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    return [...names].sort();
  }

  async write(path: string, content: string, options: WriteOptions): Promise<void> {
    this.writes.push(path);
    this.files.set(path, { content, mode: options.mode, uid: options.uid ?? 0, gid: options.gid ?? 0 });
  }

  async remove(path: string): Promise<void> {
    this.writes.push(`rm ${path}`);
    this.files.delete(path);
  }

  async rename(from: string, to: string): Promise<void> {
    const f = this.files.get(from);
    if (!f) throw new Error(`fake host: no ${from}`);
    this.files.set(to, f);
    this.files.delete(from);
  }

  async mkdir(path: string): Promise<void> {
    this.dirs.add(path);
  }

  async rmdir(path: string): Promise<void> {
    this.writes.push(`rmdir ${path}`);
    this.dirs.delete(path);
  }

  async readlink(path: string): Promise<string | null> {
    return this.symlinks.has(path) ? (this.linkTargets.get(path) ?? null) : null;
  }

  async symlink(target: string, path: string): Promise<void> {
    this.writes.push(`ln ${path} -> ${target}`);
    this.symlinks.add(path);
    this.linkTargets.set(path, target);
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!this.live) throw new Error(`fake host: a sandbox root runs nothing (${argv.join(' ')})`);
    const handler = this.commands[argv[0]!];
    if (!handler) throw new Error(`fake host: undeclared command ${argv.join(' ')}`);
    this.ran.push({ argv, stdin: options.stdin });
    return handler(argv, options);
  }

  async hostname(): Promise<string> {
    return this.name;
  }

  /** When set, setHostname fails as a kernel without a writable /proc/sys/kernel/hostname would. */
  setHostnameError: Error | null = null;

  async setHostname(name: string): Promise<void> {
    if (!this.live) throw new Error('fake host: a sandbox root has no running host name');
    this.ran.push({ argv: ['sethostname', name], stdin: undefined });
    if (this.setHostnameError) throw this.setHostnameError;
    this.name = name;
  }

  today(): number {
    return 20_000;
  }
}
