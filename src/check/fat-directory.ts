// A FAT directory as mtools lists it without mounting (`mdir -a -b`, host/disk-file.ts), so that
// `check --image` sees aliyun_custom_image/ and EFI/ on a FAT partition. mtools follows the cluster chains
// itself (and stops at a chain that loops); this module only parses its listing, in a pure function tested
// on captured outputs.

export interface FatEntry {
  name: string;
  directory: boolean;
}

/**
 * The entries of `dir` (as mtools spells it: `::/` or `::/aliyun_custom_image/`) from what
 * `mdir -a -b -i DISK@@OFFSET DIR` printed: one full path a line (mtools mdir(1), "-b": bare output), a
 * directory's ending in `/`; hidden and system entries included (-a). Lines outside `dir`, `.`, `..` and
 * names holding a `/` are left out; the names are in mdir's order.
 */
export function parseMdirBare(stdout: string, dir: string): FatEntry[] {
  const entries: FatEntry[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(dir)) continue;
    const rest = line.slice(dir.length);
    const directory = rest.endsWith('/');
    const name = directory ? rest.slice(0, -1) : rest;
    if (name === '' || name === '.' || name === '..' || name.includes('/')) continue;
    entries.push({ name, directory });
  }
  return entries;
}
