// Parses os-release(5): shell-style KEY=value lines. Pure; the caller reads /etc/os-release or
// /usr/lib/os-release. https://www.freedesktop.org/software/systemd/man/os-release.html
import { parseOsConf } from '../config/parse.js';

export type OsRelease = Record<string, string>;

/** Lines a shell reader refuses are skipped: os-release is informational and never fatal. */
export function parseOsRelease(text: string): OsRelease {
  const parsed = parseOsConf(text);
  const out: OsRelease = {};
  for (const entry of parsed.entries.values()) out[entry.key] = entry.value;
  return out;
}
