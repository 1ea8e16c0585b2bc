// Injected into the bundle by scripts/build.mjs ahead of everything else, so that osconf and its dependencies
// run on Node.js 10 and later (the runtime floor; esbuild lowers the syntax, this file the library).
//
// ECMAScript built-ins newer than Node 10's V8 6.8 that osconf or a bundled dependency calls, from core-js:
// each module adds its feature only where the running Node lacks it (or, for sort, where it is not stable).
// Node 18 and later have them all, so there core-js is not even loaded (esbuild runs a bundled require() only
// when reached), which keeps their start-up time as it was.
/* global require */
if (Number(process.versions.node.split('.')[0]) < 18) {
  require('core-js/actual/array/at');
  require('core-js/actual/array/flat');
  require('core-js/actual/array/flat-map');
  // V8 before 7.0 (Node < 11) sorted longer arrays unstably; output order must not depend on the Node version.
  require('core-js/actual/array/sort');
  require('core-js/actual/error/constructor');
  require('core-js/actual/object/from-entries');
  require('core-js/actual/object/has-own');
  require('core-js/actual/string/match-all');
  // yaml compares Symbol#description (Node 11).
  require('core-js/actual/symbol/description');
}

// Node's own implementations, which Node 10 has in modules rather than as globals (TextDecoder and
// TextEncoder became globals in 11, performance in 16): esbuild binds every free use of these names to them.
export { TextDecoder, TextEncoder } from 'node:util';
export { performance } from 'node:perf_hooks';
