// The first partition is untrusted (issue 16, items 3 and 9): aliyun_custom_image must be a real directory,
// os.conf a regular file of root's, judged by lstat before it is opened; whatever else sits at its name is set
// aside under a unique name so the next boot does not refuse it again. Real files in a temporary directory,
// as root (chown, mknod).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigRejectedError } from '../../src/errors.js';
import { ConfDir, readPartitionOsConf, removePartitionOsConf, setAsideOsConf } from '../../src/host/os-conf-file.js';

const MAX = 64 * 1024;
const CONF = 'hostname=a\npassword=cXdIcjEyMzQK\n';

function partition(): { base: string; dir: string; done: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'osconf-partition-'));
  const dir = join(base, 'aliyun_custom_image');
  mkdirSync(dir);
  return { base, dir, done: () => rmSync(base, { recursive: true, force: true }) };
}

const listing = (dir: string): string[] => readdirSync(dir).sort();

test('a linked aliyun_custom_image is never followed, even to a world-writable directory holding os.conf', async (t) => {
  const p = partition();
  try {
    const elsewhere = join(p.base, 'tmp');
    mkdirSync(elsewhere);
    chmodSync(elsewhere, 0o1777);
    writeFileSync(join(elsewhere, 'os.conf'), CONF);
    rmSync(p.dir, { recursive: true });
    symlinkSync(elsewhere, p.dir);
    const e = await t.throwsAsync(readPartitionOsConf(p.base, MAX), { instanceOf: ConfigRejectedError });
    t.regex(e!.message, /aliyun_custom_image: is a symbolic link/);
    t.deepEqual(listing(elsewhere), ['os.conf'], 'nothing done through the link');
  } finally {
    p.done();
  }
});

test("an os.conf that is not root's is refused and set aside; the next boot finds none", async (t) => {
  const p = partition();
  try {
    writeFileSync(join(p.dir, 'os.conf'), CONF);
    chownSync(join(p.dir, 'os.conf'), 1000, 1000);
    const e = await t.throwsAsync(readPartitionOsConf(p.base, MAX), { instanceOf: ConfigRejectedError });
    t.regex(e!.message, /belongs to uid 1000, not to root.*; set aside as .*\/os\.conf\.rejected$/);
    t.deepEqual(listing(p.dir), ['os.conf.rejected']);
    t.is(await readPartitionOsConf(p.base, MAX), null);
  } finally {
    p.done();
  }
});

test('a root-owned regular os.conf is read', async (t) => {
  const p = partition();
  try {
    writeFileSync(join(p.dir, 'os.conf'), CONF);
    const file = await readPartitionOsConf(p.base, MAX);
    t.is(Buffer.from(file!.bytes).toString(), CONF);
    t.is(file!.path, join(p.dir, 'os.conf'), 'messages name the real path');
    t.is(await readPartitionOsConf(join(p.base, 'absent'), MAX), null, 'no aliyun_custom_image: nothing to apply');
  } finally {
    p.done();
  }
});

for (const [kind, make] of [
  ['a symbolic link', (path: string) => symlinkSync('/etc/shadow', path)],
  ['a FIFO', (path: string) => execFileSync('mkfifo', [path])],
  ['a directory', (path: string) => mkdirSync(path)],
  // Major 240 is for local use and has no driver here: opening it fails with ENXIO, so only an lstat before
  // the open can name it a character device.
  ['a character device', (path: string) => execFileSync('mknod', [path, 'c', '240', '0'])],
] as const) {
  test(`os.conf as ${kind} is refused without being opened, and set aside under a unique name`, async (t) => {
    const p = partition();
    try {
      make(join(p.dir, 'os.conf'));
      const e = await t.throwsAsync(readPartitionOsConf(p.base, MAX), { instanceOf: ConfigRejectedError });
      t.regex(e!.message, new RegExp(`os\\.conf: is ${kind}`));
      const names = listing(p.dir);
      t.is(names.length, 1);
      t.regex(names[0]!, /^os\.conf\.rejected-\d{8}T\d{6}-[0-9a-f]{6}$/);
      t.is(await readPartitionOsConf(p.base, MAX), null, 'the next boot does not refuse it again');
      // Set aside as it was (renamed, never followed or replaced): the same kind of entry under the new name.
      const aside = lstatSync(join(p.dir, names[0]!));
      const same = { 'a symbolic link': aside.isSymbolicLink(), 'a FIFO': aside.isFIFO(), 'a directory': aside.isDirectory(), 'a character device': aside.isCharacterDevice() }[kind];
      t.true(same, `${names[0]} is still ${kind}`);
      if (kind === 'a symbolic link') t.is(readlinkSync(join(p.dir, names[0]!)), '/etc/shadow');
    } finally {
      p.done();
    }
  });
}

test('a directory named os.conf.rejected does not make setting aside fail at every boot', async (t) => {
  const p = partition();
  try {
    mkdirSync(join(p.dir, 'os.conf.rejected'));
    writeFileSync(join(p.dir, 'os.conf'), 'hostname=-bad\n');
    t.regex(await setAsideOsConf(p.base), /\/os\.conf\.rejected$/);
    const names = listing(p.dir);
    t.is(names.length, 2);
    t.is(names[0], 'os.conf.rejected');
    t.true(lstatSync(join(p.dir, 'os.conf.rejected')).isFile());
    t.regex(names[1]!, /^os\.conf\.rejected-/);
    t.true(lstatSync(join(p.dir, names[1]!)).isDirectory());
    // A later rejected file replaces the last one.
    writeFileSync(join(p.dir, 'os.conf'), 'hostname=-worse\n');
    await setAsideOsConf(p.base);
    t.is(readFileSync(join(p.dir, 'os.conf.rejected'), 'utf8'), 'hostname=-worse\n');
  } finally {
    p.done();
  }
});

test('names resolve in the directory that was opened, not in a link swapped in after the check', async (t) => {
  const p = partition();
  try {
    writeFileSync(join(p.dir, 'os.conf'), CONF);
    const elsewhere = join(p.base, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'os.conf'), 'password=ZXZpbAo=\n');
    const dir = (await ConfDir.open(p.base))!;
    try {
      renameSync(p.dir, join(p.base, 'moved'));
      symlinkSync(elsewhere, p.dir);
      t.is(readFileSync(dir.at('os.conf'), 'utf8'), CONF);
    } finally {
      await dir.close();
    }
    // The removal after an apply goes through a fresh, checked open: a link there is refused, nothing removed.
    await t.throwsAsync(removePartitionOsConf(p.base), { instanceOf: ConfigRejectedError });
    t.true(existsSync(join(elsewhere, 'os.conf')));
  } finally {
    p.done();
  }
});
