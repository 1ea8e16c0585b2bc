// Every renderer × every golden case, rendered offline, compared exactly with
// test/golden/<case>/expected/<stack>/ (missing and extra files fail; bytes and modes compared).
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../../src/config/validate.js';
import { profileForStack, STACKS } from '../../../src/distro/profiles.js';
import { renderSystem } from '../../../src/render/system.js';
import { compareGoldenTree } from '../../helpers/golden.js';
import { goldenDir } from '../../helpers/paths.js';

for (const name of readdirSync(goldenDir).sort()) {
  for (const stack of STACKS) {
    test(`render ${stack}: ${name}`, (t) => {
      const { config, errors } = readOsConf(readFileSync(join(goldenDir, name, 'input.conf')));
      t.deepEqual(errors, []);
      const { files } = renderSystem({ config, profile: profileForStack(stack) });
      compareGoldenTree(t, join(goldenDir, name, 'expected', stack), files);
    });
  }
}
