// Reads the facts detection needs from a root directory (`/` or a sandbox). The only I/O of distro/.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { readTextIfPresent } from '../host/read-text.js';
import { PROBE_PATHS, type DetectFacts } from './detect.js';
import { osReleaseFromRedhatRelease, parseOsRelease, type OsRelease } from './os-release.js';

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch {
    return [];
  }
}

async function enabledServices(root: string): Promise<Set<string>> {
  const enabled = new Set<string>();
  const systemdDir = join(root, 'etc/systemd/system');
  for (const entry of await names(systemdDir)) {
    if (entry.endsWith('.wants') || entry.endsWith('.requires')) {
      for (const unit of await names(join(systemdDir, entry))) enabled.add(unit);
    }
  }
  for (const level of await names(join(root, 'etc/runlevels'))) {
    for (const service of await names(join(root, 'etc/runlevels', level))) enabled.add(service);
  }
  for (const link of await names(join(root, 'etc/rc3.d'))) {
    if (link.startsWith('S')) enabled.add(link.replace(/^S\d+/, ''));
  }
  return enabled;
}

export async function probeRoot(root: string): Promise<DetectFacts> {
  const osText = (await readTextIfPresent(join(root, 'etc/os-release'))) ?? (await readTextIfPresent(join(root, 'usr/lib/os-release')));
  let osRelease: OsRelease | null = osText === null ? null : parseOsRelease(osText);
  if (osRelease === null) {
    const redhat = await readTextIfPresent(join(root, 'etc/redhat-release'));
    osRelease = redhat === null ? null : osReleaseFromRedhatRelease(redhat);
  }
  const paths = new Set<string>();
  for (const p of PROBE_PATHS) if (await exists(join(root, p))) paths.add(p);
  const nmConf = (await readTextIfPresent(join(root, 'etc/NetworkManager/NetworkManager.conf'))) ?? '';
  const plugins = /^\s*plugins\s*=\s*(.*)$/m.exec(nmConf);
  return {
    osRelease,
    paths,
    enabled: await enabledServices(root),
    nmPlugins: plugins ? plugins[1]!.trim() : null,
  };
}
