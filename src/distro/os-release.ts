// Parses os-release(5): shell-style KEY=value lines. Pure; the caller reads /etc/os-release or
// /usr/lib/os-release. https://www.freedesktop.org/software/systemd/man/os-release.html
import { readAssignments } from '../shell/assignments.js';

export type OsRelease = Record<string, string>;

// The bound os.conf has: a real os-release is a few hundred bytes, and a larger one reads as empty.
const MAX_OS_RELEASE_BYTES = 64 * 1024;

/** Lines a shell reader refuses are skipped: os-release is informational and never fatal. */
export function parseOsRelease(text: string): OsRelease {
  const parsed = readAssignments(text, { maxBytes: MAX_OS_RELEASE_BYTES });
  const out: OsRelease = {};
  for (const entry of parsed.entries.values()) out[entry.key] = entry.value;
  return out;
}

/**
 * EL6 has no os-release, only /etc/redhat-release ("CentOS release 6.10 (Final)"); this turns that line into
 * the os-release fields detection needs.
 */
export function osReleaseFromRedhatRelease(text: string): OsRelease | null {
  const m = /^(.*?) release (\d+(?:\.\d+)*)/.exec(text.trim());
  if (!m) return null;
  const name = m[1]!;
  const id = /centos/i.test(name) ? 'centos' : /red hat/i.test(name) ? 'rhel' : /alibaba|aliyun/i.test(name) ? 'alinux' : /oracle/i.test(name) ? 'ol' : 'rhel';
  return { NAME: name, ID: id, ID_LIKE: 'rhel', VERSION_ID: m[2]! };
}
