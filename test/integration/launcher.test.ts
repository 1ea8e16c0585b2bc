// The launcher's V8 code cache: written once by root into a root-only directory, used (not rewritten) by the
// next runs, rewritten when V8 refuses it, and never read from a place someone else could have written.
import test from 'ava';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osconf } from '../helpers/run.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-launcher-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
const cacheName = `osconf-${process.arch}.v8cache`;

async function withCache(dir: string, args: string[]) {
  const r = await osconf(args, { env: { ...process.env, OSCONF_CACHE_DIR: dir } });
  return r;
}

test('first run writes the cache, later runs use it unchanged, and every run gives the same output', async (t) => {
  const dir = join(work, 'cache');
  mkdirSync(dir, { mode: 0o755 });
  const plain = await osconf(['--help']);
  const first = await withCache(dir, ['--help']);
  t.is(first.stdout, plain.stdout);
  const cache = join(dir, cacheName);
  t.true(existsSync(cache), 'cache written');
  t.is(statSync(cache).mode & 0o777, 0o644);
  const written = statSync(cache).mtimeMs;
  const second = await withCache(dir, ['--help']);
  t.is(second.stdout, plain.stdout);
  t.is(statSync(cache).mtimeMs, written, 'an accepted cache is not rewritten');
});

test('a corrupt cache is refused by V8, osconf still works, and the cache is rewritten', async (t) => {
  const dir = join(work, 'corrupt');
  mkdirSync(dir, { mode: 0o755 });
  writeFileSync(join(dir, cacheName), Buffer.alloc(4096, 7), { mode: 0o644 });
  const r = await withCache(dir, ['--version']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^\d+\.\d+\.\d+\n$/);
  t.not(readFileSync(join(dir, cacheName))[0], 7, 'rewritten');
});

test('a cache in a directory others can write is not used; a cache root does not own is not used', async (t) => {
  const open = join(work, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  writeFileSync(join(open, cacheName), Buffer.alloc(4096, 7), { mode: 0o644 });
  t.is((await withCache(open, ['--version'])).code, 0);
  t.is(readFileSync(join(open, cacheName))[0], 7, 'not rewritten in a world-writable directory');

  // A valid cache that root does not own: trusted, it would be used as it is; it is replaced by root's own.
  const foreign = join(work, 'foreign');
  mkdirSync(foreign, { mode: 0o755 });
  t.is((await withCache(foreign, ['--version'])).code, 0);
  chownSync(join(foreign, cacheName), 1000, 1000);
  t.is((await withCache(foreign, ['--version'])).code, 0);
  t.is(statSync(join(foreign, cacheName)).uid, 0, 'not used: rewritten by root');
});
