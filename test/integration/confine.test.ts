// Nothing under --root leads out of it, and nothing swapped in between planning and acting redirects an action
// (issue 16, item 1; reproductions 1 and 2), through the bundled CLI as image builders run it.
import test from 'ava';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS } from '../fixtures/distros.js';
import { debianRoot, materialize } from '../helpers/memory-root.js';
import { examplesDir } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-confine-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
let serial = 0;
const fresh = (name: string): string => {
  const dir = join(work, `${name}-${++serial}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** Every entry below `dir` with its content (files) or target (links). */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = `${prefix}/${name}`;
    const st = lstatSync(join(dir, rel));
    if (st.isDirectory()) Object.assign(out, { [`${rel}/`]: '' }, snapshot(dir, rel));
    else out[rel] = st.isSymbolicLink() ? `-> ${readFileSync(join(dir, rel), 'utf8')}` : readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

/** What an attacker wants prepare to delete or empty: files named like the log directory's. */
function victims(): string {
  const outside = fresh('outside');
  writeFileSync(join(outside, 'app.log.1'), 'not part of the image\n');
  writeFileSync(join(outside, 'shadow'), 'root:$6$keep$keep:19000:0:99999:7:::\n');
  mkdirSync(join(outside, 'app'));
  writeFileSync(join(outside, 'app/app.log.1'), 'not part of the image\n');
  writeFileSync(join(outside, 'app/shadow'), 'root:$6$keep$keep:19000:0:99999:7:::\n');
  return outside;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const swap of [
  { what: '/var/log/app swapped for an absolute link', dir: 'var/log/app', link: (outside: string) => outside },
  { what: '/var/log swapped for a relative link climbing out', dir: 'var/log', link: () => '../../outside-2' },
]) {
  test(`prepare: a directory under /var/log swapped for a link between planning and acting: nothing outside the root is removed or emptied (${swap.what})`, async (t) => {
    const base = fresh('race');
    const root = join(base, 'root');
    materialize(debianRoot().file('/var/log/app/app.log.1', 'old\n').file('/var/log/app/shadow', 'a log named shadow\n').file('/var/log/syslog', 'log\n'), root);
    const outside = victims();
    // The relative variant climbs from root/var to base/outside-2.
    symlinkSync(outside, join(base, 'outside-2'));
    const before = snapshot(outside);
    const pause = fresh('pause');
    const running = osconf(['prepare', '--root', root], { env: { ...process.env, OSCONF_TEST_PAUSE_AFTER_PLAN: pause } });
    while (!existsSync(join(pause, 'planned'))) await wait(50);
    renameSync(join(root, swap.dir), join(root, `${swap.dir}.moved`));
    symlinkSync(swap.link(outside), join(root, swap.dir));
    writeFileSync(join(pause, 'continue'), '');
    const r = await running;
    t.deepEqual(snapshot(outside), before, 'nothing outside the root was removed or emptied');
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, new RegExp(`^osconf: refusing ${root}/var/log/\\S+: ${root}/${swap.dir} is a symbolic link \\(nothing is done through a link\\)\\n$`));
    t.is(readFileSync(join(root, `${swap.dir}.moved`, swap.dir === 'var/log' ? 'app/shadow' : 'shadow'), 'utf8'), 'a log named shadow\n', 'nor anything planned, once swapped');
  });
}

test('prepare without a swap still removes and empties the logs it planned (the hook only pauses)', async (t) => {
  const root = fresh('root');
  materialize(debianRoot().file('/var/log/app/app.log.1', 'old\n').file('/var/log/app/shadow', 'a log\n'), root);
  const pause = fresh('pause');
  writeFileSync(join(pause, 'continue'), '');
  const r = await osconf(['prepare', '--root', root], { env: { ...process.env, OSCONF_TEST_PAUSE_AFTER_PLAN: pause } });
  t.is(r.code, 0, r.stderr);
  t.false(existsSync(join(root, 'var/log/app/app.log.1')));
  t.is(readFileSync(join(root, 'var/log/app/shadow'), 'utf8'), '');
});

/** A Debian 12 ifupdown root whose named directories are links to `outside`'s copies of them. */
function linkedRoot(links: Record<string, (outside: string) => string>): { root: string; outside: string } {
  const debian = DISTROS.find((d) => d.name === 'Debian 12 with ifupdown')!;
  const root = fresh('root');
  const outside = fresh('outside');
  const files: Record<string, string> = {
    '/etc/os-release': debian.osRelease!,
    '/etc/shadow': 'root:$6$keep$keep:19000:0:99999:7:::\n',
    '/etc/hostname': 'outside\n',
    '/etc/hosts': '127.0.0.1 localhost outside\n',
    '/etc/resolv.conf': 'nameserver 192.0.2.53\n',
    '/etc/network/interfaces': 'source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n',
    '/etc/network/interfaces.d/keep': '# outside\n',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
    mkdirSync(join(outside, path, '..'), { recursive: true });
    writeFileSync(join(outside, path), content);
  }
  for (const f of debian.files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    if (!existsSync(join(root, f))) writeFileSync(join(root, f), '');
  }
  for (const [link, target] of Object.entries(links)) {
    rmSync(join(root, link), { recursive: true, force: true });
    mkdirSync(join(root, link, '..'), { recursive: true });
    symlinkSync(target(outside), join(root, link));
  }
  return { root, outside };
}

test('apply --root with /etc and /run links to another directory: nothing outside the root is written (shadow, hostname, hosts, resolv.conf, the lock)', async (t) => {
  const { root, outside } = linkedRoot({ etc: (o) => `${o}/etc`, run: (o) => o });
  const before = snapshot(outside);
  const r = await osconf(['apply', '--root', root, '--conf', join(examplesDir, 'classic.conf'), '--json']);
  t.deepEqual(snapshot(outside), before, `nothing outside the root changed (exit ${r.code}: ${r.stderr})`);
  // As chroot would: the absolute target is read from the root, where it is absent.
  t.false(existsSync(join(outside, 'osconf')), 'the lock is not taken outside');
});

test('apply --root with a linked interfaces.d: one climbing out of the root is refused by name; one inside it is written through', async (t) => {
  const out = linkedRoot({ '/etc/network/interfaces.d': () => '../../../outside-ifd' });
  symlinkSync(join(out.outside, 'etc/network/interfaces.d'), join(out.root, '..', 'outside-ifd'));
  const before = snapshot(out.outside);
  const r = await osconf(['apply', '--root', out.root, '--conf', join(examplesDir, 'classic.conf'), '--json']);
  t.deepEqual(snapshot(out.outside), before);
  t.is(r.code, 1);
  // Only the concern that needs the directory fails (issue 16 item 4); the others apply inside the root.
  const state = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { concerns: Array<{ concern: string; result: string; message: string | null }> };
  const network = state.concerns.find((c) => c.concern === 'network')!;
  t.is(network.result, 'failed', r.stdout);
  t.regex(network.message!, new RegExp(`refusing ${out.root}/etc/network/interfaces\\.d: a symbolic link on the way leads above ${out.root}`));
  t.deepEqual(state.concerns.filter((c) => c.concern !== 'network').map((c) => `${c.concern} ${c.result}`), ['password applied', 'hostname applied', 'dns applied']);
  t.regex(readFileSync(join(out.root, 'etc/hostname'), 'utf8'), /^iZ23r29djmjZ$/m);

  const inside = linkedRoot({ '/etc/network/interfaces.d': () => '/srv/ifd' });
  mkdirSync(join(inside.root, 'srv/ifd'), { recursive: true });
  const ok = await osconf(['apply', '--root', inside.root, '--conf', join(examplesDir, 'classic.conf'), '--json']);
  t.is(ok.code, 0, ok.stderr);
  t.regex(readFileSync(join(inside.root, 'srv/ifd/50-osconf'), 'utf8'), /10\.171\.254\.123/);
});

test('render --root does not read detection facts through a link out of the root', async (t) => {
  const { root } = linkedRoot({ etc: (o) => `${o}/etc` });
  const r = await osconf(['render', '--root', root, '--conf', join(examplesDir, 'classic.conf')]);
  t.is(r.code, 0, r.stderr);
  // The outside /etc has Debian's os-release and a hosts file naming `outside`; the root itself has neither.
  t.regex(r.stdout, /^# {3}no os-release$/m);
  t.notRegex(r.stdout, /outside/);
});
