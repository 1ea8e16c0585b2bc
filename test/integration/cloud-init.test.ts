// Proof against the real cloud-init 22.4: its net-convert turns our network-config v1 and v2 into every output
// kind it has, and the addresses, routes and name servers in what it wrote are exactly ours. Its schema
// command accepts our user-data.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { cloudInit } from '../helpers/cloud-init.js';
import { expectedFacts, factsOf, readTree } from '../helpers/network-facts.js';
import { goldenDir } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';

// cloud-init's output kinds, the distro it renders them for, and our reader of that format.
export const CLOUD_INIT_KINDS: Array<{ kind: string; distro: string; reader: string }> = [
  { kind: 'eni', distro: 'debian', reader: 'eni' },
  { kind: 'netplan', distro: 'ubuntu', reader: 'netplan' },
  { kind: 'networkd', distro: 'arch', reader: 'networkd' },
  { kind: 'sysconfig', distro: 'rhel', reader: 'sysconfig-rhel' },
  { kind: 'network-manager', distro: 'fedora', reader: 'network-manager' },
];
const cases = ['vpc', 'classic', 'three-nics', 'no-dns', 'routes-without-default'];

for (const name of cases) {
  for (const [format, flag] of [
    ['v2', 'network-config'],
    ['v1', 'network-config-v1'],
  ] as const) {
    test(`cloud-init net-convert renders our network-config ${format} for ${name}, every output kind`, async (t) => {
      const conf = join(goldenDir, name, 'input.conf');
      const expected = expectedFacts(readOsConf(readFileSync(conf)).config);
      const work = mkdtempSync(join(tmpdir(), 'osconf-netconvert-'));
      try {
        const view = await osconf(['datasource', '--conf', conf, '--format', flag]);
        t.is(view.code, 0, view.stderr);
        writeFileSync(join(work, 'network-config'), view.stdout);
        for (const { kind, distro, reader } of CLOUD_INIT_KINDS) {
          const out = join(work, kind);
          const r = await cloudInit(['devel', 'net-convert', '-p', join(work, 'network-config'), '-k', 'yaml', '-D', distro, '-O', kind, '-d', out]);
          t.is(r.code, 0, `${kind}: ${r.stderr}`);
          t.deepEqual(factsOf(reader, readTree(out)), expected, `${kind} from ${format}`);
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
}

test('cloud-init schema accepts our user-data, with and without a password', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'osconf-schema-'));
  try {
    for (const name of ['vpc', 'hostname-only']) {
      const view = await osconf(['datasource', '--conf', join(goldenDir, name, 'input.conf'), '--format', 'user-data']);
      t.is(view.code, 0, view.stderr);
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, view.stdout);
      const r = await cloudInit(['schema', '--config-file', file]);
      t.is(r.code, 0, r.stdout + r.stderr);
      t.regex(r.stdout, /Valid cloud-config/);
    }
    // The check is real: cloud-init refuses a user-data that breaks its schema.
    writeFileSync(join(work, 'bad.yaml'), '#cloud-config\nchpasswd:\n  users:\n    - name: root\n      pass: x\n');
    t.not((await cloudInit(['schema', '--config-file', join(work, 'bad.yaml')])).code, 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
