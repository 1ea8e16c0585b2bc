// Layers point down only: no import cycle in src/, between modules or between folders (an edge A → B when a
// module in src/A imports one in src/B; top-level files such as main.ts are their own nodes). Type imports
// and import() count: a cycle of types still ties two layers together.
// The graph comes from madge, a maintained dependency-graph library, rather than an import parser of our own;
// the cycles are enumerated here because madge's circular() reports one cycle per back edge of its search
// and can leave out a cycle through a module it has already finished.
import test from 'ava';
import madge from 'madge';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

type Graph = Record<string, string[]>;

/** Module → imported modules, paths relative to `dir`; throws when an import names no file (a cycle could hide there). */
async function importGraph(dir: string, tsConfig: string): Promise<Graph> {
  const result = await madge(dir, {
    fileExtensions: ['ts'],
    tsConfig,
    detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
  });
  const { skipped } = result.warnings();
  if (skipped.length > 0) throw new Error(`madge could not resolve: ${skipped.join(', ')}`);
  return result.obj();
}

/** The folder graph: `render/format/yaml.ts` is node `render`, `main.ts` is node `main.ts`; no self edges. */
function folderGraph(modules: Graph): Graph {
  const node = (module: string): string => module.split('/')[0]!;
  const out: Record<string, Set<string>> = {};
  for (const [from, imports] of Object.entries(modules)) {
    const edges = (out[node(from)] ??= new Set());
    for (const to of imports) if (node(to) !== node(from)) edges.add(node(to));
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** Strongly connected components (Tarjan): node → component number. */
function components(graph: Graph): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const stack: string[] = [];
  let counter = 0;
  let count = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    for (const w of graph[v] ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (!comp.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      let w: string;
      do {
        w = stack.pop()!;
        comp.set(w, count);
      } while (w !== v);
      count++;
    }
  };
  for (const v of Object.keys(graph).sort()) if (!index.has(v)) visit(v);
  return comp;
}

/**
 * Every elementary cycle, each once, written from its first node in sort order back to it
 * (`a.ts → b.ts → a.ts`). Searches only inside strongly connected components, so an acyclic graph costs one
 * pass; stops at `limit` cycles.
 */
function cycles(graph: Graph, limit = 200): string[] {
  const comp = components(graph);
  const found: string[] = [];
  for (const start of Object.keys(graph).sort()) {
    const path = [start];
    const walk = (node: string): void => {
      for (const next of graph[node] ?? []) {
        if (found.length >= limit) return;
        if (next === start) found.push([...path, start].join(' → '));
        else if (next > start && comp.get(next) === comp.get(start) && !path.includes(next)) {
          path.push(next);
          walk(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const src = join(repoRoot, 'src');
const graph = importGraph(src, join(repoRoot, 'tsconfig.json'));

test('the import graph holds every module of src/', async (t) => {
  const modules = Object.keys(await graph).sort();
  t.deepEqual(modules, tsFiles(src).map((f) => relative(src, f)).sort());
});

test('no module import cycle in src/', async (t) => {
  const found = cycles(await graph);
  t.deepEqual(found, [], `module import cycles in src/:\n${found.join('\n')}`);
});

test('no folder import cycle in src/', async (t) => {
  const found = cycles(folderGraph(await graph));
  t.deepEqual(found, [], `folder import cycles in src/:\n${found.join('\n')}`);
});

test('cycles through type imports and import() are found, between modules and between folders', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    'src/a/one.ts': "import type { Two } from '../b/two.js';\nexport type One = Two | 1;\n",
    'src/b/two.ts': "export type Two = 2;\nexport const load = () => import('./three.js');\n",
    'src/b/three.ts': "import type { One } from '../a/one.js';\nexport const three: One = 1;\n",
    'src/main.ts': "import { load } from './b/two.js';\nvoid load;\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const modules = await importGraph(join(dir, 'src'), join(dir, 'tsconfig.json'));
  t.deepEqual(cycles(modules), ['a/one.ts → b/two.ts → b/three.ts → a/one.ts']);
  t.deepEqual(cycles(folderGraph(modules)), ['a → b → a']);
});

test('every elementary cycle is named once, including one a depth-first search meets after finishing a node', (t) => {
  // a → b → c → a, then a → c: c is finished when a reaches it again, yet a → c → a is a cycle of its own.
  t.deepEqual(cycles({ a: ['b', 'c'], b: ['c'], c: ['a'], d: ['d'] }), ['a → b → c → a', 'a → c → a', 'd → d']);
  t.deepEqual(cycles({ a: ['b'], b: ['c'], c: [] }), []);
});
