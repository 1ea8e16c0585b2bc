// The suite never touches this machine: every sandbox comes from scripts/sandbox.sh with fresh mount, UTS and
// network namespaces (checked here and by the script itself), nothing else in the tree enters namespaces on
// its own, and the tripwire that scripts/test.sh wraps around the whole run does catch a renamed host, a new
// mount and a rewritten /etc/hosts (shown inside a sandbox, so that this proof changes nothing either).
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/run.js';
import { NetworkNamespace, runInSandbox, sandboxScript } from '../helpers/sandbox.js';

const nsOf = (pid: string, kind: string) => run('readlink', [`/proc/${pid}/ns/${kind}`]).then((r) => r.stdout.trim());

test('a sandbox has its own mount, UTS and network namespaces; a host name set inside stays inside', async (t) => {
  const host = { mnt: await nsOf('self', 'mnt'), uts: await nsOf('self', 'uts'), net: await nsOf('self', 'net') };
  const before = hostname();
  const probe = 'hostname sandbox-probe-name; hostname; for k in mnt uts net; do readlink /proc/self/ns/$k; done';
  const none = await runInSandbox('none', 'sh', ['-c', probe]);
  t.is(none.code, 0, none.stderr);
  const netns = NetworkNamespace.create('osconf-t', [{ name: 'eth0', mac: '00:16:3e:00:00:01' }]);
  let named;
  try {
    named = await runInSandbox({ netns: netns.name }, 'sh', ['-c', `${probe}; ip -br link show eth0`]);
  } finally {
    netns.destroy();
  }
  t.is(named.code, 0, named.stderr);
  for (const r of [none, named]) {
    const [name, mnt, uts, net] = r.stdout.trim().split('\n');
    t.is(name, 'sandbox-probe-name');
    t.not(mnt, host.mnt);
    t.not(uts, host.uts);
    t.not(net, host.net);
  }
  t.regex(named.stdout, /^eth0@\S+\s+\S+\s+00:16:3e:00:00:01/m, 'the named namespace carries the veth NIC at its MAC');
  t.is(hostname(), before);
});

test("sandbox.sh refuses to run a command in its caller's namespaces", async (t) => {
  // Its second stage, called directly in this process's namespaces, as a sandbox without --uts would leave it.
  // The command is harmless on purpose: this test must be safe even if the guard were broken.
  const callers = (await Promise.all(['mnt', 'uts', 'net'].map((k) => nsOf('self', k)))).join(' ');
  for (const [unshared, net, shared] of [
    [[], 'named', 'mnt'],
    [['--mount'], 'named', 'uts'],
    [['--mount', '--uts'], 'named', 'net'],
    [['--mount'], 'host', 'uts'],
  ] as const) {
    const inside = [sandboxScript, '--inside', net, callers, '--', 'echo', 'ran'];
    const r = unshared.length ? await run('unshare', [...unshared, '--propagation', 'private', 'bash', ...inside]) : await run('bash', inside);
    t.is(r.code, 70, `${unshared.join(' ')} ${net}`);
    t.is(r.stdout, '');
    t.is(r.stderr, `sandbox.sh: refusing to run echo: its ${shared} namespace is the caller's\n`);
  }
  const host = await run('unshare', ['--mount', '--uts', '--propagation', 'private', 'bash', sandboxScript, '--inside', 'host', callers, '--', 'echo', 'ran']);
  t.is(host.stdout, 'ran\n', '--host-network shares only the network');
  const unreadable = await run('bash', [sandboxScript, '--inside', 'named', 'mnt: uts: net:', '--', 'echo', 'ran']);
  t.is(unreadable.code, 70, 'a caller whose namespaces could not be read is taken as shared');
  t.is(unreadable.stdout, '');
});

test('nothing but scripts/sandbox.sh enters namespaces (unshare, ip netns exec, nsenter)', (t) => {
  const offences: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      if (!/\.(ts|mjs|sh)$/.test(name) && !/^[a-z-]+$/.test(name)) continue;
      const rel = relative(repoRoot, path);
      if (rel === 'scripts/sandbox.sh' || rel === 'test/integration/sandbox-safety.test.ts') continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // The one exception: the property test's driver, already inside a sandbox, enters that sandbox's own
          // peer namespace (bound at /run/netns/peer in its chroot) to bring its NICs' peers up.
          const peerOfOwnSandbox = rel === 'test/helpers/stack-driver.ts' && line.includes("'nsenter', '--net=/run/netns/peer'");
          if (/\bunshare\b|netns['"]?,? *['"]?exec\b|netns exec\b|\bnsenter\b/.test(line) && !/^\s*(#|\/\/|\*)/.test(line) && !peerOfOwnSandbox) offences.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
  };
  for (const d of ['scripts', 'test', 'bench', 'packaging']) walk(join(repoRoot, d));
  t.deepEqual(offences, []);
});

test('the tripwire names a renamed host, a new mount and a rewritten /etc/hosts, and passes an untouched run', async (t) => {
  const tripwire = join(repoRoot, 'scripts', 'tripwire.sh');
  const r = await runInSandbox('none', 'sh', [
    '-c',
    `set -eu
     state=$(mktemp); work=$(mktemp -d)
     [ -n "$work" ] && [ -d "$work" ]
     set +e; bash "$0" snapshot "$state" && bash "$0" compare "$state"; echo "untouched: $?"; set -e
     hostname renamed-by-a-test
     mkdir "$work/upper" "$work/w" && mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/upper,workdir=$work/w" /etc
     # Only ever into the overlay: never this machine's /etc/hosts.
     mountpoint -q /etc && [ "$(findmnt -n -o FSTYPE /etc)" = overlay ]
     echo "10.9.8.7 leaked" >> /etc/hosts
     mount -t tmpfs tripwire-probe /mnt
     set +e; bash "$0" compare "$state"; echo "touched: $?"
     umount /mnt /etc; rm -rf -- "$work" "$state"`,
    tripwire,
  ]);
  t.regex(r.stdout, /^tripwire: host unchanged \(compared running host name, .* mounts, \d+ network, cloud-init, SSH host key and osconf files\)\nuntouched: 0$/m);
  t.regex(r.stdout, /^ {2}running host name: "[^"]+" -> "renamed-by-a-test"$/m);
  t.regex(r.stdout, /^ {2}\/etc\/hosts: content changed\n {4}\+ 10\.9\.8\.7 leaked$/m);
  t.regex(r.stdout, /^ {4}\+ \/mnt tmpfs tripwire-probe /m);
  t.regex(r.stdout, /^ {4}\+ \/etc overlay overlay /m);
  t.regex(r.stdout, /^touched: 1$/m);
  t.not(hostname(), 'renamed-by-a-test');
});
