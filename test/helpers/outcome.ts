// What two runs of the CLI (two Node.js builds, two installs) are compared by: their output and the files they
// wrote, with what legitimately differs between two runs replaced by markers.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * `text` with each directory of `dirs` (marker → path) replaced by its marker, and crypt salts and hashes,
 * times, durations and the host's disk usage replaced by fixed markers.
 */
export function normalise(text: string, dirs: Record<string, string>): string {
  let out = text;
  for (const [marker, dir] of Object.entries(dirs)) out = out.split(dir).join(marker);
  return out
    .replace(/\$6\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}/g, '$6$<salt>$<hash>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d/g, '<time>')
    .replace(/"durationMs": \d+/g, '"durationMs": <ms>')
    .replace(/\b\d+ ms\b/g, '<ms> ms')
    // check reports the host's disk usage, which other processes change between two runs.
    .replace(/\b\d+% full\b/g, '<n>% full');
}

/** Every file under `root` (`/path mode` → content, mode in octal), for comparing what two applies wrote. */
export function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const s = statSync(full);
      const key = `/${relative(root, full)} ${(s.mode & 0o7777).toString(8)}`;
      if (s.isDirectory()) walk(full);
      else out[key] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}
