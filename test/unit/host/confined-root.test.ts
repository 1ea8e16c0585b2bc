// Paths under --root never leave it (issue 16, item 1): links on the way are resolved inside the root or
// refused, and an action goes to the directory that was checked even when it is swapped for a link after.
// Temporary directories only: no root needed.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfinedRoot, ConfinementError } from '../../../src/host/confined-root.js';
import { DirectoryReader } from '../../../src/host/directory-reader.js';
import { NodeHost } from '../../../src/host/node-host.js';

interface Scene {
  root: string;
  outside: string;
  done: () => void;
}

/** A root and a directory beside it that nothing may touch, holding files named as the root's. */
function scene(): Scene {
  const base = mkdtempSync(join(tmpdir(), 'osconf-confine-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'etc/network'), { recursive: true });
  mkdirSync(outside);
  for (const name of ['hostname', 'shadow', 'hosts']) writeFileSync(join(outside, name), `outside ${name}\n`);
  return { root, outside, done: () => rmSync(base, { recursive: true, force: true }) };
}

const untouched = (t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, s: Scene) =>
  t.deepEqual(
    readdirSync(s.outside).sort().map((n) => [n, readFileSync(join(s.outside, n), 'utf8')]),
    ['hostname', 'hosts', 'shadow'].map((n) => [n, `outside ${n}\n`]),
    'nothing outside the root changed',
  );

test('apply --root with /etc a link to a directory outside: written inside the root, as chroot would, never outside', async (t) => {
  const s = scene();
  try {
    rmSync(join(s.root, 'etc'), { recursive: true });
    symlinkSync(s.outside, join(s.root, 'etc'));
    const host = new NodeHost(s.root);
    t.is(await host.read('/etc/hostname'), null, 'the outside hostname is not read');
    t.deepEqual(await host.list('/etc'), []);
    await host.write('/etc/hostname', 'new\n', { mode: 0o644 });
    untouched(t, s);
    // The absolute target is taken from the root, as the image's own system would read it.
    t.is(readFileSync(join(s.root, s.outside, 'hostname'), 'utf8'), 'new\n');
  } finally {
    s.done();
  }
});

test('a link that climbs above the root is refused with the path named; its target is untouched', async (t) => {
  const s = scene();
  try {
    symlinkSync('../../../outside', join(s.root, 'etc/network/interfaces.d'));
    const host = new NodeHost(s.root);
    const error = await t.throwsAsync(host.write('/etc/network/interfaces.d/hostname', 'x\n', { mode: 0o644 }), { instanceOf: ConfinementError });
    t.is(error?.message, `refusing ${s.root}/etc/network/interfaces.d/hostname: a symbolic link on the way leads above ${s.root}`);
    await t.throwsAsync(host.read('/etc/network/interfaces.d/hostname'), { instanceOf: ConfinementError });
    await t.throwsAsync(host.remove('/etc/network/interfaces.d/hostname'), { instanceOf: ConfinementError });
    await t.throwsAsync(host.list('/etc/network/interfaces.d'), { instanceOf: ConfinementError });
    untouched(t, s);
  } finally {
    s.done();
  }
});

test('a link inside the root is followed inside it (absolute from the root, relative from its directory)', async (t) => {
  const s = scene();
  try {
    mkdirSync(join(s.root, 'srv/ifd'), { recursive: true });
    symlinkSync('/srv/ifd', join(s.root, 'etc/network/interfaces.d'));
    mkdirSync(join(s.root, 'run'));
    symlinkSync('../run', join(s.root, 'etc/run'));
    const host = new NodeHost(s.root);
    await host.write('/etc/network/interfaces.d/50-osconf', 'auto eth0\n', { mode: 0o644 });
    t.is(readFileSync(join(s.root, 'srv/ifd/50-osconf'), 'utf8'), 'auto eth0\n');
    await host.mkdir('/etc/run/osconf', 0o700);
    t.true(existsSync(join(s.root, 'run/osconf')));
    t.deepEqual(await host.list('/etc/network/interfaces.d'), ['50-osconf']);
  } finally {
    s.done();
  }
});

test("'never': any link among the directories is refused, naming it; the last component is not followed", async (t) => {
  const s = scene();
  try {
    mkdirSync(join(s.root, 'var/log'), { recursive: true });
    symlinkSync('/var/log', join(s.root, 'etc/log'));
    const host = new NodeHost(s.root, { links: 'never' });
    const error = await t.throwsAsync(host.remove('/etc/log/syslog'), { instanceOf: ConfinementError });
    t.is(error?.message, `refusing ${s.root}/etc/log/syslog: ${s.root}/etc/log is a symbolic link (nothing is done through a link)`);
    t.true((await host.info('/etc/log'))?.isSymlink, 'info looks at the link itself');
    await host.remove('/etc/log');
    t.false(existsSync(join(s.root, 'etc/log')));
    t.true(existsSync(join(s.root, 'var/log')), 'the link was removed, not its target');
  } finally {
    s.done();
  }
});

test('above / is / (as the kernel resolves it); above any other root is refused', async (t) => {
  const s = scene();
  try {
    symlinkSync('../../../../../../../../../../..', join(s.root, 'up'));
    await t.throwsAsync(new NodeHost(s.root).read('/up/etc/hostname'), { instanceOf: ConfinementError });
    // From the real root the same climb stops at /, as path_resolution(7) says; the link is reached absolutely.
    const host = new ConfinedRoot('/', 'inside');
    const place = await host.parent(`${s.root}/up${s.outside}/hostname`);
    t.truthy(place);
    t.is(readFileSync(place!.at(), 'utf8'), 'outside hostname\n');
    await place!.close();
  } finally {
    s.done();
  }
});

test('a loop of links ends with a clear error, not a hang', async (t) => {
  const s = scene();
  try {
    symlinkSync('b', join(s.root, 'a'));
    symlinkSync('a', join(s.root, 'b'));
    await t.throwsAsync(new NodeHost(s.root).read('/a/x'), { message: /too many levels of symbolic links/ });
  } finally {
    s.done();
  }
});

test('a directory swapped for a link after it was opened: the action still goes to the directory that was checked', async (t) => {
  const s = scene();
  try {
    mkdirSync(join(s.root, 'var/log/app'), { recursive: true });
    writeFileSync(join(s.root, 'var/log/app/shadow'), 'log\n');
    const place = (await new ConfinedRoot(s.root, 'never').parent('/var/log/app/shadow'))!;
    try {
      // The attacker's move, between the check (the open) and the use.
      renameSync(join(s.root, 'var/log/app'), join(s.root, 'var/log/app.moved'));
      symlinkSync(s.outside, join(s.root, 'var/log/app'));
      await fs.unlink(place.at());
    } finally {
      await place.close();
    }
    untouched(t, s);
    t.false(existsSync(join(s.root, 'var/log/app.moved/shadow')), 'the file that was planned is the one removed');
  } finally {
    s.done();
  }
});

test('write creates missing directories inside the root and refuses a file where a directory should be', async (t) => {
  const s = scene();
  try {
    const host = new NodeHost(s.root);
    await host.write('/var/lib/osconf/state.json', '{}\n', { mode: 0o600 });
    t.is(readFileSync(join(s.root, 'var/lib/osconf/state.json'), 'utf8'), '{}\n');
    writeFileSync(join(s.root, 'etc/network/interfaces.d'), 'a file');
    await t.throwsAsync(host.write('/etc/network/interfaces.d/50-osconf', 'x', { mode: 0o644 }), {
      message: `failed to write ${s.root}/etc/network/interfaces.d/50-osconf: failed to create ${s.root}/etc/network/interfaces.d/50-osconf: ${s.root}/etc/network/interfaces.d is not a directory`,
    });
    t.is(await host.read('/etc/network/interfaces.d/50-osconf'), null, 'a read through a file is absent');
  } finally {
    s.done();
  }
});

test('rename, readlink, symlink and rmdir act inside the root', async (t) => {
  const s = scene();
  try {
    const host = new NodeHost(s.root);
    await host.write('/etc/a', 'A', { mode: 0o644 });
    await host.rename('/etc/a', '/etc/network/b');
    t.is(readFileSync(join(s.root, 'etc/network/b'), 'utf8'), 'A');
    await host.symlink('/dev/null', '/etc/network/masked');
    t.is(await host.readlink('/etc/network/masked'), '/dev/null');
    await host.mkdir('/etc/empty', 0o755);
    await host.rmdir('/etc/empty');
    t.false(existsSync(join(s.root, 'etc/empty')));
    await t.throwsAsync(host.rename('/etc/none', '/etc/x'), { message: `failed to rename ${s.root}/etc/none to ${s.root}/etc/x: ENOENT` });
  } finally {
    s.done();
  }
});

test('DirectoryReader (check --root, prepare planning) refuses a directory swapped for a link after RootView resolved it', async (t) => {
  const s = scene();
  try {
    mkdirSync(join(s.root, 'var/log'), { recursive: true });
    symlinkSync(s.outside, join(s.root, 'var/log/app'));
    const reader = new DirectoryReader(s.root);
    await t.throwsAsync(reader.readFile('/var/log/app/shadow', 100), { instanceOf: ConfinementError });
    t.deepEqual(await reader.lstat('/var/log/app'), { type: 'symlink', size: s.outside.length, mode: 0o777 });
    t.is((await reader.lstat('/'))?.type, 'dir');
  } finally {
    s.done();
  }
});
