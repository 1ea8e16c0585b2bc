// A file some stage wants on disk: renderers and views return these; only the Host writes them.

export interface PlannedFile {
  /** Absolute path inside the target root (`/etc/hostname`), or relative to an output directory. */
  path: string;
  /** Octal permission bits, e.g. 0o644. */
  mode: number;
  content: string;
}

export const formatMode = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
