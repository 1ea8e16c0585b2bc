// osconf's launcher (dist/osconf, /usr/bin/osconf): compiles the bundle, embedded below as a string, with
// V8's code cache kept in /var/cache/osconf, which takes about half of osconf's start-up cost off every boot
// after the first. The cache is only an optimisation: V8 refuses a cache that does not match this source,
// this Node.js and its flags (it is then rewritten), and a cache that anyone but root could have written is
// never read.
'use strict';
const SOURCE = __OSCONF_BUNDLE__;
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

const cacheDir = process.env.OSCONF_CACHE_DIR || '/var/cache/osconf';
const cacheFile = path.join(cacheDir, `osconf-${process.arch}.v8cache`);

/** Owned by root and writable by no one else (the directory too), or not used at all. */
function trusted(file) {
  try {
    const s = fs.lstatSync(file);
    return (s.isFile() || s.isDirectory()) && s.uid === 0 && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

let cachedData;
if (process.getuid && process.getuid() === 0 && trusted(cacheDir) && trusted(cacheFile)) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}
const script = new vm.Script(Module.wrap(SOURCE), { filename: __filename, cachedData });
if (process.getuid && process.getuid() === 0 && (cachedData === undefined || script.cachedDataRejected) && trusted(cacheDir)) {
  // At exit the cache also holds the functions this run compiled.
  process.once('exit', () => {
    const temp = `${cacheFile}.${process.pid}`;
    try {
      fs.writeFileSync(temp, script.createCachedData(), { mode: 0o644, flag: 'wx' });
      fs.renameSync(temp, cacheFile);
    } catch {
      try {
        fs.unlinkSync(temp);
      } catch {
        // nothing was written
      }
    }
  });
}
script.runInThisContext()(exports, require, module, __filename, __dirname);
