// `osconf render` as users run it: the JSON contract, detection in a sandbox root, and that nothing changes.
import test from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DISTROS } from '../fixtures/distros.js';
import { examplesDir } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';
import { buildRoot } from '../helpers/sandbox-root.js';
import { readTree } from '../helpers/network-facts.js';

const treeHash = (dir: string): string => {
  const h = createHash('sha256');
  for (const f of readTree(dir).sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.text}\0`);
  return h.digest('hex');
};

test('render --stack --json: the documented contract', async (t) => {
  const r = await osconf(['render', '--conf', join(examplesDir, 'vpc.conf'), '--stack', 'networkd', '--json']);
  t.is(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  t.is(json.stack, 'networkd');
  t.true(Array.isArray(json.files));
  const unit = json.files.find((f: { path: string }) => f.path === '/etc/systemd/network/10-osconf-eth0.network');
  t.is(unit.mode, '0644');
  t.regex(unit.content, /^Address=10\.171\.254\.123\/24$/m);
  t.deepEqual(Object.keys(unit).sort(), ['concern', 'content', 'mode', 'path']);
});

test('render --root detects the distribution, edits its files in place, and changes nothing', async (t) => {
  const debian = DISTROS.find((d) => d.name === 'Debian 12 with ifupdown')!;
  const root = buildRoot({
    ...debian,
    extra: {
      '/etc/network/interfaces': 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n',
      '/etc/resolv.conf': 'search corp.example\nnameserver 192.0.2.53\n',
      '/etc/hosts': '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n',
    },
  });
  try {
    const before = treeHash(root);
    const r = await osconf(['render', '--conf', join(examplesDir, 'vpc.conf'), '--root', root, '--json']);
    t.is(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    t.is(json.profile, 'debian-12');
    t.is(json.stack, 'eni');
    const byPath = new Map<string, string>(json.files.map((f: { path: string; content: string }) => [f.path, f.content]));
    t.regex(byPath.get('/etc/network/interfaces')!, /^# iface eth0 inet dhcp/m);
    t.is(byPath.get('/etc/resolv.conf'), 'search corp.example\nnameserver 7.7.7.7\nnameserver 8.8.8.8\n');
    t.is(byPath.get('/etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n10.171.254.123\tiZ23r29djmjZ\t# managed by osconf\n');
    t.is(treeHash(root), before, 'render wrote nothing');
    t.is(readFileSync(join(root, 'etc/resolv.conf'), 'utf8'), 'search corp.example\nnameserver 192.0.2.53\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('render: usage errors exit 2, a rejected os.conf exits 3 and prints nothing', async (t) => {
  t.is((await osconf(['render', '--conf', join(examplesDir, 'vpc.conf'), '--stack', 'wicked'])).code, 2);
  const bad = await osconf(['render', '--conf', join(examplesDir, 'vpc.conf'), '--stack', 'eni', '--root', '/nonexistent-root-for-osconf']);
  t.is(bad.code, 2, 'a missing root is a usage error (issue 19), not an empty root rendered');
  t.regex((await osconf(['render', '--help'])).stdout, /--stack <name>/);
  const dir = buildRoot({ osRelease: '', files: [], extra: { '/os.conf': 'hostname=$(reboot)\n' } });
  try {
    const r = await osconf(['render', '--conf', join(dir, 'os.conf'), '--stack', 'eni']);
    t.is(r.code, 3);
    t.regex(r.stderr, /os\.conf:1: hostname: contains command substitution/);
    t.is(r.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
