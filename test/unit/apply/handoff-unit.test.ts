// The verify hand-off (src/apply/handoff.ts) without a system: its own unit, read from /proc/PID/cgroup
// (cgroups(7)) for its look at whether systemd took READY=1, and the order it frees what the apply kept.
import test from 'ava';
import { HANDOFF_WAITING, openVerifyHandoff, serviceOfCgroup } from '../../../src/apply/handoff.js';
import { FakeHost } from '../../helpers/fake-host.js';

test('serviceOfCgroup: the unified hierarchy (systemd 247+ default) names the service', (t) => {
  t.is(serviceOfCgroup('0::/system.slice/osconf.service\n'), 'osconf.service');
  t.is(serviceOfCgroup('0::/system.slice/run-u12.service\n'), 'run-u12.service');
});

test('serviceOfCgroup: the hybrid and legacy layouts name it on the name=systemd line', (t) => {
  // Debian 11's hybrid layout: both lines name it.
  t.is(serviceOfCgroup('12:memory:/system.slice/osconf.service\n1:name=systemd:/system.slice/osconf.service\n0::/system.slice/osconf.service\n'), 'osconf.service');
  // Legacy v1 only: a controller line naming another path does not count.
  t.is(serviceOfCgroup('4:memory:/system.slice/other.service\n1:name=systemd:/system.slice/osconf.service\n'), 'osconf.service');
});

test('serviceOfCgroup: a scope, the root cgroup or no systemd line name no service', (t) => {
  t.is(serviceOfCgroup('0::/user.slice/user-0.slice/session-3.scope\n'), null);
  t.is(serviceOfCgroup('9:name=systemd:/\n4:memory:/process_api/a0976\n0::/\n'), null);
  t.is(serviceOfCgroup('4:memory:/system.slice/osconf.service\n'), null, 'only the systemd hierarchy says whose the process is');
  t.is(serviceOfCgroup(''), null);
});

// What the run kept (the partition's unmount, then the apply lock) is freed in that order, each once, however
// the hand-off ends: it could not be opened, or it ended without being asked (here: the marker is gone).
class WriteFails extends FakeHost {
  override async write(): Promise<void> {
    throw new Error('read-only file system');
  }
}

test('openVerifyHandoff: when WAITING cannot be written, the unmount then the lock are freed and there is no hand-off', async (t) => {
  const freed: string[] = [];
  const handoff = await openVerifyHandoff(new WriteFails(true), [async () => void freed.push('unmount'), async () => void freed.push('lock')], 'applied: x');
  t.is(handoff, null);
  t.deepEqual(freed, ['unmount', 'lock']);
});

test('serve: ending without being asked frees the unmount then the lock, the lock even when the unmount throws', async (t) => {
  const freed: string[] = [];
  const host = new FakeHost(true);
  const handoff = await openVerifyHandoff(
    host,
    [
      async () => {
        freed.push('unmount');
        throw new Error('umount: target is busy');
      },
      async () => void freed.push('lock'),
    ],
    'applied: x',
  );
  t.truthy(handoff);
  t.is(host.files.get(HANDOFF_WAITING)?.content, `${process.pid}\n`);
  // No marker: nothing is pending, so it stops at its first look (1 s) instead of waiting.
  t.is(await handoff!.serve({ settingsPath: null, waitMs: 10_000 }), 'not-asked');
  t.deepEqual(freed, ['unmount', 'lock']);
  t.false(host.files.has(HANDOFF_WAITING), 'WAITING removed');
});
