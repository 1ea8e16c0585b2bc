// `osconf apply --root`: image builders fill an offline root the way a real boot would, and nothing runs.
import test from 'ava';
import { createHash, createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DISTROS } from '../fixtures/distros.js';
import { examplesDir } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';
import { buildRoot } from '../helpers/sandbox-root.js';
import { rootHashVerifies } from '../helpers/shadow.js';

const SHADOW = 'root:$1$old$oldoldoldoldoldoldold:18000:0:99999:7:::\nbin:*:18000:0:99999:7:::\n';


test('apply --root on a CentOS 7 root writes ifcfg, routes, host name, DNS and the password, and runs nothing', async (t) => {
  const centos = DISTROS.find((d) => d.name === 'CentOS 7 with the network service')!;
  const root = buildRoot({
    ...centos,
    extra: {
      '/etc/shadow': SHADOW,
      '/etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n',
      '/etc/hosts': '127.0.0.1 localhost\n',
      '/etc/resolv.conf': '# written by the builder\nnameserver 100.100.2.136\n',
    },
  });
  try {
    const r = await osconf(['apply', '--root', root, '--conf', join(examplesDir, 'classic.conf'), '--json']);
    t.is(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    t.deepEqual(result.concerns.map((c: { result: string }) => c.result), ['applied', 'applied', 'applied', 'applied']);
    t.deepEqual(result.concerns.flatMap((c: { commands: string[] }) => c.commands), [], 'nothing is run for a sandbox root');
    const file = (p: string) => readFileSync(join(root, p), 'utf8');
    t.regex(file('/etc/sysconfig/network-scripts/ifcfg-eth0'), /^IPADDR=10\.171\.254\.123$/m);
    t.regex(file('/etc/sysconfig/network-scripts/ifcfg-eth0'), /^NM_CONTROLLED=no$/m);
    t.regex(file('/etc/sysconfig/network-scripts/ifcfg-eth1'), /^GATEWAY=42\.120\.74\.1$/m);
    t.is(file('/etc/sysconfig/network-scripts/route-eth0').split('\n').slice(1).join('\n'), '10.0.0.0/8 via 10.171.254.1 dev eth0\n172.16.0.0/12 via 10.171.254.1 dev eth0\n');
    t.is(file('/etc/hostname'), 'iZ23r29djmjZ\n');
    t.is(file('/etc/resolv.conf'), '# written by the builder\nnameserver 7.7.7.7\nnameserver 8.8.8.8\n');
    t.true(rootHashVerifies(file('/etc/shadow'), 'qwHr1234'));
    t.is(file('/etc/shadow').split('\n')[1], 'bin:*:18000:0:99999:7:::');
    t.is(file('/var/lib/osconf/backup/etc/sysconfig/network-scripts/ifcfg-eth0'), 'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n');
    t.is(statSync(join(root, '/var/lib/osconf/backup')).mode & 0o777, 0o700);
    const state = JSON.parse(file('/var/lib/osconf/state.json'));
    t.is(state.exitCode, 0);
    t.false(JSON.stringify(state).includes('qwHr1234'));
    // Issue 16 (4): state.json was 0644 with a plain sha256 of os.conf, which a short guess list reversed.
    // Now 0600, with an HMAC keyed by a random per-machine key (0600): no guess can be checked against it.
    t.is(statSync(join(root, '/var/lib/osconf/state.json')).mode & 0o777, 0o600);
    t.is(statSync(join(root, '/var/lib/osconf/digest.key')).mode & 0o777, 0o600);
    const conf = readFileSync(join(examplesDir, 'classic.conf'));
    const key = Buffer.from(file('/var/lib/osconf/digest.key').trim(), 'hex');
    t.is(key.length, 32);
    t.is(state.digest, `hmac-sha256:${createHmac('sha256', key).update(conf).digest('hex')}`);
    const stateText = file('/var/lib/osconf/state.json');
    for (const fast of ['sha256', 'sha1', 'md5', 'sha512']) t.false(stateText.includes(createHash(fast).update(conf).digest('hex')), fast);

    const again = await osconf(['apply', '--root', root, '--conf', join(examplesDir, 'classic.conf'), '--json']);
    t.deepEqual(JSON.parse(again.stdout).concerns.map((c: { result: string }) => c.result), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    const status = await osconf(['status', '--root', root]);
    t.regex(status.stdout, /password +unchanged/);
    t.is(JSON.parse(file('/var/lib/osconf/state.json')).digest, state.digest, 'the same file gives the same digest on this machine');
    t.regex(status.stdout, new RegExp(`${state.digest.slice(0, 28)}…`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('apply --root on CentOS 6 keeps the host name in /etc/sysconfig/network', async (t) => {
  const centos6 = DISTROS.find((d) => d.name === 'CentOS 6')!;
  const root = buildRoot({ ...centos6, extra: { ...centos6.extra, '/etc/shadow': SHADOW, '/etc/sysconfig/network': 'NETWORKING=yes\nHOSTNAME=localhost.localdomain\n' } });
  try {
    const r = await osconf(['apply', '--root', root, '--conf', join(examplesDir, 'vpc.conf')]);
    t.is(r.code, 0, r.stderr);
    t.is(readFileSync(join(root, 'etc/sysconfig/network'), 'utf8'), 'NETWORKING=yes\nHOSTNAME=iZ23r29djmjZ\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('apply --root without --conf is a usage error', async (t) => {
  t.is((await osconf(['apply', '--root', '/tmp'])).code, 2);
});

test('one odd file fails only the concern that needs it: /etc/hosts over the bound, resolv.conf a FIFO (issue 16, item 4)', async (t) => {
  const centos = DISTROS.find((d) => d.name === 'CentOS 7 with the network service')!;
  // An ad-block list: over the 4 MiB osconf reads.
  const bigHosts = `127.0.0.1 localhost\n${'0.0.0.0 ads.example.com\n'.repeat(200_000)}`;
  const root = buildRoot({ ...centos, extra: { '/etc/shadow': SHADOW, '/etc/hosts': bigHosts } });
  try {
    rmSync(join(root, 'etc/resolv.conf'), { force: true });
    execFileSync('mkfifo', [join(root, 'etc/resolv.conf')]);
    const r = await osconf(['apply', '--root', root, '--conf', join(examplesDir, 'classic.conf'), '--json'], { timeoutMs: 60_000 });
    t.is(r.code, 1, r.stderr);
    const result = JSON.parse(r.stdout) as { concerns: Array<{ concern: string; result: string; message?: string }> };
    const by = Object.fromEntries(result.concerns.map((c) => [c.concern, c]));
    t.is(by.password!.result, 'applied');
    t.is(by.network!.result, 'applied');
    t.is(by.hostname!.result, 'failed');
    t.regex(by.hostname!.message!, /\/etc\/hosts: larger than 4194304 bytes/);
    t.is(by.dns!.result, 'failed');
    t.regex(by.dns!.message!, /\/etc\/resolv\.conf: not a regular file/);
    t.true(rootHashVerifies(readFileSync(join(root, 'etc/shadow'), 'utf8'), 'qwHr1234'));
    t.regex(readFileSync(join(root, 'etc/sysconfig/network-scripts/ifcfg-eth0'), 'utf8'), /^IPADDR=10\.171\.254\.123$/m);
    t.is(readFileSync(join(root, 'etc/hosts'), 'utf8'), bigHosts, 'the odd file is left as it was');
    t.true(lstatSync(join(root, 'etc/resolv.conf')).isFIFO());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
