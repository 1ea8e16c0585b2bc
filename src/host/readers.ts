// The shapes of read-only access to a disk and to a root file system that is not necessarily the running
// one. Types only, so check/ (pure) programs against them with `import type` while host/ implements them
// over files, block devices, debugfs and the disk tools.

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

/** What one run of a disk tool printed; `code` is its exit status. */
export interface ToolOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A disk read by well-kept tools that never mount (util-linux sfdisk and blkid, e2fsprogs dumpe2fs, mtools
 * mdir), plus bounded byte reads for what no tool reports (the MBR's boot code). Each method resolves null
 * when its tool is not installed; offsets and sizes are bytes.
 */
export interface DiskTools {
  readonly path: string;
  /** Bytes; 0 when unknown. */
  readonly size: number;
  readAt: ReadAt;
  /** `sfdisk --json DISK`: the partition table (MBR with EBR chains, GPT). */
  partitionTable(): Promise<ToolOutput | null>;
  /** `blkid --probe --output export --offset O --size S DISK`: the file system's type and label. */
  probe(offset: number, size: number): Promise<ToolOutput | null>;
  /** `dumpe2fs -h DISK?offset=O`: an ext superblock's features and counts. */
  extSuperblock(offset: number): Promise<ToolOutput | null>;
  /** `mdir -a -b -i DISK@@O DIR`: the names in a FAT directory (`dir` as mtools spells it, `::/` for the root). */
  fatDirectory(offset: number, dir: string): Promise<ToolOutput | null>;
}
