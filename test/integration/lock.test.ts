// The apply lock is a kernel lock (issue 16, item 6 and reproduction 8): concurrent applies never hold it at
// once, it dies with its holder (no stale-lock takeover to race), releasing never removes another's lock, and a
// lock path that is a link or a FIFO is refused at once instead of hanging past --lock-wait.
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock } from '../../src/host/lock.js';
import { runInSandbox } from '../helpers/sandbox.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src/host/lock.js', import.meta.url));

function workDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-lock-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('six concurrent applies: exactly one holds the lock at any time, each gets it in turn', async (t) => {
  const w = workDir();
  try {
    const lock = join(w.dir, 'run', 'apply.lock');
    const held = join(w.dir, 'held');
    let overlaps = 0;
    const one = async (): Promise<void> => {
      const release = await acquireLock(lock, 60_000);
      try {
        // O_EXCL: fails when another holder's marker is still there.
        try {
          closeSync(openSync(held, 'wx'));
        } catch {
          overlaps++;
          return;
        }
        // Give the others every chance to run while this one holds the lock.
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        unlinkSync(held);
      } finally {
        await release();
      }
    };
    await Promise.all(Array.from({ length: 6 }, one));
    t.is(overlaps, 0);
    t.false(existsSync(held));
  } finally {
    w.done();
  }
});

test('the lock dies with its holder: a killed apply leaves nothing to take over', async (t) => {
  const w = workDir();
  try {
    const lock = join(w.dir, 'apply.lock');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { acquireLock } = await import(${JSON.stringify(LOCK_MODULE)});
      await acquireLock(${JSON.stringify(lock)}, 0);
      process.stdout.write('held\\n');
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await t.throwsAsync(acquireLock(lock, 0), { message: `another osconf apply (pid ${child.pid}) is running; gave up after 0 s` });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const release = await acquireLock(lock, 60_000);
    t.is(readFileSync(lock, 'utf8'), `${process.pid}\n`);
    await release();
  } finally {
    w.done();
  }
});

test("releasing twice, or after another took the lock, never frees the other's lock", async (t) => {
  const w = workDir();
  try {
    const lock = join(w.dir, 'apply.lock');
    const first = await acquireLock(lock, 0);
    await first();
    const second = await acquireLock(lock, 0);
    await first();
    await t.throwsAsync(acquireLock(lock, 0), { message: /another osconf apply \(pid \d+\) is running/ });
    t.true(existsSync(lock), 'the lock file is never removed');
    await second();
  } finally {
    w.done();
  }
});

test('a FIFO at the lock path is refused at once, not waited on', async (t) => {
  const w = workDir();
  try {
    const lock = join(w.dir, 'apply.lock');
    execFileSync('mkfifo', [lock]);
    // A wait far longer than the test's timeout: only refusing at once passes.
    await t.throwsAsync(acquireLock(lock, 3_600_000), { message: /failed to take the lock .*: not a regular file \(a FIFO\)/ });
  } finally {
    w.done();
  }
});

test('a symbolic link at the lock path is refused, its target untouched; a link to a FIFO does not hang', async (t) => {
  const w = workDir();
  try {
    const target = join(w.dir, 'precious');
    writeFileSync(target, 'keep\n');
    const lock = join(w.dir, 'apply.lock');
    symlinkSync(target, lock);
    await t.throwsAsync(acquireLock(lock, 3_600_000), { message: /: it is a symbolic link$/ });
    t.is(readFileSync(target, 'utf8'), 'keep\n');
    const fifo = join(w.dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const viaLink = join(w.dir, 'fifo.lock');
    symlinkSync(fifo, viaLink);
    await t.throwsAsync(acquireLock(viaLink, 3_600_000), { message: /: it is a symbolic link$/ });
  } finally {
    w.done();
  }
});

test("a flock with only BusyBox's options (-s -x -u -n, as on Alpine) takes the lock, sees it held, and waits for it", async (t) => {
  const w = workDir();
  try {
    const lock = join(w.dir, 'apply.lock');
    const wrapper = join(w.dir, 'flock');
    const real = join(w.dir, 'flock.real');
    execFileSync('cp', ['/usr/bin/flock', real]);
    // Debian's busybox is built without flock: util-linux's, refusing what BusyBox's does not have (-w, -E, ...).
    writeFileSync(
      wrapper,
      `#!/bin/sh\nfor a; do case "$a" in -s|-x|-u|-n|[0-9]*) ;; *) echo "flock: unrecognized option '$a'" >&2; exit 1 ;; esac; done\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const script = `
      const { acquireLock } = await import(${JSON.stringify(LOCK_MODULE)});
      const first = await acquireLock(${JSON.stringify(lock)}, 0);
      const busy = await acquireLock(${JSON.stringify(lock)}, 600).then(() => 'taken twice', (e) => e.message);
      setTimeout(() => first(), 300);
      const waited = await acquireLock(${JSON.stringify(lock)}, 30000).then(async (release) => { await release(); return 'taken after the wait'; }, (e) => e.message);
      console.log(JSON.stringify({ busy, waited }));`;
    // /usr/bin/flock is replaced inside a sandbox's own mount namespace only.
    const r = await runInSandbox('none', 'sh', ['-c', `mount --bind ${wrapper} /usr/bin/flock && exec ${process.execPath} --input-type=module -e "$0"`, script]);
    t.is(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { busy: string; waited: string };
    t.regex(out.busy, /another osconf apply \(pid \d+\) is running/);
    t.is(out.waited, 'taken after the wait');
  } finally {
    w.done();
  }
});
