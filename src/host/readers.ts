// The shapes of read-only access to a disk and to a root file system that is not necessarily the running
// one. Types only, so check/ (pure) programs against them with `import type` while host/ implements them
// over files, block devices and debugfs.

/** Reads `length` bytes at byte `offset`; fewer at the end of the disk. */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface EntryInfo {
  type: EntryType;
  size: number;
  mode: number;
}

/** What a source of files provides; paths given to it contain no symbolic links (RootView resolves them). */
export interface RootReader {
  /** For messages: `/`, a directory, `disk.img partition 2`. */
  readonly description: string;
  lstat(path: string): Promise<EntryInfo | null>;
  readlink(path: string): Promise<string | null>;
  readFile(path: string, maxBytes: number): Promise<Buffer | null>;
  list(path: string): Promise<string[]>;
  /** chattr attributes that forbid changing the file, or null when they cannot be read. */
  lockedAttributes(path: string): Promise<{ immutable: boolean; appendOnly: boolean } | null>;
}
