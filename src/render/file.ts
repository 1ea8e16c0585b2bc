// A file some stage wants on disk: renderers and views return these; only the Host writes them.
// Here, in the lowest layer that makes files, so renderers, views and planners all import it downward.

export interface PlannedFile {
  /** Absolute path inside the target root (`/etc/hostname`), or relative to an output directory. */
  path: string;
  /** Octal permission bits, e.g. 0o644. */
  mode: number;
  content: string;
}

/** `0o644` → `"0644"`, `0o4755` → `"04755"`: a 0, then the permission bits (file type dropped) in octal, at least three digits. */
export const formatMode = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** Where apply keeps, once, the original of every file it replaces or removes (`BACKUP_DIR/etc/hosts`). */
export const BACKUP_DIR = '/var/lib/osconf/backup';
