// Paths given on the command line: relative ones are resolved against the working directory, as every
// command-line tool does; a --root that is not a directory is a usage error for every command (exit 2),
// never an empty root quietly rendered, applied or reported on.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** An optional file or directory option as an absolute path (undefined stays undefined). */
export function pathOption(path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(path);
}

/**
 * `--root DIR` as an absolute path. Throws UsageError (exit 2) when DIR does not exist or is not a directory.
 */
export function rootOption(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new UsageError(`--root ${dir}: no such directory`);
  }
  if (!isDir) throw new UsageError(`--root ${dir}: not a directory`);
  return abs;
}
