// Reads the facts detection needs from a root directory (`/` or a sandbox). The only I/O of distro/.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { readTextIfPresent } from '../host/read-text.js';
import type { DetectFacts } from './detect.js';
import { probeWith, type ProbeAccess } from './facts.js';

function directoryAccess(root: string): ProbeAccess {
  return {
    exists: async (path) => {
      try {
        await fs.lstat(join(root, path));
        return true;
      } catch {
        return false;
      }
    },
    list: async (dir) => {
      try {
        return await fs.readdir(join(root, dir));
      } catch {
        return [];
      }
    },
    read: (path) => readTextIfPresent(join(root, path)),
    readlink: (path) => fs.readlink(join(root, path)).catch(() => null),
  };
}

export function probeRoot(root: string): Promise<DetectFacts> {
  return probeWith(directoryAccess(root));
}
