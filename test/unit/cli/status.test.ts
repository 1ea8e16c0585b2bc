// statusReport (src/cli/status.ts): every state from its facts, with cloud-init's exit codes (0 done, 1 failed,
// 2 degraded), and the same keys in each.
import test from 'ava';
import type { ApplyState, RunRecord } from '../../../src/apply/state.js';
import { renderTabular, statusReport, type StatusFacts } from '../../../src/cli/status.js';

const BOOT = '6d200fb9-f55b-4918-b4ec-044d642775c3';
const EARLIER = '11111111-2222-3333-4444-555555555555';

const state = (over: Partial<ApplyState> = {}): ApplyState => ({
  version: '0.1.0',
  time: '2026-11-30T09:00:00.000Z',
  source: '/dev/vda1: aliyun_custom_image/os.conf',
  digest: 'hmac-sha256:00',
  osConf: 'removed',
  exitCode: 0,
  profile: 'debian-12',
  mode: 'standalone',
  concerns: [
    { concern: 'password', result: 'applied', files: ['/etc/shadow'], commands: [] },
    { concern: 'network', result: 'applied', files: ['/etc/network/interfaces.d/osconf'], commands: [] },
  ],
  errors: [],
  warnings: [],
  steps: [{ name: 'read', state: 'done', durationMs: 3 }],
  bootId: BOOT,
  ...over,
});

const run = (over: Partial<RunRecord> = {}): RunRecord => ({ time: '2026-11-30T09:00:01.000Z', bootId: BOOT, kind: 'applied', exitCode: 0, message: null, steps: [{ name: 'read', state: 'done', durationMs: 3 }], ...over });

const facts = (over: Partial<StatusFacts> = {}): StatusFacts => ({ disabledBy: null, lockHolder: null, verifyMarker: false, bootId: BOOT, lastRun: run(), state: state(), ...over });

const cases: Array<[string, Partial<StatusFacts>, string, number]> = [
  ['nothing recorded', { lastRun: null, state: null }, 'not-run', 0],
  ['the flag file', { disabledBy: '/etc/osconf/disabled' }, 'disabled', 0],
  ['the lock held', { lockHolder: { pid: 42 } }, 'running', 0],
  ['the deferred verify still to run', { verifyMarker: true, state: state({ pending: { concerns: [], osConf: { path: '/x', explicit: false, digest: '', size: 1 } } }) }, 'running', 0],
  ['a clean apply', {}, 'done', 0],
  ['a boot without os.conf', { lastRun: run({ kind: 'absent' }) }, 'done', 0],
  ['a run that threw', { lastRun: run({ kind: 'failed', exitCode: 1, message: 'no partition' }) }, 'failed', 1],
  ['a failed concern', { state: state({ exitCode: 1, concerns: [{ concern: 'network', result: 'failed', files: [], commands: [] }] }) }, 'failed', 1],
  ['a failed deferred check', { state: state({ verify: { time: 't', result: 'failed', checks: [{ concern: 'network', result: 'failed', expected: ['a'], seen: [], missing: ['a'] }], durationMs: 5 } }) }, 'failed', 1],
  ['a refused concern', { state: state({ exitCode: 3, errors: [{ line: 1, key: 'hostname', message: 'bad' }], concerns: [{ concern: 'hostname', result: 'refused', files: [], commands: [] }] }) }, 'degraded', 2],
  ['an os.conf warning', { state: state({ warnings: [{ line: 14, key: 'foo_bar', message: 'unknown key' }] }) }, 'degraded', 2],
  // A manual apply that left the marker after boot: nothing will start osconf verify, so --wait must not wait.
  ['the deferred verify marker once boot is over', { verifyMarker: true, bootInProgress: false, state: state({ pending: { concerns: [{ concern: 'network', result: 'applied', via: 'networkd', expect: { addresses: [], routes: [], nameservers: [] } as never }], osConf: { path: '/x', explicit: false, digest: '', size: 1 } } }) }, 'degraded', 2],
  ['the deferred verify marker while boot is under way', { verifyMarker: true, bootInProgress: true, state: state({ pending: { concerns: [], osConf: { path: '/x', explicit: false, digest: '', size: 1 } } }) }, 'running', 0],
  // osconf.path's run after the rename, and every later boot: no os.conf, but the last one failed.
  ['a boot without os.conf after os.conf was set aside at the retry limit', { lastRun: run({ kind: 'absent' }), state: state({ exitCode: 1, osConf: 'set aside after repeated failures', concerns: [{ concern: 'network', result: 'failed', files: [], commands: [] }], attempts: { digest: 'hmac-sha256:00', failed: ['network'], boots: ['a', 'b', 'c'], setAside: '/p/aliyun_custom_image/os.conf.failed' } }) }, 'failed', 1],
  ['a deferred check that never ran', { state: state({ pending: { concerns: [{ concern: 'network', result: 'applied', via: 'networkd', expect: { addresses: [], routes: [], nameservers: [] } as never }], osConf: { path: '/x', explicit: false, digest: '', size: 1 } } }) }, 'degraded', 2],
];

for (const [what, over, status, exitCode] of cases) {
  test(`${what}: ${status}, exit ${exitCode}, every key present`, (t) => {
    const r = statusReport(facts(over));
    t.is(r.status as string, status);
    t.is(r.exitCode as number, exitCode);
    // docs/operators.md's schema 1: the same keys in every state.
    t.deepEqual(Object.keys(r).sort(), ['bootId', 'concerns', 'detail', 'disabledBy', 'errors', 'exitCode', 'lastApply', 'lastRun', 'ranThisBoot', 'schema', 'status', 'steps', 'verify', 'warnings']);
    t.regex(renderTabular(r, true), new RegExp(`^status: ${status}\\ndetail: \\S`));
  });
}

test('ran on this boot: the last run’s boot id against the kernel’s', (t) => {
  t.true(statusReport(facts()).ranThisBoot);
  t.false(statusReport(facts({ lastRun: run({ bootId: EARLIER }) })).ranThisBoot);
  t.false(statusReport(facts({ bootId: null })).ranThisBoot, 'unknown boot id: never claimed');
  // A state.json from before last-run.json existed: its own boot id.
  t.true(statusReport(facts({ lastRun: null })).ranThisBoot);
});

test('warnings and errors keep their line and key; --long lists the steps with durations', (t) => {
  const r = statusReport(facts({ state: state({ exitCode: 3, errors: [{ line: 1, key: 'hostname', message: 'bad' }], warnings: [{ line: 14, key: 'foo_bar', message: 'unknown key' }] }) }));
  t.deepEqual(r.errors, [{ line: 1, key: 'hostname', message: 'bad' }]);
  t.deepEqual(r.warnings, [{ line: 14, key: 'foo_bar', message: 'unknown key' }]);
  const long = renderTabular(r, true);
  t.regex(long, /^  error: line 1: hostname: bad$/m);
  t.regex(long, /^  warning: line 14: foo_bar: unknown key$/m);
  t.regex(long, /^  read +done +3 ms$/m);
  t.notRegex(renderTabular(r, false), /^steps:$/m);
});
