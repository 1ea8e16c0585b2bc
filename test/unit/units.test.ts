// osconf's systemd units on every systemd from 219 to 257: no setting that can stop a mount, a write or a
// tool (the deny list, each with its reason), and none that has not been reviewed (the allow list, with the
// version that introduced it). docs/unit-sandbox.md explains both lists; this test keeps it complete.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

/** Settings that break osconf on some version that knows them: the reason, as docs/unit-sandbox.md gives it. */
const DENIED: Record<string, string> = {
  ProtectClock: 'implies DeviceAllow=char-rtc r: on 245-251 the block device is blocked, partition 1 cannot be mounted (systemd issue 18142)',
  PrivateDevices: 'a private /dev has no block devices',
  DevicePolicy: 'a device allow-list',
  DeviceAllow: 'turns the device list into an allow-list',
  ProtectKernelModules: 'mounting FAT may need vfat and code page modules',
  ProtectSystem: 'makes /boot, /etc or everything read-only',
  ReadOnlyPaths: 'osconf writes /etc, /var, /run and partition 1',
  InaccessiblePaths: 'osconf writes /etc, /var, /run and partition 1',
  ReadOnlyDirectories: 'osconf writes /etc, /var, /run and partition 1',
  InaccessibleDirectories: 'osconf writes /etc, /var, /run and partition 1',
  ProtectHostname: 'the host name osconf sets would stay in a private UTS namespace',
  ProtectKernelTunables: 'the network tools write /proc/sys/net',
  PrivateNetwork: 'osconf configures the network',
  RestrictAddressFamilies: 'netlink, D-Bus and the stacks tools need their sockets',
  IPAddressDeny: 'the stacks tools run in the service cgroup',
  MemoryDenyWriteExecute: "V8's JIT needs writable executable memory",
  SystemCallFilter: 'mount(2), sethostname(2) and the tools calls',
  CapabilityBoundingSet: 'osconf needs full root',
  AmbientCapabilities: 'osconf needs full root',
  User: 'osconf needs full root',
  DynamicUser: 'osconf needs full root',
  PrivateUsers: 'osconf needs full root',
  ProcSubset: 'hides /proc/cmdline (the osconf=disabled switch)',
  ProtectProc: 'restricts /proc',
  RestrictFileSystems: 'would have to list every file system partition 1 can have',
};

/** Every setting the units may use, with the systemd version that introduced it (0: before 219). */
const REVIEWED: Record<string, number> = {
  Description: 0,
  Documentation: 0,
  DefaultDependencies: 0,
  After: 0,
  Before: 0,
  Wants: 0,
  Conflicts: 0,
  ConditionPathExists: 0,
  ConditionKernelCommandLine: 0,
  WantedBy: 0,
  Type: 0,
  NotifyAccess: 0,
  ExecStart: 0,
  RemainAfterExit: 0,
  TimeoutStartSec: 0,
  UMask: 0,
  PrivateTmp: 0,
  NoNewPrivileges: 0,
  SystemCallArchitectures: 213,
  ProtectHome: 214,
  RestrictRealtime: 231,
  ProtectControlGroups: 232,
  RestrictNamespaces: 233,
  LockPersonality: 235,
  CacheDirectory: 235,
  RestrictSUIDSGID: 242,
  ProtectKernelLogs: 244,
  PathChanged: 0,
  Unit: 0,
};

const unitsDir = join(repoRoot, 'units');
const units = readdirSync(unitsDir).map((name) => ({ name, text: readFileSync(join(unitsDir, name), 'utf8') }));
const settings = (text: string) =>
  text
    .split('\n')
    .map((l) => /^([A-Za-z]+)=/.exec(l.trim())?.[1])
    .filter((k): k is string => k !== undefined);

test('no unit uses a setting that can stop osconf on systemd 219 to 257', (t) => {
  t.true(units.some((u) => u.name === 'osconf.service'));
  for (const u of units) {
    for (const key of settings(u.text)) t.false(key in DENIED, `${u.name}: ${key}= ${DENIED[key] ?? ''}`);
  }
});

test('every setting the units use has been reviewed (docs/unit-sandbox.md)', (t) => {
  for (const u of units) {
    for (const key of settings(u.text)) t.true(key in REVIEWED, `${u.name}: ${key}= is not reviewed: add it to docs/unit-sandbox.md and this test`);
  }
});

test("docs/unit-sandbox.md names every [Service] setting of osconf.service and every denied one", (t) => {
  const doc = readFileSync(join(repoRoot, 'docs', 'unit-sandbox.md'), 'utf8');
  const service = units.find((u) => u.name === 'osconf.service')!;
  const serviceSection = service.text.slice(service.text.indexOf('[Service]'), service.text.indexOf('[Install]'));
  for (const key of settings(serviceSection)) t.true(doc.includes(`\`${key}=`), `${key}= is not in docs/unit-sandbox.md`);
  for (const key of Object.keys(DENIED)) t.true(doc.includes(`\`${key}=\``), `denied ${key}= is not in docs/unit-sandbox.md`);
});

test('the deny list catches what it lists (ProtectClock=yes in osconf.service fails the first test)', (t) => {
  const service = units.find((u) => u.name === 'osconf.service')!;
  const broken = service.text.replace('[Service]\n', '[Service]\nProtectClock=yes\n');
  t.true(settings(broken).some((k) => k in DENIED));
});

/** systemd.path(5): the unit is started again as long as these hold, whatever the last run did. */
const LEVEL_TRIGGERED = ['PathExists', 'PathExistsGlob', 'DirectoryNotEmpty'];

test('osconf.path triggers on a change, never on existence: a failing os.conf cannot start osconf in a loop (issue 16 reproduction 11)', (t) => {
  const path = units.find((u) => u.name === 'osconf.path')!;
  const keys = settings(path.text);
  for (const key of LEVEL_TRIGGERED) t.false(keys.includes(key), `osconf.path uses ${key}=: re-triggers while os.conf exists`);
  // The directory, so a new os.conf is seen when it is created and closed (a watch on a missing file is set
  // only once the file exists, after its writer may have closed it).
  t.true(/^PathChanged=\/boot\/aliyun_custom_image$/m.test(path.text));
  t.true(/^Unit=osconf-retrigger\.service$/m.test(path.text));
  // The service it starts runs once and ends: nothing restarts it.
  const service = units.find((u) => u.name === 'osconf-retrigger.service')!;
  t.true(/^Type=oneshot$/m.test(service.text));
  t.false(settings(service.text).some((k) => k === 'Restart' || k === 'RemainAfterExit'));
});

test("the loop check fails on the old osconf.path (PathExists= on os.conf)", (t) => {
  const old = '[Path]\nPathExists=/boot/aliyun_custom_image/os.conf\nUnit=osconf-retrigger.service\n';
  t.true(settings(old).some((k) => LEVEL_TRIGGERED.includes(k)));
});

/** The sandboxing lines of a unit's [Service] section (everything but how it runs), sorted. */
function sandboxing(text: string): string[] {
  const how = new Set(['Type', 'NotifyAccess', 'ExecStart', 'RemainAfterExit', 'TimeoutStartSec']);
  const section = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]') < 0 ? undefined : text.indexOf('[Install]'));
  return section
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z]+=/.test(l) && !how.has(l.slice(0, l.indexOf('='))))
    .sort();
}

test('osconf-retrigger.service and osconf-verify.service are sandboxed as osconf.service (issue 20 item 8)', (t) => {
  const main = sandboxing(units.find((u) => u.name === 'osconf.service')!.text);
  t.true(main.length >= 10);
  for (const name of ['osconf-retrigger.service', 'osconf-verify.service']) {
    t.deepEqual(sandboxing(units.find((u) => u.name === name)!.text), main, name);
  }
  // The comparison sees a dropped line.
  t.notDeepEqual(sandboxing(units.find((u) => u.name === 'osconf.service')!.text.replace('PrivateTmp=yes\n', '')), main);
});
