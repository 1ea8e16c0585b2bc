// One managed line in /etc/hosts mapping the host name, updated in place: every other line stays as it is,
// and there is never a second osconf line. The address is the primary private address (eth0, as Alibaba
// Cloud's own images do), or 127.0.1.1 (Debian's convention) when os.conf configures no NIC.
import type { InstanceConfig } from '../config/model.js';
import type { PlannedFile } from './file.js';
import { MANAGED_LINE_MARKER } from './header.js';

export const HOSTS_FILE = '/etc/hosts';

const DEFAULT_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

export function renderHosts(config: InstanceConfig, existing: string | null): PlannedFile | null {
  if (!config.hostname) return null;
  const address = config.interfaces.find((n) => n.name === 'eth0')?.address ?? config.interfaces[0]?.address ?? '127.0.1.1';
  const names = config.hostname.includes('.') ? `${config.hostname} ${config.hostname.split('.')[0]}` : config.hostname;
  const managed = `${address}\t${names}\t${MANAGED_LINE_MARKER}`;
  const lines = (existing ?? DEFAULT_HOSTS).replace(/\n$/, '').split('\n');
  const index = lines.findIndex((l) => l.endsWith(MANAGED_LINE_MARKER));
  const kept = lines.filter((l) => !l.endsWith(MANAGED_LINE_MARKER));
  if (index === -1) kept.push(managed);
  else kept.splice(Math.min(index, kept.length), 0, managed);
  return { path: HOSTS_FILE, mode: 0o644, content: `${kept.join('\n')}\n` };
}
