// Injected into the bundle by scripts/build.mjs ahead of everything else, so that osconf and its dependencies
// run on Node.js 10 and later (the runtime floor; esbuild lowers the syntax, this file the library).
//
// ECMAScript built-ins newer than Node 10's V8 6.8 that osconf or a bundled dependency calls: core-js adds each
// one only where the running Node lacks it (or, for sort, where it is not stable), so Node 20 keeps its own.
import 'core-js/actual/array/at';
import 'core-js/actual/array/flat';
import 'core-js/actual/array/flat-map';
// V8 before 7.0 (Node < 11) sorted longer arrays unstably; output order must not depend on the Node version.
import 'core-js/actual/array/sort';
import 'core-js/actual/error/constructor';
import 'core-js/actual/object/from-entries';
import 'core-js/actual/object/has-own';
import 'core-js/actual/string/match-all';
// yaml compares Symbol#description (Node 11).
import 'core-js/actual/symbol/description';

// Node's own implementations, which Node 10 has in modules rather than as globals (TextDecoder and
// TextEncoder became globals in 11, performance in 16): esbuild binds every free use of these names to them.
export { TextDecoder, TextEncoder } from 'node:util';
export { performance } from 'node:perf_hooks';
