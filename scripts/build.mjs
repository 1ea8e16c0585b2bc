// Bundles src/main.ts into one executable file, dist/osconf, that runs on Node.js 10 and later with no node_modules:
// the launcher (src/launcher/launcher.cjs) with the bundle embedded as a string, so that the launcher can
// compile it with V8's code cache.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = new URL('../dist/osconf', import.meta.url).pathname;

// ssh2 (test-image) tries native addons in try/catch (its sshcrypto binding, cpu-features) and falls back to pure
// JavaScript: the bundle carries none, so it loads on any Node.js and architecture. Each such require is left
// unresolved (it throws at run time and ssh2 takes the fallback); a native addon that reached the bundle fails the build.
const noNativeAddons = {
  name: 'no-native-addons',
  setup(b) {
    b.onResolve({ filter: /(\.node$|^cpu-features$)/ }, (args) => ({ path: args.path, external: true }));
  },
};

const result = await build({
  plugins: [noNativeAddons],
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  // CommonJS: an extensionless file installed as /usr/bin/osconf has no package.json telling Node it is ESM.
  format: 'cjs',
  // The runtime floor (docs/design.md): esbuild lowers newer syntax; node10.mjs supplies newer built-ins.
  target: 'node10',
  inject: [new URL('../src/launcher/node10.mjs', import.meta.url).pathname],
  minify: true,
  legalComments: 'none',
  // The files bundled, read by scripts/notices.mjs to list the third-party code the bundle carries.
  metafile: true,
  // `--debug` traces name src/*.ts lines (issue 19): the map travels in the launcher beside the bundle (one
  // installed file), without the sources' text (a stack trace needs only positions); see launcher.cjs.
  sourcemap: 'external',
  sourcesContent: false,
  define: { OSCONF_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
const nativeInputs = Object.keys(result.metafile.inputs).filter((f) => f.endsWith('.node') || /(^|\/)cpu-features\//.test(f));
if (nativeInputs.length > 0) throw new Error(`native addons would be bundled: ${nativeInputs.join(', ')}`);
const bundle = result.outputFiles.find((f) => f.path === outfile).text;
const map = JSON.parse(result.outputFiles.find((f) => f.path === `${outfile}.map`).text);
// The launcher compiles the bundle one line below its function wrapper: the map's generated lines move down one
// (an empty first line in VLQ mappings, source map v3). Sources are named from the repository's root
// (src/cli/status.ts), not from dist/.
map.mappings = `;${map.mappings}`;
map.sources = map.sources.map((s) => s.replace(/^\.\.\//, ''));
const launcher = await readFile(new URL('../src/launcher/launcher.cjs', import.meta.url), 'utf8');
if (!launcher.includes('__OSCONF_BUNDLE__')) throw new Error('launcher.cjs lacks the __OSCONF_BUNDLE__ placeholder');
// Tests run dist/osconf while others rebuild it (package.sh): replace files whole, never truncate them in place.
async function replace(path, content, mode) {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await chmod(temp, mode);
  await rename(temp, path);
}
// U+2028 and U+2029 are legal in JSON strings but end a JavaScript string before ES2019 (Node.js < 10): escaped,
// so that the launcher parses on old Node.js and can say which version it needs.
// The bundle is wrapped here, as CommonJS wraps a module, and starts on the wrapper's second line, so that the first
// line's columns match the map; the launcher compiles this one string as it is (joining the wrapper to the bundle
// there made a second 1 MB string, issue 21).
const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${bundle}\n})`;
const literal = JSON.stringify(wrapped).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
// The source map ends the file as a comment, gzipped and Base64 (launcher.cjs reads it back only with --debug):
// V8 scans every byte of the launcher at each start; a comment is the cheapest text to skip (a string literal of
// the same bytes cost five times more here) and gzip makes the 0.9 MB map a quarter of that.
const mapComment = `//# osconf-source-map=${gzipSync(JSON.stringify(map), { level: 9 }).toString('base64')}\n`;
await replace(outfile, `#!/usr/bin/env node\n${launcher.replace('__OSCONF_BUNDLE__', () => literal)}${mapComment}`, 0o755);
// Inside this repository package.json says "type": "module"; this marks dist/ as CommonJS. Installed copies
// (/usr/bin/osconf) have no package.json above them and are CommonJS by default.
await replace(new URL('../dist/osconf.meta.json', import.meta.url).pathname, JSON.stringify(result.metafile), 0o644);
await replace(new URL('../dist/package.json', import.meta.url).pathname, '{ "type": "commonjs" }\n', 0o644);

// The boot pre-check (src/boot/osconf-boot.sh) as installed, /usr/lib/osconf/osconf-boot: its @NAME@ values
// come from src/distro/facts.ts, so that the sh test for missing SSH host keys and osconf's are one definition.
const facts = await build({
  stdin: { contents: "export { SSHD_PATH, SSH_HOST_KEY_GLOB } from './src/distro/facts.ts';", resolveDir: new URL('..', import.meta.url).pathname, loader: 'ts' },
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});
const values = await import(`data:text/javascript;base64,${Buffer.from(facts.outputFiles[0].text).toString('base64')}`);
let boot = await readFile(new URL('../src/boot/osconf-boot.sh', import.meta.url), 'utf8');
for (const [name, value] of Object.entries(values)) {
  // Inside single quotes or a glob in the script: only characters that mean the same in both places.
  if (!/^[A-Za-z0-9/_.*-]+$/.test(value)) throw new Error(`${name}: ${value} cannot go into the sh pre-check`);
  boot = boot.replaceAll(`@${name}@`, value);
}
if (/@[A-Z_]+@/.test(boot)) throw new Error(`src/boot/osconf-boot.sh: unfilled ${boot.match(/@[A-Z_]+@/)[0]}`);
await replace(new URL('../dist/osconf-boot', import.meta.url).pathname, boot, 0o755);
