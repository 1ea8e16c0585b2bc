// Differential: for each stack both implement, osconf's renderer and cloud-init 22.4's renderer (fed our
// network-config v2) must configure the same addresses, routes and name servers, and both must equal the model.
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { renderNetworkConfigV2 } from '../../src/datasource/network-config-v2.js';
import { profileForStack, type Stack } from '../../src/distro/profiles.js';
import { renderSystem } from '../../src/render/system.js';
import { cloudInit } from '../helpers/cloud-init.js';
import { expectedFacts, factsOf, readTree } from '../helpers/network-facts.js';
import { goldenDir } from '../helpers/paths.js';
import { RESOLVERS } from '../fixtures/resolvers.js';

const PAIRS: Array<{ stack: Stack; kind: string; distro: string }> = [
  { stack: 'eni', kind: 'eni', distro: 'debian' },
  { stack: 'netplan', kind: 'netplan', distro: 'ubuntu' },
  { stack: 'networkd', kind: 'networkd', distro: 'arch' },
  { stack: 'sysconfig-rhel', kind: 'sysconfig', distro: 'rhel' },
  { stack: 'network-manager', kind: 'network-manager', distro: 'fedora' },
  { stack: 'sysconfig-suse', kind: 'sysconfig', distro: 'sles' },
];

for (const name of ['vpc', 'classic', 'three-nics', 'routes-without-default']) {
  for (const { stack, kind, distro } of PAIRS) {
    test(`${stack}: osconf and cloud-init agree on ${name}`, async (t) => {
      const { config } = readOsConf(readFileSync(join(goldenDir, name, 'input.conf')));
      const work = mkdtempSync(join(tmpdir(), 'osconf-diff-'));
      try {
        // cloud-init writes dns-nameservers whatever reads them; resolvconf (with its if-up.d hook) reads them.
        const resolver = stack === 'eni' ? RESOLVERS.resolvconf : RESOLVERS.none;
        for (const f of renderSystem({ config, profile: profileForStack(stack), resolver }).files) {
          if (f.concern === 'hostname') continue;
          mkdirSync(dirname(join(work, 'ours', f.path)), { recursive: true });
          writeFileSync(join(work, 'ours', f.path), f.content);
        }
        writeFileSync(join(work, 'network-config'), renderNetworkConfigV2(config));
        const r = await cloudInit(['devel', 'net-convert', '-p', join(work, 'network-config'), '-k', 'yaml', '-D', distro, '-O', kind, '-d', join(work, 'theirs')]);
        t.is(r.code, 0, r.stderr);
        const ours = factsOf(stack, readTree(join(work, 'ours')));
        const theirs = factsOf(stack, readTree(join(work, 'theirs')));
        t.deepEqual(ours, expectedFacts(config), 'osconf matches the model');
        if (stack === 'sysconfig-suse') {
          // cloud-init 22.4's SUSE flavour writes no ifroute files: every route, default included, is lost.
          t.deepEqual(theirs.routes, []);
          t.deepEqual({ ...theirs, routes: ours.routes }, ours);
        } else {
          t.deepEqual(ours, theirs, 'osconf and cloud-init configure the same');
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
}
