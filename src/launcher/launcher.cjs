// osconf's launcher (dist/osconf, /usr/bin/osconf): compiles the bundle, embedded below as a string, with
// V8's code cache kept in /var/cache/osconf, which takes about half of osconf's start-up cost off every boot
// after the first. The cache is only an optimisation: V8 refuses a cache that does not match this source,
// this Node.js and its flags (it is then rewritten), and a cache that anyone but root could have written is
// never read.
// ES5 syntax only: this file must parse on any Node.js, so that one too old for the bundle (Node.js 10 is the
// floor, see docs/design.md) gets one plain line instead of a SyntaxError.
'use strict';
var version = process.versions.node.split('.');
if (!(Number(version[0]) >= 10)) {
  process.stderr.write('osconf: needs Node.js >= 10 (found v' + version[0] + '.' + version[1] + ')\n');
  process.exit(1);
}
// A run of osconf is short: V8's optimising compiler costs it more memory and CPU than it saves, and a young
// generation kept at its first size keeps the peak low (issue 21: a real apply under 60 MB). Measured on Node.js
// 20: an apply's peak RSS 70 -> 61 MB, a 64 KiB os.conf's render 0.77 -> 0.50 s CPU and 86 -> 62 MB. Both only
// steer what V8 decides as it runs (tiering, the young generation's growth), so they take effect when set here;
// set before the bundle is compiled, they are the same at every run, as V8's code cache requires.
var v8 = require('v8');
v8.setFlagsFromString('--no-opt');
v8.setFlagsFromString('--semi-space-growth-factor=1');
// The bundle inside its CommonJS function wrapper, as one string (scripts/build.mjs): compiled as it is, with no
// second 1 MB copy made by joining the wrapper to it here.
var SOURCE = __OSCONF_BUNDLE__;
var fs = require('fs');
// With --debug the bundle gets its source map (src/source-maps.ts), whose stack traces then name src/*.ts lines:
// the map is this file's last line, a comment (scripts/build.mjs), read back only then. Node's own
// --enable-source-maps never sees code compiled by vm.Script.
if (process.argv.indexOf('--debug') > 1) {
  try {
    var last = /\/\/# osconf-source-map=([A-Za-z0-9+\/=]+)\s*$/.exec(fs.readFileSync(__filename, 'utf8'));
    if (last) global[Symbol.for('osconf.sourceMap')] = { file: __filename, map: require('zlib').gunzipSync(Buffer.from(last[1], 'base64')).toString('utf8') };
  } catch (e) {
    // Without the map, traces name the bundle's own positions.
  }
}
var path = require('path');
var vm = require('vm');

var cacheDir = process.env.OSCONF_CACHE_DIR || '/var/cache/osconf';
var cacheFile = path.join(cacheDir, 'osconf-' + process.arch + '.v8cache');

/** Owned by root and writable by no one else (the directory too), or not used at all. */
function trusted(file) {
  try {
    var s = fs.lstatSync(file);
    return (s.isFile() || s.isDirectory()) && s.uid === 0 && (s.mode & parseInt('022', 8)) === 0;
  } catch (e) {
    return false;
  }
}

var cachedData;
if (process.getuid && process.getuid() === 0 && trusted(cacheDir) && trusted(cacheFile)) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch (e) {
    cachedData = undefined;
  }
}
var script = new vm.Script(SOURCE, { filename: __filename, cachedData: cachedData });
// createCachedData appeared in Node.js 10.6; older ones simply run without a cache.
if (process.getuid && process.getuid() === 0 && (cachedData === undefined || script.cachedDataRejected) && typeof script.createCachedData === 'function' && trusted(cacheDir)) {
  // At exit the cache also holds the functions this run compiled.
  process.once('exit', function () {
    var temp = cacheFile + '.' + process.pid;
    try {
      fs.writeFileSync(temp, script.createCachedData(), { mode: parseInt('644', 8), flag: 'wx' });
      fs.renameSync(temp, cacheFile);
    } catch (e) {
      try {
        fs.unlinkSync(temp);
      } catch (e2) {
        // nothing was written
      }
    }
  });
}
script.runInThisContext()(exports, require, module, __filename, __dirname);
