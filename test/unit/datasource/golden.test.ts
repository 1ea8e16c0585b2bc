// Every datasource view of every golden case, compared with test/golden/<case>/expected/datasource/.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha512Crypt } from '../../../src/config/password-hash.js';
import { readOsConf } from '../../../src/config/validate.js';
import { instanceData, redactSensitive, renderInstanceData } from '../../../src/datasource/instance-data.js';
import { renderNetworkConfigV1 } from '../../../src/datasource/network-config-v1.js';
import { nocloudSeed } from '../../../src/datasource/nocloud-seed.js';
import type { PlannedFile } from '../../../src/render/file.js';
import { compareGoldenTree } from '../../helpers/golden.js';
import { goldenDir } from '../../helpers/paths.js';

const FIXED_SALT = 'goldensaltgolden';
const FIXED_ID = 'iid-golden';

export function datasourceViews(input: Uint8Array): PlannedFile[] {
  const { config, errors } = readOsConf(input);
  if (errors.length > 0) throw new Error(`golden input is invalid: ${JSON.stringify(errors)}`);
  const hash = config.password ? sha512Crypt(config.password, FIXED_SALT) : null;
  const data = instanceData({
    config,
    instanceId: FIXED_ID,
    sourcePath: '/boot/aliyun_custom_image/os.conf',
    passwordHash: hash,
    system: { distro: 'debian', distroVersion: '12', distroRelease: 'bookworm', kernelRelease: '6.1.0-test', machine: 'x86_64', variant: 'debian' },
  });
  return [
    ...nocloudSeed(config, FIXED_ID, hash),
    { path: 'network-config-v1', mode: 0o644, content: renderNetworkConfigV1(config) },
    { path: 'instance-data.json', mode: 0o644, content: renderInstanceData(redactSensitive(data)) },
  ];
}

for (const name of readdirSync(goldenDir).sort()) {
  test(`datasource views: ${name}`, (t) => {
    const input = readFileSync(join(goldenDir, name, 'input.conf'));
    compareGoldenTree(t, join(goldenDir, name, 'expected', 'datasource'), datasourceViews(input));
  });
}
