// The one interface through which osconf touches a system. Everything above it (planning, rendering,
// validation) is pure and testable without root; tests use a Host that refuses undeclared commands.
// Paths are absolute paths inside the target root (`/etc/hostname`); the Host maps them onto its root.

export interface FileInfo {
  mode: number;
  uid: number;
  gid: number;
  isSymlink: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Text on the command's stdin; a secret never appears in argv. */
  stdin?: string;
  timeoutMs?: number;
}

/** A device number (dev_t) split into its two parts, as major(3) and minor(3) give them. */
export interface DeviceNumber {
  major: number;
  minor: number;
}

export interface WriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

export interface Host {
  /** `/` for the running system, else a sandbox root. */
  readonly root: string;
  /** True when commands may act on the running system (never for a sandbox root). */
  readonly live: boolean;
  /** The file's text, or null when absent. Never follows a symbolic link at the path itself. */
  read(path: string): Promise<string | null>;
  info(path: string): Promise<FileInfo | null>;
  list(dir: string): Promise<string[]>;
  /** Atomic replace: temp file in the same directory, fsync, rename, fsync the directory. */
  write(path: string, content: string, options: WriteOptions): Promise<void>;
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string, mode: number): Promise<void>;
  /** Removes an empty directory. */
  rmdir(path: string): Promise<void>;
  /** A symbolic link's target as stored (relative or absolute), or null when `path` is no link or absent. */
  readlink(path: string): Promise<string | null>;
  /** Creates a symbolic link at `path` pointing to `target` (stored as given). */
  symlink(target: string, path: string): Promise<void>;
  /**
   * The absolute path with every symbolic link on it followed and `.`, `..` and repeated `/` removed, as
   * realpath(3) gives it (`/sys/dev/block/253:1` -> `/sys/devices/.../block/vda/vda1`). Null when the path or a
   * component is absent, or a link on it dangles or loops (ENOENT, ENOTDIR, ELOOP). Live hosts only: what it
   * resolves (sysfs, /dev) is the running system's.
   * @throws OperationalError on a sandbox root, or on another error (EACCES).
   */
  realpath(path: string): Promise<string | null>;
  /**
   * The device number of the block or character device at `path`, links followed: stat(2)'s st_rdev split as
   * glibc's major(3) and minor(3) do (makedev(3)). Null when the path is absent, a link on it dangles or loops,
   * or it is no device. Live hosts only. (Under a libuv that loses the minor, Node.js 10 and 12, the real Host
   * asks coreutils' `stat` instead: node-host.ts.)
   * @throws OperationalError on a sandbox root, or on another error (EACCES).
   */
  deviceNumber(path: string): Promise<DeviceNumber | null>;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** The running system's host name (live hosts only). */
  hostname(): Promise<string>;
  /**
   * Sets the running system's (the UTS namespace's) host name: writes /proc/sys/kernel/hostname, as
   * sethostname(2) does (proc(5)). Live hosts only.
   * @throws OsconfError on a sandbox root; the write's error (EACCES, EINVAL, ENOENT without /proc).
   */
  setHostname(name: string): Promise<void>;
  /** Whole days since 1970-01-01, for /etc/shadow's last-change field. */
  today(): number;
}
