// Golden trees: a directory of expected files compared exactly with what the code produced (missing and
// extra files fail, bytes and modes compared). Git keeps no modes but 644/755, so each tree lists its files'
// modes in a `.modes` manifest. OSCONF_UPDATE_GOLDEN=1 rewrites the trees on purpose; review the diff.
import type { ExecutionContext } from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { PlannedFile } from '../../src/render/file.js';
import { formatMode } from '../../src/render/file.js';

export const updating = process.env.OSCONF_UPDATE_GOLDEN === '1';
const MODES = '.modes';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)))
    .filter((p) => p !== MODES)
    .sort();
}

function readModes(dir: string): Map<string, string> {
  const path = join(dir, MODES);
  if (!existsSync(path)) return new Map();
  return new Map(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [mode, ...rest] = line.split(' ');
        return [rest.join(' '), mode!] as [string, string];
      }),
  );
}

export function compareGoldenTree(t: ExecutionContext, dir: string, files: PlannedFile[]): void {
  const actual = new Map(files.map((f) => [f.path.replace(/^\/+/, ''), f]));
  if (updating) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [path, f] of actual) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
    const manifest = [...actual.keys()].sort().map((p) => `${formatMode(actual.get(p)!.mode)} ${p}\n`);
    writeFileSync(join(dir, MODES), manifest.join(''));
  }
  const expected = listFiles(dir);
  const modes = readModes(dir);
  t.deepEqual([...actual.keys()].sort(), expected, `files in ${relative(process.cwd(), dir)}`);
  t.deepEqual([...modes.keys()].sort(), expected, `${MODES} lists every file of ${relative(process.cwd(), dir)}`);
  for (const path of expected) {
    const f = actual.get(path);
    if (!f) continue;
    t.is(f.content, readFileSync(join(dir, path), 'utf8'), `content of ${path}`);
    t.is(formatMode(f.mode), modes.get(path) ?? '(not in .modes)', `mode of ${path}`);
  }
}
