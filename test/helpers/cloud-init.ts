// Debian 12's cloud-init (22.4), unpacked by scripts/install-test-deps.sh into .tools/cloud-init and run
// with the system python3. Missing tools fail the test: nothing here skips.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toolsDir } from './paths.js';
import { run, type RunResult } from './run.js';

const root = join(toolsDir, 'cloud-init');
const entry = join(root, 'usr', 'bin', 'cloud-init');

export function cloudInit(args: string[]): Promise<RunResult> {
  if (!existsSync(entry)) throw new Error(`cloud-init is not unpacked at ${root}: run scripts/install-test-deps.sh`);
  return run('/usr/bin/python3', [entry, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: join(root, 'usr', 'lib', 'python3', 'dist-packages'), LANG: 'C.UTF-8' },
  });
}

/** Runs Python `code` (with `args` as sys.argv[1:]) against the same unpacked cloud-init, for batch calls into it. */
export function cloudInitPython(code: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  if (!existsSync(entry)) throw new Error(`cloud-init is not unpacked at ${root}: run scripts/install-test-deps.sh`);
  return run('/usr/bin/python3', ['-c', code, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: join(root, 'usr', 'lib', 'python3', 'dist-packages'), LANG: 'C.UTF-8' },
    timeoutMs,
  });
}
