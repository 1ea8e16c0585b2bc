// The static host name, in the files the distribution reads at boot: /etc/hostname (systemd and most
// others), HOSTNAME= in /etc/sysconfig/network (EL6), /etc/HOSTNAME (SUSE). They hold the name the kernel
// gets (config/hostname.ts: the whole name up to 64 characters, else its first label).
import { staticHostname } from '../config/hostname.js';
import type { HostnameFile } from '../distro/profiles.js';
import type { PlannedFile } from './file.js';
import { setShellVar } from './format/shell-vars.js';

export function renderHostname(name: string, files: HostnameFile[], existing: (path: string) => string | null): PlannedFile[] {
  const hostname = staticHostname(name);
  return files.map((path) => {
    if (path === '/etc/sysconfig/network') {
      const current = existing(path) ?? 'NETWORKING=yes\n';
      return { path, mode: 0o644, content: setShellVar(current, 'HOSTNAME', hostname) };
    }
    return { path, mode: 0o644, content: `${hostname}\n` };
  });
}
