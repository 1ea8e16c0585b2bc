// The verify step on an in-memory host: applied means seen. The name servers as the resolver in charge
// reports them, the running host name and what `getent hosts` answers; a mismatch fails the concern with
// what is missing.
import test from 'ava';
import type { ConcernOutcome } from '../../../src/apply/execute.js';
import { checkExpectations, verifyOutcomes } from '../../../src/apply/verify.js';
import type { ApplyPlan, Expectation } from '../../../src/plan/actions.js';
import { parseResolvectlDns } from '../../../src/plan/live-dns.js';
import { setLogLevel } from '../../../src/log.js';
import { FakeHost } from '../../helpers/fake-host.js';

setLogLevel('error');

function planWith(concern: 'dns' | 'hostname', verify: Expectation): { plan: ApplyPlan; outcomes: ConcernOutcome[] } {
  return {
    plan: { profile: 'test', stack: 'eni', notes: [], concerns: [{ concern, state: 'change', actions: [], verify }] },
    outcomes: [{ concern, result: 'applied', files: [], commands: [] }],
  };
}

test('resolvectl dns is read back: global and per-link servers, DNS-over-TLS names and IPv6 scopes dropped', (t) => {
  const out = 'Global: 1.1.1.1#cloudflare-dns.com\nLink 2 (eth0): 7.7.7.7 8.8.8.8\nLink 3 (eth1): fe80::1%3 7.7.7.7\nLink 1 (lo):\n';
  t.deepEqual(parseResolvectlDns(out), ['1.1.1.1', '7.7.7.7', '8.8.8.8', 'fe80::1']);
  t.deepEqual(parseResolvectlDns(''), []);
});

test('dns: a resolver that reports other servers fails the concern and says what it reports', async (t) => {
  const host = new FakeHost(true, { resolvectl: () => ({ code: 0, stdout: 'Global:\nLink 2 (eth0): 1.1.1.1\n', stderr: '' }) });
  const { plan, outcomes } = planWith('dns', { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] });
  const results = await verifyOutcomes(host, plan, outcomes, 300);
  t.is(outcomes[0]!.result, 'failed');
  t.is(
    outcomes[0]!.message,
    "the resolver in charge does not report os.conf's name servers after 0 s: missing name server 7.7.7.7 (resolvectl dns reports 1.1.1.1), name server 8.8.8.8 (resolvectl dns reports 1.1.1.1)",
  );
  t.deepEqual(results.map((r) => r.result), ['failed']);
});

test('dns: servers that show up within the bound pass; resolv.conf is read through its link inside the root', async (t) => {
  let calls = 0;
  const late = new FakeHost(true, { resolvectl: () => ({ code: 0, stdout: ++calls < 3 ? 'Global:\n' : 'Link 2 (eth0): 7.7.7.7 8.8.8.8\n', stderr: '' }) });
  const a = planWith('dns', { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] });
  t.deepEqual((await verifyOutcomes(late, a.plan, a.outcomes, 5_000)).map((r) => r.result), ['applied']);
  t.is(a.outcomes[0]!.result, 'applied');

  const linked = new FakeHost(true).put('/run/resolvconf/resolv.conf', 'nameserver 7.7.7.7\nnameserver 8.8.8.8\n');
  linked.symlinks.add('/etc/resolv.conf');
  linked.linkTargets.set('/etc/resolv.conf', '../run/resolvconf/resolv.conf');
  const b = planWith('dns', { kind: 'dns', source: 'resolv.conf', nameservers: ['7.7.7.7', '8.8.8.8'] });
  t.deepEqual((await verifyOutcomes(linked, b.plan, b.outcomes, 300)).map((r) => r.result), ['applied']);

  const dead = new FakeHost(true, { resolvectl: () => ({ code: 1, stdout: '', stderr: 'Failed to get global data: Unit dbus-org.freedesktop.resolve1.service not found.' }) });
  const c = planWith('dns', { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7'] });
  await verifyOutcomes(dead, c.plan, c.outcomes, 300);
  t.regex(c.outcomes[0]!.message!, /missing the resolver's answer \(resolvectl dns failed\)/);
});

test('hostname: the running name and getent ahosts answering the instance address first; a loopback answer fails', async (t) => {
  const expectation: Expectation = { kind: 'hostname', hostname: 'node-a.corp.example.com', names: ['node-a.corp.example.com', 'node-a'], address: '10.171.254.123' };
  const answer = (address: string) => (argv: string[]) => ({ code: 0, stdout: `${address}  STREAM ${argv[2]}\n${address}  DGRAM  \n${address}  RAW    \n`, stderr: '' });
  const good = new FakeHost(true, { getent: answer('10.171.254.123') }, 'node-a.corp.example.com');
  const a = planWith('hostname', expectation);
  t.deepEqual((await verifyOutcomes(good, a.plan, a.outcomes, 300)).map((r) => r.result), ['applied']);
  t.deepEqual(good.ran.map((r) => r.argv.join(' ')), ['getent ahosts node-a.corp.example.com', 'getent ahosts node-a']);

  const loopback = new FakeHost(true, { getent: answer('127.0.1.1') }, 'node-a.corp.example.com');
  const b = planWith('hostname', expectation);
  await verifyOutcomes(loopback, b.plan, b.outcomes, 300);
  t.is(b.outcomes[0]!.result, 'failed');
  t.regex(b.outcomes[0]!.message!, /node-a\.corp\.example\.com resolving to 10\.171\.254\.123 \(getent ahosts answers 127\.0\.1\.1\)/);

  const unnamed = new FakeHost(true, { getent: () => ({ code: 2, stdout: '', stderr: '' }) }, 'localhost');
  const c = planWith('hostname', expectation);
  await verifyOutcomes(unnamed, c.plan, c.outcomes, 300);
  t.regex(c.outcomes[0]!.message!, /running host name node-a\.corp\.example\.com \(it is localhost\).*\(getent ahosts answers nothing\)/);
});

test('only applied concerns with an expectation are checked', async (t) => {
  const host = new FakeHost(true);
  const { plan, outcomes } = planWith('dns', { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7'] });
  outcomes[0]!.result = 'unchanged';
  t.deepEqual(await verifyOutcomes(host, plan, outcomes, 300), []);
  t.deepEqual(host.ran, []);
});

test('a deferred concern (left to a stack that starts later) is not checked now: osconf verify does it', async (t) => {
  const host = new FakeHost(true);
  const { plan, outcomes } = planWith('dns', { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7'] });
  plan.concerns[0]!.deferred = true;
  t.deepEqual(await verifyOutcomes(host, plan, outcomes, 300), []);
  t.is(outcomes[0]!.result, 'applied');
  t.deepEqual(host.ran, []);
});

test('the deferred check says per concern what was expected, what the running system shows and what is missing', async (t) => {
  // The stack applied another address (a DHCP lease, say) and no default route; resolved has our servers.
  const addr = JSON.stringify([
    { ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.0.2.15', prefixlen: 24 }] },
    { ifname: 'eth9', addr_info: [{ family: 'inet', local: '192.168.9.9', prefixlen: 24 }] },
  ]);
  const route = JSON.stringify([{ dst: '10.0.2.0/24', gateway: '10.0.2.2', dev: 'eth0' }, { dst: 'default', gateway: '192.168.9.1', dev: 'eth9' }]);
  const host = new FakeHost(true, {
    ip: (argv) => ({ code: 0, stdout: argv[3] === 'addr' ? addr : route, stderr: '' }),
    resolvectl: () => ({ code: 0, stdout: 'Global:\nLink 2 (eth0): 7.7.7.7 8.8.8.8\n', stderr: '' }),
  });
  const checks = await checkExpectations(
    host,
    [
      { concern: 'network', expect: { kind: 'network', addresses: [{ name: 'eth0', cidr: '10.171.254.123/24' }], routes: ['0.0.0.0/0 via 10.171.254.1 dev eth0'] } },
      { concern: 'dns', expect: { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] } },
    ],
    300,
  );
  t.deepEqual(checks, [
    {
      concern: 'network',
      result: 'failed',
      expected: ['address 10.171.254.123/24 on eth0', 'route 0.0.0.0/0 via 10.171.254.1 dev eth0'],
      seen: ['address 10.0.2.15/24 on eth0', 'route 10.0.2.0/24 via 10.0.2.2 dev eth0'],
      missing: ['address 10.171.254.123/24 on eth0', 'route 0.0.0.0/0 via 10.171.254.1 dev eth0'],
    },
    { concern: 'dns', result: 'applied', expected: ['name server 7.7.7.7', 'name server 8.8.8.8'], seen: ['name server 7.7.7.7', 'name server 8.8.8.8'], missing: [] },
  ]);
});
