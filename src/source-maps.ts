// `--debug` stack traces in TypeScript terms: the launcher (src/launcher/launcher.cjs) hands over the bundle's
// source map only with --debug; source-map-support (a maintained package: Node's own --enable-source-maps
// ignores code compiled by vm.Script, as the launcher compiles the bundle) rewrites each frame to src/*.ts.
import { install } from 'source-map-support';

const KEY = Symbol.for('osconf.sourceMap');

/** Installs the rewriting when the launcher provided a map (bundle with --debug); a no-op otherwise. */
export function enableSourceMaps(): void {
  const given = (global as unknown as Record<symbol, unknown>)[KEY] as { file: string; map: string } | undefined;
  if (!given) return;
  install({
    environment: 'node',
    handleUncaughtExceptions: false,
    // Sources are named from the repository's root (build.mjs); a map "at /" makes them /src/cli/status.ts.
    retrieveSourceMap: (source) => (source === given.file ? { url: '/osconf.map', map: given.map } : null),
  });
}
