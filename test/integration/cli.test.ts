// The bundled command as users run it: exit codes, one-line errors, no stack traces, no side effects.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplesDir } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-cli-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const vpc = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');
const file = (name: string, content: string | Uint8Array): string => {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
};

test("show --json gives the guide's VPC example as the documented contract", async (t) => {
  const r = await osconf(['show', '--conf', join(examplesDir, 'vpc.conf'), '--json']);
  t.is(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  t.like(json, {
    network: 'vpc',
    hostname: 'iZ23r29djmjZ',
    password: '(set)',
    nameservers: ['7.7.7.7', '8.8.8.8'],
    interfaces: [
      {
        name: 'eth0',
        mac: '00:8c:fa:5e:14:23',
        address: '10.171.254.123',
        prefix: 24,
        netmask: '255.255.255.0',
        gateway: '10.171.254.1',
        routes: [{ to: '0.0.0.0/0', via: '10.171.254.1' }],
      },
    ],
    warnings: [],
    errors: [],
  });
  t.false(r.stdout.includes('qwHr1234'));
  t.false(r.stdout.includes('cXdIcjEyMzQK'));
});

test("show --json gives the guide's classic example", async (t) => {
  const r = await osconf(['show', '--conf', join(examplesDir, 'classic.conf'), '--json']);
  t.is(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  t.is(json.network, 'classic');
  t.deepEqual(json.interfaces.map((n: { name: string; routes: unknown }) => [n.name, n.routes]), [
    ['eth0', [{ to: '10.0.0.0/8', via: '10.171.254.1' }, { to: '172.16.0.0/12', via: '10.171.254.1' }]],
    ['eth1', [{ to: '0.0.0.0/0', via: '42.120.74.1' }]],
  ]);
  t.deepEqual(json.defaultRoute, { interface: 'eth1', via: '42.120.74.1' });
});

const marker = join(work, 'pwned');
// [name, content, line, key] for every hostile input of the "Done when".
const hostile: Array<[string, string | Uint8Array, number | null, string | null]> = [
  ['shell substitution', vpc.replace('hostname=iZ23r29djmjZ', `hostname=$(touch ${marker})`), 1, 'hostname'],
  ['backticks in a quoted route', vpc.replace('eth0_route="0.0.0.0/0', `eth0_route="\`touch ${marker}\` 0.0.0.0/0`), 7, 'eth0_route'],
  ['substitution in an unknown key', `${vpc}x=$(touch ${marker})\n`, 9, 'x'],
  ['invalid Base64', vpc.replace('password=cXdIcjEyMzQK', 'password=cXdI*cjEy'), 2, 'password'],
  ['password with an embedded newline', vpc.replace('password=cXdIcjEyMzQK', `password=${Buffer.from('root2:x\nroot:y').toString('base64')}`), 2, 'password'],
  ['non-contiguous netmask', vpc.replace('eth0_netmask=255.255.255.0', 'eth0_netmask=255.0.255.0'), 5, 'eth0_netmask'],
  ['bad IP', vpc.replace('eth0_ip_addr=10.171.254.123', 'eth0_ip_addr=10.171.254'), 3, 'eth0_ip_addr'],
  ['bad MAC', vpc.replace('eth0_mac_addr=00:8c:fa:5e:14:23', 'eth0_mac_addr=00:8c:fa:5e:14:zz'), 4, 'eth0_mac_addr'],
  ['bad CIDR', vpc.replace('eth0_route="0.0.0.0/0', 'eth0_route="0.0.0.0/40'), 7, 'eth0_route'],
  ['bad hostname', vpc.replace('hostname=iZ23r29djmjZ', 'hostname="evil;reboot"'), 1, 'hostname'],
  ['incomplete NIC', vpc.replace(/^eth0_mac_addr=.*\n/m, ''), 3, 'eth0_mac_addr'],
  ['binary garbage', new Uint8Array([0x68, 0x3d, 0x0a, 0xff, 0x00, 0x13, 0x37, 0x0a]), 2, null],
  ['invalid UTF-8', new Uint8Array([...Buffer.from('hostname=a\nx='), 0xe2, 0x28, 0xa1]), 2, null],
];

for (const [name, content, line, key] of hostile) {
  test(`show rejects ${name} with exit 3, naming line and key`, async (t) => {
    const path = file(`${name.replace(/\W+/g, '-')}.conf`, content);
    for (const args of [['show', '--conf', path], ['show', '--conf', path, '--json'], ['datasource', '--conf', path, '--format', 'meta-data']]) {
      const r = await osconf(args);
      t.is(r.code, 3, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      t.notRegex(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
      if (args.includes('--json')) {
        const errors = JSON.parse(r.stdout).errors as Array<{ line: number; key: string | null }>;
        t.true(errors.some((e) => e.line === line && e.key === key), JSON.stringify(errors));
      } else {
        const where = key ? `${path}:${line}: ${key}: ` : `${path}:${line}: `;
        t.true((r.stdout + r.stderr).includes(where), r.stdout + r.stderr);
      }
    }
    t.false(existsSync(marker), 'os.conf content was executed');
    t.false((await osconf(['show', '--conf', path])).stdout.includes('qwHr1234'));
  });
}

test('a 10 MB file is rejected by the size limit, without reading it all', async (t) => {
  const path = join(work, 'big.conf');
  writeFileSync(path, Buffer.alloc(10 * 1024 * 1024, 'a'));
  const r = await osconf(['show', '--conf', path]);
  t.is(r.code, 3);
  t.regex(r.stdout, /10485760 bytes, over the 65536-byte limit/);
});

test('os.conf as a symbolic link or a directory is refused (exit 3); a missing file is exit 1', async (t) => {
  const link = join(work, 'link.conf');
  symlinkSync('/etc/shadow', link);
  let r = await osconf(['show', '--conf', link]);
  t.is(r.code, 3);
  t.regex(r.stderr, /is a symbolic link/);
  t.notRegex(r.stdout, /root:/);

  const dir = join(work, 'dir.conf');
  mkdirSync(dir);
  r = await osconf(['show', '--conf', dir]);
  t.is(r.code, 3);
  t.regex(r.stderr, /not a regular file/);

  r = await osconf(['show', '--conf', join(work, 'absent.conf')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /^osconf: failed to open .*absent\.conf: ENOENT\n$/);
});

// A hang would last forever: the bound only has to outlast a loaded machine's start-up of Node.
test('a FIFO does not hang the reader', async (t) => {
  const fifo = join(work, 'fifo.conf');
  execFileSync('mkfifo', [fifo]);
  const r = await osconf(['show', '--conf', fifo], { timeoutMs: 60_000 });
  t.is(r.code, 3);
  t.regex(r.stderr, /not a regular file/);
});

test('usage errors exit 2; help and version exit 0', async (t) => {
  t.is((await osconf([])).code, 2);
  t.is((await osconf(['frobnicate'])).code, 2);
  t.is((await osconf(['show'])).code, 2);
  t.is((await osconf(['datasource', '--conf', join(examplesDir, 'vpc.conf'), '--format', 'nope'])).code, 2);
  t.is((await osconf(['datasource', '--conf', join(examplesDir, 'vpc.conf')])).code, 2);
  const help = await osconf(['show', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /--conf <file>/);
  const version = await osconf(['--version']);
  t.is(version.code, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('--debug adds a stack trace to an error; without it there is none', async (t) => {
  const absent = join(work, 'absent2.conf');
  t.notRegex((await osconf(['show', '--conf', absent])).stderr, /\n\s+at /);
  t.regex((await osconf(['--debug', 'show', '--conf', absent])).stderr, /\n\s+at /);
});

test('datasource --nocloud-dir writes a complete seed, user-data root-only, password only hashed', async (t) => {
  const dir = join(work, 'seed');
  const r = await osconf(['datasource', '--conf', join(examplesDir, 'classic.conf'), '--nocloud-dir', dir, '--instance-id', 'iid-test']);
  t.is(r.code, 0, r.stderr);
  t.is(statSync(join(dir, 'user-data')).mode & 0o777, 0o600);
  t.is(statSync(join(dir, 'meta-data')).mode & 0o777, 0o644);
  t.is(statSync(join(dir, 'network-config')).mode & 0o777, 0o644);
  t.is(readFileSync(join(dir, 'meta-data'), 'utf8').split('\n').slice(1).join('\n'), 'instance-id: iid-test\nlocal-hostname: iZ23r29djmjZ\n');
  const userData = readFileSync(join(dir, 'user-data'), 'utf8');
  t.false(userData.includes('qwHr1234'));
  const hash = /password: (\$6\$\S+)/.exec(userData)![1]!;
  // The hash verifies against the os.conf password with an independent implementation (openssl).
  const salt = hash.split('$')[2]!;
  t.is(execFileSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: 'qwHr1234' }).toString().trim(), hash);
  t.false(r.stderr.includes('qwHr1234'));
});

test('a rejected os.conf writes no seed', async (t) => {
  const dir = join(work, 'seed-rejected');
  const bad = file('bad-seed.conf', vpc.replace('eth0_netmask=255.255.255.0', 'eth0_netmask=255.0.255.0'));
  const r = await osconf(['datasource', '--conf', bad, '--nocloud-dir', dir]);
  t.is(r.code, 3);
  t.false(existsSync(dir));
  t.regex(r.stderr, /eth0_netmask: 255\.0\.255\.0 is not a contiguous netmask/);
});

test('a seed directory that cannot be created is an operational failure (exit 1)', async (t) => {
  const parent = join(work, 'blocked');
  mkdirSync(parent);
  writeFileSync(join(parent, 'seed'), 'a file where the directory should be');
  const r = await osconf(['datasource', '--conf', join(examplesDir, 'vpc.conf'), '--nocloud-dir', join(parent, 'seed')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /failed to write the NoCloud seed/);
});

test('instance-data is redacted and names the source', async (t) => {
  const r = await osconf(['datasource', '--conf', join(examplesDir, 'vpc.conf'), '--format', 'instance-data', '--instance-id', 'iid-x']);
  t.is(r.code, 0, r.stderr);
  const data = JSON.parse(r.stdout);
  t.is(data.v1.cloud_name, 'aliyun');
  t.is(data.v1.instance_id, 'iid-x');
  t.regex(data.v1.subplatform, /vpc\.conf/);
  t.is(data.ds.user_data, 'redacted for non-root user');
  t.false(r.stdout.includes('$6$'));
});
