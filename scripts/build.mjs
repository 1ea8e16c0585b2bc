// Bundles src/main.ts into one executable file, dist/osconf, that runs on Node.js 18 with no node_modules.
import { build } from 'esbuild';
import { chmod, readFile, writeFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = new URL('../dist/osconf', import.meta.url).pathname;

await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: 'node',
  // CommonJS: an extensionless file installed as /usr/bin/osconf has no package.json telling Node it is ESM.
  format: 'cjs',
  target: 'node18',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  define: { OSCONF_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
// Inside this repository package.json says "type": "module"; this marks dist/ as CommonJS. Installed copies
// (/usr/bin/osconf) have no package.json above them and are CommonJS by default.
await writeFile(new URL('../dist/package.json', import.meta.url), '{ "type": "commonjs" }\n');
