// Writes the third-party notice for the bundle: every npm package whose files esbuild put into dist/osconf
// (dist/osconf.meta.json, esbuild's metafile written by scripts/build.mjs), with its version, its license
// and the full text of its license file. Fails when a bundled package ships no license text, so a new
// dependency cannot enter the packages without its notice.
// Usage: node scripts/notices.mjs > dist/THIRD-PARTY-NOTICES   (after scripts/build.mjs)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(new URL('..', import.meta.url).pathname);
const meta = JSON.parse(readFileSync(join(repo, 'dist', 'osconf.meta.json'), 'utf8'));

// node_modules/a/x.js, node_modules/@s/b/x.js, node_modules/a/node_modules/c/x.js: the innermost package.
const dirs = new Set();
for (const input of Object.keys(meta.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) dirs.add(m[1]);
}

const packages = [...dirs].map((dir) => {
  const pkg = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8'));
  const files = readdirSync(join(repo, dir)).filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f)).sort();
  if (files.length === 0) throw new Error(`${pkg.name}: bundled, but ships no LICENSE, COPYING or NOTICE file`);
  // `licenses: [{ type }]` is package.json's older form (ssh2 still uses it).
  const older = Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l?.type).filter(Boolean).join(' OR ') : '';
  const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? (older || '(see the text below)'));
  return { name: pkg.name, version: pkg.version, license, texts: files.map((f) => readFileSync(join(repo, dir, f), 'utf8').trim()) };
});
packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));

const rule = '-'.repeat(78);
const out = [
  'osconf: third-party notices',
  '',
  "/usr/bin/osconf (the bundle) is osconf's own code, Apache License 2.0, with the following npm packages",
  'compiled in. Each keeps its own license; its copyright notice and license text follow.',
  '',
  ...packages.map((p) => `  ${p.name} ${p.version} (${p.license})`),
  '',
];
for (const p of packages) out.push(rule, `${p.name} ${p.version}`, `License: ${p.license}`, '', ...p.texts.flatMap((t) => [t, '']));
if (!existsSync(join(repo, 'dist', 'osconf'))) throw new Error('dist/osconf is missing: run scripts/build.mjs first');
process.stdout.write(out.join('\n'));
