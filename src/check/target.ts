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
  /** Names inside partition 1's aliyun_custom_image/ (a leftover os.conf holds a password); absent when not read, with the reason in customImageMissing. */
  customImageEntries?: string[];
  customImageMissing?: string;
  /** What boot loaders leave on the disk, when the disk was read. */
  bootLoader?: BootLoaderFacts;
}

/**
 * Whether firmware can start anything from the disk. BIOS runs the code in the MBR's first 440 bytes (the
 * boot code area before the disk signature; GRUB's boot.img, syslinux's mbr.bin): all zero, nothing starts.
 * UEFI runs a loader from an EFI system partition (MBR type 0xEF, GPT type C12A7328-F81F-11D2-BA4B-00A0C93EC93B),
 * a FAT file system with an EFI/ directory (UEFI specification: the system partition's directory structure, with
 * \EFI\BOOT\BOOTX64.EFI as the removable-media default and a directory per vendor).
 */
export interface BootLoaderFacts {
  /** The MBR's boot code area holds anything but zeros. */
  mbrBootCode: boolean;
  /** The EFI system partitions found, by number, and whether each has an EFI/ directory at its top. */
  efiSystemPartitions: Array<{ number: number; efiDirectory: boolean }>;
}

export type { FsInfo };
