// The pure core stays pure: its folders import no file system, no processes, no environment and no clock,
// so everything in them is tested without root (docs/design.md, Layout).
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const PURE = ['config', 'datasource', 'distro', 'render', 'plan', 'check', 'prepare'];
const ALLOWED_IO = new Set<string>([]);
// Also no import of the modules that do the I/O (the Host, the directory probe).
const FORBIDDEN = [/from 'node:(fs|child_process|os|net|dgram)'/, /\bprocess\.env\b/, /\bDate\.now\(\)|new Date\(\)/, /from '\.\.\/host\//, /from '[./]+(distro\/)?probe\.js'/];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('pure folders use no I/O, environment or clock', (t) => {
  const offences: string[] = [];
  for (const folder of PURE) {
    for (const file of files(join(repoRoot, 'src', folder))) {
      const rel = file.slice(join(repoRoot, 'src').length + 1);
      if (ALLOWED_IO.has(rel)) continue;
      const text = readFileSync(file, 'utf8');
      for (const rule of FORBIDDEN) if (rule.test(text)) offences.push(`${rel}: ${rule}`);
    }
  }
  t.deepEqual(offences, []);
});
