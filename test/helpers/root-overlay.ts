// Runs a script chrooted into a throwaway copy-on-write view of a Debian tools root (Debian 12's unless named):
// an overlay over the whole root in private mount and UTS namespaces with no network (test/helpers/sandbox.ts),
// so installing packages or starting osconf there changes nothing that persists and nothing on this machine.
// `files` (name → file or directory on this machine) are copied into its /tmp first.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianRoot } from './netns.js';
import { type RunResult } from './run.js';
import { runInSandbox } from './sandbox.js';

export async function inRootOverlay(files: Record<string, string>, script: string, root: string = debianRoot): Promise<RunResult & { upper: string; cleanup: () => void }> {
  const box = mkdtempSync(join(tmpdir(), 'osconf-rootov-'));
  for (const d of ['upper', 'work', 'merged', 'in']) mkdirSync(join(box, d));
  const copies = Object.entries(files)
    .map(([name, source]) => `cp -a "${source}" "$BOX/merged/tmp/${name}"`)
    .join('\n');
  const setup = [
    'set -eu',
    'mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$BOX/upper,workdir=$BOX/work" "$BOX/merged"',
    'mount -t proc proc "$BOX/merged/proc"',
    'mount -t tmpfs tmpfs "$BOX/merged/run"',
    'mount -t tmpfs tmpfs "$BOX/merged/tmp"',
    copies,
    'exec chroot "$BOX/merged" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -c "$1"',
  ].join('\n');
  const r = await runInSandbox('none', 'sh', ['-c', setup, 'sh', script], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ROOT: root, BOX: box },
    timeoutMs: 120_000,
  });
  return { ...r, upper: join(box, 'upper'), cleanup: () => rmSync(box, { recursive: true, force: true }) };
}
