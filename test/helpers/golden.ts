// Golden trees: a directory of expected files compared exactly with what the code produced (missing and
// extra files fail, bytes and modes compared). OSCONF_UPDATE_GOLDEN=1 rewrites them on purpose; review the diff.
import type { ExecutionContext } from 'ava';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { PlannedFile } from '../../src/plan/file.js';
import { formatMode } from '../../src/plan/file.js';

export const updating = process.env.OSCONF_UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)))
    .sort();
}

export function compareGoldenTree(t: ExecutionContext, dir: string, files: PlannedFile[]): void {
  const actual = new Map(files.map((f) => [f.path.replace(/^\/+/, ''), f]));
  if (updating) {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, f] of actual) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
      chmodSync(target, f.mode);
    }
  }
  const expected = listFiles(dir);
  t.deepEqual([...actual.keys()].sort(), expected, `files in ${relative(process.cwd(), dir)}`);
  for (const path of expected) {
    const f = actual.get(path);
    if (!f) continue;
    const target = join(dir, path);
    t.is(f.content, readFileSync(target, 'utf8'), `content of ${path}`);
    t.is(formatMode(f.mode), formatMode(statSync(target).mode), `mode of ${path}`);
  }
}
