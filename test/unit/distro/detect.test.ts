import test from 'ava';
import { rmSync } from 'node:fs';
import { chooseMode, cloudInitUsability, detectProfile, parseDatasourceList, type CloudInitBoot } from '../../../src/distro/detect.js';
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

// cloud-init's usability, by cloud-init 22.4's generator and ds-identify rules (src/distro/detect.ts).
const debian = parseOsRelease('ID=debian\nVERSION_ID=12\n');
const withCloudInit = (extra: string[] = [], units = ['cloud-init-local.service', 'cloud-init.service']) => ({
  osRelease: debian,
  paths: new Set(['/sbin/ifup', '/usr/bin/cloud-init', ...extra]),
  enabled: new Set(units),
  nmPlugins: null,
});
const boot = (over: Partial<CloudInitBoot> = {}): CloudInitBoot => ({ cmdline: 'root=/dev/vda2 ro', generator: 'enabled', datasourceList: ['NoCloud', 'None'], ...over });

test('cloud-init usable: installed, units enabled, not disabled, the generator enabled it and ds-identify chose NoCloud', (t) => {
  t.deepEqual(cloudInitUsability(withCloudInit(), boot()), { usable: true, reason: 'cloud-init is enabled for this boot' });
  t.true(cloudInitUsability(withCloudInit()).usable, 'offline: the static rules');
  t.true(cloudInitUsability(withCloudInit([], ['cloud-init-local'])).usable, 'SysV scripts count');
});

const unusable: Array<[string, ReturnType<typeof withCloudInit>, CloudInitBoot | undefined, RegExp]> = [
  ['not installed', { ...withCloudInit(), paths: new Set(['/sbin/ifup']) }, boot(), /not installed/],
  ['units not enabled', withCloudInit([], []), boot(), /units are not enabled/],
  ['/etc/cloud/cloud-init.disabled', withCloudInit(['/etc/cloud/cloud-init.disabled']), undefined, /cloud-init\.disabled/],
  ['cloud-init=disabled on the kernel command line', withCloudInit(), boot({ cmdline: 'ro cloud-init=enabled cloud-init=disabled' }), /kernel command line/],
  ['the generator disabled it (ds-identify found nothing)', withCloudInit(), boot({ generator: 'disabled', datasourceList: null }), /ds-identify found no datasource/],
  ['ds-identify chose another datasource', withCloudInit(), boot({ datasourceList: ['AliYun', 'None'] }), /chose AliYun, None/],
];
for (const [name, facts, b, reason] of unusable) {
  test(`cloud-init not usable: ${name}; auto runs standalone, explicit cloud-init is an error`, (t) => {
    const u = cloudInitUsability(facts, b);
    t.false(u.usable);
    t.regex(u.reason, reason);
    t.deepEqual(chooseMode('auto', u), { mode: 'standalone' });
    const explicit = chooseMode('cloud-init', u);
    t.is(explicit.mode, undefined);
    t.regex(explicit.error ?? '', /^mode = cloud-init, but .*os\.conf; it is kept/);
  });
}

test('ifupdown without route(8): cloud-init would lose every route, so it is not used; netplan does not need it', (t) => {
  const u = cloudInitUsability(withCloudInit(), boot(), 'eni');
  t.false(u.usable);
  t.regex(u.reason, /route\(8\).*net-tools/);
  t.true(cloudInitUsability(withCloudInit(['/usr/sbin/route']), boot(), 'eni').usable);
  t.true(cloudInitUsability(withCloudInit(), boot(), 'netplan').usable);
});

test('the kernel command line wins over the files, as in cloud-init-generator; the enabled file over the disabled one', (t) => {
  t.true(cloudInitUsability(withCloudInit(['/etc/cloud/cloud-init.disabled']), boot({ cmdline: 'ro cloud-init=enabled' })).usable);
  t.true(cloudInitUsability(withCloudInit(['/etc/cloud/cloud-init.disabled', '/etc/cloud/cloud-init.enabled'])).usable);
  t.deepEqual(chooseMode('standalone', cloudInitUsability(withCloudInit(), boot())), { mode: 'standalone' });
  t.deepEqual(chooseMode('auto', cloudInitUsability(withCloudInit(), boot())), { mode: 'cloud-init' });
});

test("ds-identify's datasource_list line is read as it writes it", (t) => {
  t.deepEqual(parseDatasourceList('di_report:\n  datasource_list: x\ndatasource_list: [ NoCloud, None ]\n'), ['NoCloud', 'None']);
  t.is(parseDatasourceList('# manual_cache_clean.\n'), null);
});
