// Builds a throwaway root directory from a fixture: os-release, marker files, symlinks, extra files.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DistroFixture } from '../fixtures/distros.js';

export function buildRoot(fixture: Pick<DistroFixture, 'osRelease' | 'files' | 'links' | 'extra'>): string {
  const root = mkdtempSync(join(tmpdir(), 'osconf-root-'));
  const put = (path: string, content: string) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  };
  if (fixture.osRelease) put('/etc/os-release', fixture.osRelease);
  for (const f of fixture.files) put(f, '');
  for (const [path, content] of Object.entries(fixture.extra ?? {})) put(path, content);
  for (const [link, target] of fixture.links ?? []) {
    mkdirSync(dirname(join(root, link)), { recursive: true });
    symlinkSync(target, join(root, link));
  }
  return root;
}
