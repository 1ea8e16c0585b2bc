import test from 'ava';
import { rmSync } from 'node:fs';
import { detectProfile } from '../../../src/distro/detect.js';
import { parseOsRelease } from '../../../src/distro/os-release.js';
import { probeHost } from '../../../src/apply/gather.js';
import { NodeHost } from '../../../src/host/node-host.js';
import { DISTROS } from '../../fixtures/distros.js';
import { buildRoot } from '../../helpers/sandbox-root.js';

for (const fixture of DISTROS) {
  test(`detects ${fixture.name}`, async (t) => {
    const root = buildRoot(fixture);
    try {
      const detection = detectProfile(await probeHost(new NodeHost(root)));
      t.is(detection.profile.id, fixture.expectProfile, detection.reasons.join('; '));
      t.is(detection.profile.stack as string | null, fixture.expectStack);
      t.is(detection.label, fixture.expectLabel);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('an explicit stack or profile wins over detection', (t) => {
  const facts = { osRelease: parseOsRelease('ID=debian\nVERSION_ID=12\n'), paths: new Set(['/sbin/ifup']), enabled: new Set<string>(), nmPlugins: null };
  t.is(detectProfile(facts).profile.stack, 'eni');
  t.is(detectProfile(facts, { stack: 'networkd' }).profile.stack, 'networkd');
  t.is(detectProfile(facts, { profile: 'suse' }).profile.stack, 'sysconfig-suse');
});

test('os-release values are read as a shell reads them', (t) => {
  t.deepEqual(parseOsRelease('NAME="Debian GNU/Linux"\nID=debian\nPRETTY_NAME=\'a b\'\n'), { NAME: 'Debian GNU/Linux', ID: 'debian', PRETTY_NAME: 'a b' });
});
