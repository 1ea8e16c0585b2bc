// What `osconf check` inspects, gathered once by the CLI: the root file system (through a RootView), the
// system disk's layout, and the root file system's type and usage. Any part can be missing, with the
// reason; items that need it then report a WARNING saying what was not checked.
import type { DiskLayout, FsInfo } from './disk-layout.js';
import type { RootView } from './root-view.js';

export type TargetKind = 'running' | 'root' | 'image';

export interface Usage {
  total: number;
  free: number;
}

export interface CheckTarget {
  kind: TargetKind;
  /** The system's files, or null with the reason (an XFS root inside an image, ...). */
  root: RootView | null;
  rootMissing?: string;
  /** The system disk, or null with the reason (a directory has no disk). */
  disk: DiskLayout | null;
  diskMissing?: string;
  /** The root file system's type (and ext features) when known. */
  rootFs: { type: string; features?: string[] } | null;
  blocks: Usage | null;
  inodes: Usage | null;
  /** Names at the top of the first partition, or null when they could not be read. */
  firstPartitionEntries: Array<{ name: string; directory: boolean }> | null;
  firstPartitionMissing?: string;
}

export type { FsInfo };
