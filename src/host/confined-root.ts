// Paths inside a root directory, resolved component by component through open directory descriptors, so that
// no symbolic link takes a path out of the root and nothing swapped in after the check can redirect the use.
// Node has no openat(2): a name inside an open directory is reached as /proc/self/fd/N/NAME (the kernel
// resolves the descriptor's magic link to that very directory, then looks NAME up in it), the way ConfDir in
// os-conf-file.ts reaches the first partition.
//
// Each directory on the way is opened with O_DIRECTORY|O_NOFOLLOW: that open is the check (a link or a file
// there fails it), and everything after acts through the descriptor it returned. Two rules for links met on
// the way (path_resolution(7), chroot(2)):
// - 'inside' (apply, render, status, the lock): a link is resolved as the root's own system would see it,
//   an absolute target from the root; a link that climbs above the root is refused (above `/` is `/`).
// - 'never' (prepare, and check's reads, whose paths RootView already resolved): any link on the way is
//   refused, since the plan was made from paths with none; one found now was swapped in after planning.
// The last component is never followed here: callers lstat, open with O_NOFOLLOW, unlink or rename it.
import { constants, promises as fs } from 'node:fs';
import { OperationalError, describeSystemError, errorCode } from '../errors.js';

export type LinkRule = 'inside' | 'never';

/** As the kernel's MAXSYMLINKS (path_resolution(7): at most 40 links in one resolution). */
const MAX_LINKS = 40;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A path inside an open directory descriptor (what openat(2) would take as dirfd + name). */
export function fdPath(handle: fs.FileHandle, name?: string): string {
  if (name !== undefined && (name === '' || name.includes('/') || name === '.' || name === '..')) throw new Error(`not a name: ${name}`);
  return name === undefined ? `/proc/self/fd/${handle.fd}` : `/proc/self/fd/${handle.fd}/${name}`;
}

/** A refused path: a link leaving the root, a link where none may be, a loop of links. */
export class ConfinementError extends OperationalError {}

/** The directory holding a path's last component, held open. */
export interface Place {
  /** The open directory. */
  readonly dir: fs.FileHandle;
  /** The last component of the path. */
  readonly name: string;
  /** The path as messages show it (root joined with the path asked for). */
  readonly shown: string;
  /** A path reaching `name` (default: the last component) inside the held directory. */
  at(name?: string): string;
  close(): Promise<void>;
}

export class ConfinedRoot {
  private procChecked = false;

  /**
   * @param root the directory that is `/` for every path given (followed as given: the caller chose it).
   * @param links what a symbolic link on the way does (see the file's comment).
   */
  constructor(
    readonly root: string,
    readonly links: LinkRule,
  ) {}

  /** `path` as messages show it: the root joined with it. */
  shown(path: string): string {
    return this.root === '/' ? path : `${this.root.replace(/\/+$/, '')}${path}`;
  }

  /**
   * The open directory holding `path`'s last component (not followed), or null when a directory on the way
   * is absent or is no directory. With `create`, absent directories are created with that mode (mkdirat
   * through the held parent) and null is never returned.
   * @throws ConfinementError (a link refused, a loop), OperationalError (a directory cannot be opened or
   * created; not a directory with `create`).
   */
  async parent(path: string, create?: number): Promise<Place | null> {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw new Error(`no file name in ${path}`);
    const dir = await this.walk(path, parts, create);
    if (!dir) return null;
    const shown = this.shown(path);
    return {
      dir,
      name,
      shown,
      at: (n = name) => fdPath(dir, n),
      close: () => dir.close(),
    };
  }

  /**
   * `path` itself opened as a directory (links on the way, the last one included, by the rule), or null when
   * absent or no directory. With `create`, missing directories are made with that mode.
   * @throws as parent().
   */
  directory(path: string, create?: number): Promise<fs.FileHandle | null> {
    return this.walk(path, split(path), create);
  }

  private async openRoot(): Promise<fs.FileHandle> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.root, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK);
    } catch (e) {
      throw new OperationalError(`failed to open the root ${this.root}: ${describeSystemError(e)}`, { cause: e });
    }
    // Without procfs every name would look absent: that must fail, never read as "no such file".
    if (!this.procChecked) {
      const ok = await fs.stat(fdPath(handle)).then((s) => s.isDirectory(), () => false);
      if (!ok) {
        await handle.close();
        throw new OperationalError(`cannot reach ${this.root} through /proc/self/fd (is /proc mounted?)`);
      }
      this.procChecked = true;
    }
    return handle;
  }

  private async walk(path: string, parts: string[], create: number | undefined): Promise<fs.FileHandle | null> {
    // The open directories from the root down, and their names: `..` closes the last one.
    const stack: fs.FileHandle[] = [await this.openRoot()];
    const names: string[] = [];
    let pending = parts;
    let links = 0;
    let retries = 0;
    try {
      while (pending.length > 0) {
        const part = pending.shift()!;
        if (part === '' || part === '.') continue;
        if (part === '..') {
          // Above `/` is `/` itself (path_resolution(7)); above any other root is outside it.
          if (stack.length === 1 && this.root === '/') continue;
          if (stack.length === 1) throw new ConfinementError(`refusing ${this.shown(path)}: a symbolic link on the way leads above ${this.root}`);
          await stack.pop()!.close();
          names.pop();
          continue;
        }
        const top = stack[stack.length - 1]!;
        const at = fdPath(top, part);
        const next = this.shown(`/${[...names, part].join('/')}`);
        try {
          stack.push(await fs.open(at, DIR_FLAGS));
          names.push(part);
          continue;
        } catch (e) {
          const code = errorCode(e);
          if (code === 'ENOENT') {
            if (create === undefined) return null;
            await fs.mkdir(at, create).catch((f: unknown) => {
              if (errorCode(f) !== 'EEXIST') throw new OperationalError(`failed to create ${next}: ${describeSystemError(f)}`, { cause: f });
            });
            if (++retries > MAX_LINKS) throw new OperationalError(`failed to create ${next}: it keeps changing`);
            pending.unshift(part);
            continue;
          }
          // Linux gives ENOTDIR (not ELOOP) for a link opened with O_DIRECTORY|O_NOFOLLOW: lstat says which.
          if (code !== 'ENOTDIR' && code !== 'ELOOP') throw new OperationalError(`failed to open ${next}: ${describeSystemError(e)}`, { cause: e });
        }
        const stat = await fs.lstat(at).catch(() => null);
        if (stat === null) {
          // Gone between the open and the lstat: look again, a bounded number of times.
          if (++retries > MAX_LINKS) throw new OperationalError(`failed to open ${next}: it keeps changing`);
          pending.unshift(part);
          continue;
        }
        if (!stat.isSymbolicLink()) {
          if (create === undefined) return null;
          throw new OperationalError(`failed to create ${this.shown(path)}: ${next} is not a directory`);
        }
        if (this.links === 'never') throw new ConfinementError(`refusing ${this.shown(path)}: ${next} is a symbolic link (nothing is done through a link)`);
        if (++links > MAX_LINKS) throw new ConfinementError(`refusing ${this.shown(path)}: too many levels of symbolic links (ELOOP)`);
        const target = await fs.readlink(at);
        if (target.startsWith('/')) {
          // Absolute: from the root, as the root's own system would read it.
          while (stack.length > 1) await stack.pop()!.close();
          names.length = 0;
        }
        pending = [...split(target), ...pending];
      }
      return stack.pop()!;
    } finally {
      for (const handle of stack) await handle.close();
    }
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}
