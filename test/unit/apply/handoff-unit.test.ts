// The verify hand-off's own unit, read from /proc/PID/cgroup (cgroups(7)), for its look at whether systemd
// took READY=1: the layouts systemd runs under, and the cgroups that name no service.
import test from 'ava';
import { serviceOfCgroup } from '../../../src/apply/handoff.js';

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
