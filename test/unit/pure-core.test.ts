// The pure core stays pure: its folders import no file system, no processes, no environment and no clock,
// so everything in them is tested without root (docs/design.md, Layout).
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers/paths.js';

const PURE = ['shell', 'config', 'settings', 'datasource', 'distro', 'render', 'plan', 'check', 'prepare', 'test-image'];
const ALLOWED_IO = new Set(['check/gather.ts', 'test-image/boot.ts']);
// host/ modules that declare only types: pure code may `import type` from them (erased when compiled, so no
// I/O comes along); any other import of host/ brings the Host or a reader with it.
const HOST_TYPES_ONLY = new Set(['host/readers.ts']);
// Also no import of the directory probe (host/ imports are checked below).
const FORBIDDEN = [/from 'node:(fs|child_process|os|net|dgram)'/, /\bprocess\.env\b/, /\bDate\.now\(\)|new Date\(\)/, /from '[./]+(distro\/)?probe\.js'/];
// Every static import or re-export with a module name, side-effect imports and import(): group 1 marks
// `import type` / `export type`, group 2 is the module name.
const IMPORT = /\b(?:import|export)(\s+type)?\b(?:[^'";]*?\bfrom)?\s*\(?\s*['"]([^'"]+)['"]/g;

const srcDir = join(repoRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** `host/…` offences in one pure file: value imports of host/, and type imports of a host module with values. */
function hostImportOffences(rel: string, text: string): string[] {
  const offences: string[] = [];
  for (const [, type, spec] of text.matchAll(IMPORT)) {
    if (!spec!.startsWith('.')) continue;
    const target = relative(srcDir, resolve(srcDir, dirname(rel), spec!)).replace(/\.js$/, '.ts');
    if (!target.startsWith('host/')) continue;
    if (!type) offences.push(`${rel}: imports values from ${target}; the pure core may only \`import type\` from a types-only host module`);
    else if (!HOST_TYPES_ONLY.has(target)) offences.push(`${rel}: imports types from ${target}, which is not a types-only host module`);
  }
  return offences;
}

test('pure folders use no I/O, environment or clock', (t) => {
  const offences: string[] = [];
  for (const folder of PURE) {
    for (const file of files(join(srcDir, folder))) {
      const rel = relative(srcDir, file);
      if (ALLOWED_IO.has(rel)) continue;
      const text = readFileSync(file, 'utf8');
      for (const rule of FORBIDDEN) if (rule.test(text)) offences.push(`${rel}: ${rule}`);
      offences.push(...hostImportOffences(rel, text));
    }
  }
  t.deepEqual(offences, []);
});

test('the host modules pure code may import types from declare only types', (t) => {
  for (const rel of HOST_TYPES_ONLY) {
    const { outputText } = ts.transpileModule(readFileSync(join(srcDir, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true },
    });
    // A module of types compiles to nothing but the marker that keeps it a module.
    t.is(outputText.trim(), 'export {};', `${rel} compiles to code`);
  }
});

test('a value import of host/ is an offence, a type import only from a types-only module', (t) => {
  t.deepEqual(hostImportOffences('check/x.ts', "import type { RootReader } from '../host/readers.js';\nexport type { ReadAt } from '../host/readers.js';"), []);
  t.deepEqual(hostImportOffences('render/format/x.ts', "import type {\n  ReadAt,\n} from '../../host/readers.js';"), []);
  t.deepEqual(hostImportOffences('check/x.ts', "import { NodeHost } from '../host/node-host.js';"), [
    'check/x.ts: imports values from host/node-host.ts; the pure core may only `import type` from a types-only host module',
  ]);
  t.deepEqual(hostImportOffences('check/x.ts', "import {\n  type RootReader,\n} from '../host/readers.js';"), [
    'check/x.ts: imports values from host/readers.ts; the pure core may only `import type` from a types-only host module',
  ]);
  t.is(hostImportOffences('check/x.ts', "import '../host/node-host.js';").length, 1);
  t.is(hostImportOffences('check/x.ts', "const m = await import('../host/node-host.js');").length, 1);
  t.is(hostImportOffences('check/x.ts', "export * from '../host/readers.js';").length, 1);
  t.deepEqual(hostImportOffences('check/x.ts', "import type { Host } from '../host/host.js';"), [
    'check/x.ts: imports types from host/host.ts, which is not a types-only host module',
  ]);
  t.deepEqual(hostImportOffences('check/x.ts', "export const where = '../host/x.js';\nimport { a } from './host/b.js';"), []);
});

test('below the CLI, only the Host (and its readers), check/gather.ts, test-image/boot.ts (qemu, SSH) and the logger touch the file system or run commands', (t) => {
  const IO_MODULES = /^(host\/|cli\/|main\.ts$|log\.ts$|check\/gather\.ts$|test-image\/boot\.ts$)/;
  const IO = /from 'node:(fs|fs\/promises|child_process)'|require\('(node:)?(fs|child_process)'\)/;
  const offences = files(srcDir)
    .map((f) => relative(srcDir, f))
    .filter((rel) => !IO_MODULES.test(rel) && IO.test(readFileSync(join(srcDir, rel), 'utf8')));
  t.deepEqual(offences, []);
});
