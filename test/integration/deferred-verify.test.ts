// The deferred verify step (osconf verify), with Debian 12's real systemd-networkd in a throwaway namespace
// (test/helpers/netns.ts). At boot osconf runs before the network: systemd reports networkd enabled but not
// started, so the apply writes its .network file, leaves the NIC to networkd, records what must then show and
// keeps os.conf. The sandbox has no systemd as PID 1, so a stand-in `systemctl` answers the one question
// osconf asks (`systemctl show`) as systemd does at that moment; networkd is then started by the script, as
// systemd would start it, and `osconf verify` runs after it, as osconf-verify.service does. os.conf is found
// again through osconf.conf's `[source] path` (a directory standing for the mounted first partition).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { NetSandbox } from '../helpers/netns.js';
import { examplesDir, osconfBin, repoRoot } from '../helpers/paths.js';

const text = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');
const config = readOsConf(text).config;

// What systemd answers early at boot: the stack's unit enabled, nothing started yet.
// With verifyRan, osconf-verify.service is active already: a restart of osconf.service after boot.
const systemctl = (unit: string, verifyRan = false) => `#!/bin/sh
[ "$1" = show ] || exit 0
# The waiting apply's look at its own unit: the state notify-socket.py keeps (NOTIFY_STATE).
if [ "$3" = ActiveState ] && [ "$5" = SubState ]; then
  echo "$*" >> /tmp/looks
  case "$(cat /tmp/unit-state 2>/dev/null)" in
    activating) printf 'ActiveState=activating\\nSubState=start\\n' ;;
    active) printf 'ActiveState=active\\nSubState=running\\n' ;;
    *) printf 'ActiveState=inactive\\nSubState=dead\\n' ;;
  esac
  exit 0
fi
shift 3
for u in "$@"; do
  state=disabled; [ "$u" = ${unit} ] && state=enabled
  active=inactive; [ "$u" = osconf-verify.service ] && [ ${verifyRan ? 1 : 0} = 1 ] && active=active
  printf 'Id=%s\\nActiveState=%s\\nUnitFileState=%s\\n\\n' "$u" "$active" "$state"
done
`;
type Stack = 'networkd' | 'eni';
const stackUnit: Record<Stack, string> = { networkd: 'systemd-networkd.service', eni: 'networking.service' };
// How each stack starts after the apply: networkd as its unit does; ifupdown as networking.service does (ifup -a).
const startStack: Record<Stack, string> = {
  networkd: 'mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif; /lib/systemd/systemd-networkd > /run/networkd.log 2>&1 & pid=$!',
  eni: 'mkdir -p /run/network; ifup -a > /run/networkd.log 2>&1; pid=',
};

/** The sections a script prints as `=== name` followed by its output. */
function sections(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split(/^=== /m).slice(1).map((chunk) => [chunk.slice(0, chunk.indexOf('\n')), chunk.slice(chunk.indexOf('\n') + 1)]));
}

interface State {
  osConf: string;
  exitCode: number;
  concerns: Array<{ concern: string; result: string; message?: string }>;
  pending?: { concerns: Array<{ concern: string }>; osConf: { digest: string } };
  verify?: { result: string; checks: Array<{ concern: string; result: string; expected: string[]; seen: string[]; missing: string[] }> };
}

/** A sandbox with eth0 at os.conf's MAC, osconf, os.conf, the systemctl stand-in, and osconf.conf naming the stack. */
function sandbox(stack: Stack = 'networkd'): NetSandbox {
  const box = NetSandbox.create(config.interfaces.map((n) => ({ name: n.name, mac: n.mac })));
  try {
    box.addTmpFile('osconf', readFileSync(osconfBin), 0o755);
    box.addTmpFile('os.conf', text);
    box.addTmpFile('systemctl', systemctl(stackUnit[stack]), 0o755);
    box.addEtcFiles([{ path: '/etc/osconf/osconf.conf', content: `[source]\npath = /tmp/part\n[network]\nstack = ${stack}\n`, mode: 0o644 }]);
    return box;
  } catch (e) {
    box.destroy();
    throw e;
  }
}

/**
 * The boot, in order: apply (networkd enabled, not started), `between` (what happens to the stack's files
 * before it starts), networkd starts, osconf verify. Returns the script's sections.
 */
async function boot(between: string, stack: Stack = 'networkd'): Promise<{ box: NetSandbox; out: Record<string, string> }> {
  const box = sandbox(stack);
  try {
    const r = await box.runInRoot(
      `mkdir -p /tmp/part/aliyun_custom_image && cp /tmp/os.conf /tmp/part/aliyun_custom_image/os.conf
      # The stand-in, in this sandbox's own mount namespace only (osconf runs commands with a fixed PATH).
      mkdir -p /run/systemd/system && mount --bind /tmp/systemctl /usr/bin/systemctl
      echo "=== apply"; /tmp/osconf apply --json 2> /tmp/apply.log; echo "exit $?"
      echo "=== apply.log"; cat /tmp/apply.log
      echo "=== marker"; ls /run/osconf/verify-pending 2>&1
      echo "=== partition after apply"; ls /tmp/part/aliyun_custom_image
      echo "=== addresses after apply"; ip -4 -o addr show scope global
      umount /usr/bin/systemctl && rm -rf /run/systemd/system
      ${between}
      ${startStack[stack]}
      echo "=== verify"; /tmp/osconf verify --timeout 10 --json 2> /tmp/verify.log; echo "exit $?"
      echo "=== verify.log"; cat /tmp/verify.log
      echo "=== status"; /tmp/osconf status
      echo "=== query"; /tmp/osconf query concerns
      echo "=== marker after"; ls /run/osconf/verify-pending 2>&1
      echo "=== partition"; ls /tmp/part/aliyun_custom_image
      echo "=== again"; /tmp/osconf verify; echo "exit $?"
      [ -z "$pid" ] || { kill $pid; wait $pid || true; }
      echo "=== networkd.log"; cat /run/networkd.log`,
      120_000,
    );
    if (r.code !== 0) throw new Error(`sandbox script failed (${r.code}): ${r.stdout}${r.stderr}`);
    return { box, out: sections(r.stdout) };
  } catch (e) {
    box.destroy();
    throw e;
  }
}

const json = (s: string) => JSON.parse(s.slice(s.indexOf('{'), s.lastIndexOf('}') + 1)) as State;

function checkApply(t: import('ava').ExecutionContext, out: Record<string, string>, stack: Stack = 'networkd'): void {
  const first = json(out.apply!);
  t.regex(out.apply!, /^exit 0$/m, out['apply.log']);
  t.is(first.osConf, 'kept until verified', `os.conf stays until the stack has shown the settings: ${out.apply}${out['apply.log']}`);
  t.deepEqual(first.pending?.concerns.map((c) => c.concern), ['network']);
  const network = first.concerns.find((c) => c.concern === 'network')!;
  t.is(network.result, 'pending');
  t.true(network.message!.startsWith(`${stackUnit[stack]} applies them when it starts`), network.message!);
  t.is(out['addresses after apply']!.trim(), '', 'osconf left bringing the NIC up to the stack');
  t.regex(out.marker!, /^\/run\/osconf\/verify-pending$/m, 'the marker osconf-verify.service starts on');
  t.regex(out['partition after apply']!, /^os\.conf$/m);
}

test('deferred verify: networkd starts after the apply and shows os.conf\'s address and routes; then os.conf goes', async (t) => {
  const { box, out } = await boot('');
  try {
    checkApply(t, out);
    t.regex(out.verify!, /^exit 0$/m, `${out['verify.log']}\n${out['networkd.log']}`);
    const state = json(out.verify!);
    t.is(state.verify?.result, 'passed');
    t.deepEqual(state.verify?.checks.map((c) => [c.concern, c.result, c.missing]), [['network', 'applied', []]]);
    t.is(state.concerns.find((c) => c.concern === 'network')!.result, 'applied');
    t.is(state.pending, undefined);
    t.is(state.osConf, 'removed');
    t.is(state.exitCode, 0);
    t.deepEqual(box.ipv4ByNic(), { eth0: ['10.171.254.123/24'] });
    t.notRegex(out.partition!, /os\.conf/, 'os.conf removed, aliyun_custom_image/ kept');
    t.regex(out['marker after']!, /No such file/);
    t.regex(out.status!, /^verify: \S+: passed$/m);
    // What was applied (osconf query) says so too, not the apply's "pending".
    t.is((JSON.parse(out.query!) as Record<string, string>).network, 'applied', out.query);
    t.regex(out.again!, /nothing to verify/);
    t.regex(out.again!, /^exit 0$/m);
  } finally {
    box.destroy();
  }
});

test('deferred verify: ifupdown is left to networking.service (ifup -a) at boot when the NIC has no address yet; verified after it', async (t) => {
  const { box, out } = await boot('', 'eni');
  try {
    checkApply(t, out, 'eni');
    t.regex(out.verify!, /^exit 0$/m, `${out['verify.log']}\n${out['networkd.log']}`);
    const state = json(out.verify!);
    t.is(state.verify?.result, 'passed');
    t.deepEqual(state.verify?.checks.map((c) => [c.concern, c.result, c.missing]), [['network', 'applied', []]]);
    t.is(state.osConf, 'removed');
    t.deepEqual(box.ipv4ByNic(), { eth0: ['10.171.254.123/24'] });
    t.notRegex(out.partition!, /os\.conf/);
  } finally {
    box.destroy();
  }
});

test('deferred verify: a .network file added after the apply wins over osconf\'s; verify fails, os.conf stays, status says what is missing', async (t) => {
  // Something (a configuration agent, an admin) puts a file that sorts before osconf's 10-osconf-eth0.network.
  const { box, out } = await boot(`printf '[Match]\\nName=eth0\\n\\n[Network]\\nAddress=10.99.0.5/24\\n' > /etc/systemd/network/05-other.network`);
  try {
    checkApply(t, out);
    t.regex(out.verify!, /^exit 1$/m, out['verify.log']);
    const state = json(out.verify!);
    t.is(state.verify?.result, 'failed');
    const check = state.verify!.checks.find((c) => c.concern === 'network')!;
    t.deepEqual(check.missing, ['address 10.171.254.123/24 on eth0', 'route 0.0.0.0/0 via 10.171.254.1 dev eth0']);
    t.true(check.seen.includes('address 10.99.0.5/24 on eth0'), JSON.stringify(check.seen));
    const network = state.concerns.find((c) => c.concern === 'network')!;
    t.is(network.result, 'failed');
    t.regex(network.message!, /lacks address 10\.171\.254\.123\/24 on eth0/);
    t.is(state.osConf, 'kept');
    t.is(state.exitCode, 1);
    t.regex(out.partition!, /^os\.conf$/m, 'os.conf stays for the next boot');
    t.regex(out.status!, /^verify: \S+: failed$/m);
    t.regex(out.status!, /missing: {2}address 10\.171\.254\.123\/24 on eth0; route 0\.0\.0\.0\/0 via 10\.171\.254\.1 dev eth0/);
    t.regex(out.status!, /seen: {5}address 10\.99\.0\.5\/24 on eth0/);
    t.regex(out['verify.log']!, /check: failed/);
  } finally {
    box.destroy();
  }
});

test('deferred verify: a check that fails at 3 boots counts against the retry limit and sets os.conf aside; status then says failed', async (t) => {
  // No stack ever starts: each boot's apply leaves the network to networkd, and each verify finds it missing.
  const box = sandbox();
  try {
    const r = await box.runInRoot(
      `mkdir -p /tmp/part/aliyun_custom_image && cp /tmp/os.conf /tmp/part/aliyun_custom_image/os.conf
      mkdir -p /run/systemd/system
      for b in 1 2 3; do
        printf '%08d-0000-4000-8000-000000000000\\n' "$b" > /tmp/boot_id && mount --bind /tmp/boot_id /proc/sys/kernel/random/boot_id
        mount --bind /tmp/systemctl /usr/bin/systemctl
        echo "=== apply $b"; /tmp/osconf apply --json 2>/dev/null | grep -o '"osConf": "[^"]*"'
        umount /usr/bin/systemctl
        echo "=== verify $b"; /tmp/osconf verify --timeout 1 --json 2> /tmp/verify.log; echo "exit $?"
        echo "=== verify.log $b"; cat /tmp/verify.log
        umount /proc/sys/kernel/random/boot_id
      done
      echo "=== status"; /tmp/osconf status; echo "exit $?"
      echo "=== partition"; ls /tmp/part/aliyun_custom_image`,
      120_000,
    );
    t.is(r.code, 0, r.stdout + r.stderr);
    const out = sections(r.stdout);
    for (const b of [1, 2, 3]) t.regex(out[`apply ${b}`]!, /"osConf": "kept until verified"/, `boot ${b}: ${out[`apply ${b}`]}`);
    for (const b of [1, 2]) {
      const state = json(out[`verify ${b}`]!) as State & { attempts?: { boots: string[] } };
      t.is(state.osConf, 'kept', out[`verify.log ${b}`]);
      t.is(state.attempts?.boots.length, b, 'each boot counted once, carried across the next apply');
    }
    const third = json(out['verify 3']!) as State & { attempts?: { failed: string[]; setAside?: string } };
    t.is(third.osConf, 'set aside after repeated failures', out['verify.log 3']);
    t.deepEqual(third.attempts?.failed, ['network']);
    t.regex(third.attempts?.setAside ?? '', /aliyun_custom_image\/os\.conf\.failed$/);
    t.deepEqual(out.partition!.trim().split('\n'), ['os.conf.failed']);
    t.regex(out.status!, /^status: failed$/m);
    t.regex(out.status!, /^exit 1$/m);
  } finally {
    box.destroy();
  }
});

// The boot as systemd runs it (src/apply/handoff.ts): the apply, started with a NOTIFY_SOCKET, keeps the apply
// lock, writes its PID and sends READY=1, and stays; osconf-verify.service's start (`osconf-boot verify`, the
// installed sh) runs once the stack is up and hands the step to that process, which sends nothing more itself.
// `osconf` on the sh's PATH is a stand-in that records being called: the hand-off must not start a second
// osconf. `killed`: the waiting apply is killed (SIGKILL) before the stack starts, and the sh runs the real
// `osconf verify` itself. `rejected`: os.conf's host name is invalid (exit 3) while its network is left to
// networkd: no READY=1 went out, so the apply must not wait for a unit that cannot start before it ends.
// `verify-ran`: osconf-verify.service ran already (a restart after boot): nothing will ask, so no hand-off.
// `ready-lost`: systemd drops the apply's READY=1 (the unit stays activating): the apply sees it and sends it
// again. `ready-never`: systemd takes none: the apply stops waiting, and osconf-verify.service verifies itself.
// `ready-slow`: systemd took it and the stack is slow: the apply looks, sends nothing more, and waits on.
// In these three the apply looks every second (OSCONF_TEST_READY_CHECK_MS) instead of every 10 s.
type Handoff = 'handed' | 'killed' | 'rejected' | 'verify-ran' | 'ready-lost' | 'ready-never' | 'ready-slow';
async function handoff(kind: Handoff): Promise<{ box: NetSandbox; out: Record<string, string> }> {
  const box = sandbox();
  try {
    box.addTmpFile('osconf-boot', readFileSync(join(repoRoot, 'dist', 'osconf-boot')), 0o755);
    box.addTmpFile('notify-socket.py', readFileSync(join(repoRoot, 'test', 'helpers', 'notify-socket.py')));
    if (kind === 'rejected') box.addTmpFile('os.conf', text.replace(/^hostname=.*$/m, 'hostname=-bad-'));
    if (kind === 'verify-ran') box.addTmpFile('systemctl', systemctl(stackUnit.networkd, true), 0o755);
    const fallback = kind === 'killed' || kind === 'ready-never' ? 'exec /tmp/osconf "$@"' : 'echo "$*" >> /tmp/called; exit 9';
    const dropReady = { 'ready-lost': 1, 'ready-never': 99 }[kind as string] ?? 0;
    const r = await box.runInRoot(
      `mkdir -p /tmp/part/aliyun_custom_image /tmp/bin && cp /tmp/os.conf /tmp/part/aliyun_custom_image/os.conf
      printf '#!/bin/sh\\n%s\\n' '${fallback}' > /tmp/bin/osconf && chmod 0755 /tmp/bin/osconf
      mkdir -p /run/systemd/system && mount --bind /tmp/systemctl /usr/bin/systemctl
      OSCONF_TEST_READY_CHECK_MS=${kind.startsWith('ready-') ? 1000 : ''} NOTIFY_DROP_READY=${dropReady} NOTIFY_STATE=/tmp/unit-state python3 /tmp/notify-socket.py /tmp/apply.sock /tmp/osconf apply > /tmp/apply.notify 2> /tmp/apply.log & apid=$!
      ${
        kind === 'rejected' || kind === 'verify-ran'
          ? 'wait $apid || true'
          : 'i=0; while [ ! -e /run/osconf/verify-waiting ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done'
      }
      ${kind === 'ready-lost' ? 'i=0; while [ "$(cat /tmp/unit-state)" != active ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done' : ''}
      ${kind === 'ready-never' ? 'wait $apid || true' : ''}
      ${kind === 'ready-slow' ? 'sleep 3.5' : ''}
      echo "=== unit-state"; cat /tmp/unit-state
      echo "=== looks"; cat /tmp/looks 2>/dev/null || true
      echo "=== waiting"; cat /run/osconf/verify-waiting 2>&1
      ${kind === 'killed' ? 'k=$(cat /run/osconf/verify-waiting); kill -9 "$k"; i=0; while kill -0 "$k" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done' : ''}
      umount /usr/bin/systemctl && rm -rf /run/systemd/system
      ${startStack.networkd}
      ${kind === 'rejected' || kind === 'verify-ran' ? '' : 'echo "=== verify"; PATH=/tmp/bin:$PATH python3 /tmp/notify-socket.py /tmp/verify.sock /tmp/osconf-boot verify 2>&1'}
      wait $apid || true
      echo "=== apply"; cat /tmp/apply.notify
      echo "=== apply.log"; cat /tmp/apply.log
      echo "=== called"; cat /tmp/called 2>/dev/null || true
      echo "=== status"; /tmp/osconf status --format json
      echo "=== partition"; ls /tmp/part/aliyun_custom_image
      echo "=== run"; ls /run/osconf
      kill $pid; wait $pid || true`,
      120_000,
    );
    if (r.code !== 0) throw new Error(`sandbox script failed (${r.code}): ${r.stdout}${r.stderr}`);
    return { box, out: sections(r.stdout) };
  } catch (e) {
    box.destroy();
    throw e;
  }
}

/**
 * No hand-off was opened: no PID file, no wait in the apply's log, and no hand-off file beside the marker,
 * which stays for osconf-verify.service's own `osconf verify` (the concerns were left pending all the same).
 */
function checkNoHandoff(t: import('ava').ExecutionContext, out: Record<string, string>): void {
  t.regex(out.waiting!, /No such file/, 'no hand-off opened');
  t.notRegex(out['apply.log']!, /verify: waiting/);
  const files = out.run!.trim().split('\n');
  t.true(files.includes('verify-pending'), out.run);
  t.deepEqual(files.filter((f) => f.startsWith('verify-') && f !== 'verify-pending'), []);
}

/** The last line of notify-socket.py's output: the messages the command sent and its exit code. */
const notified = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!) as { messages: string[]; code: number };

/**
 * The step was handed to the waiting apply and passed there: osconf-verify.service's sh named its PID and sent
 * the result as READY=1 and STATUS (exit 0), no second osconf started, and the step did what osconf verify
 * would have: live, os.conf gone, no hand-off file or marker left.
 */
function checkHandedStep(t: import('ava').ExecutionContext, box: NetSandbox, out: Record<string, string>): void {
  const pid = out.waiting!.trim();
  t.regex(pid, /^\d+$/, out['apply.log']);
  t.regex(out.verify!, new RegExp(`^osconf-verify: handed to osconf apply \\(pid ${pid}\\)`, 'm'));
  t.regex(out.verify!, /^osconf-verify: verified: network live; os\.conf removed$/m);
  const verify = notified(out.verify!);
  t.is(verify.code, 0, out.verify);
  const status = verify.messages.filter((m) => m !== 'BARRIER=1');
  t.is(status.length, 1, JSON.stringify(verify.messages));
  t.regex(status[0]!, /^READY=1$/m);
  t.regex(status[0]!, /^STATUS=verified: network live; os\.conf removed$/m);
  t.is(out.called!.trim(), '', 'no second osconf');
  const report = JSON.parse(out.status!) as { status: string; verify: { result: string } };
  t.is(report.verify.result, 'passed');
  t.is(report.status, 'done');
  t.deepEqual(box.ipv4ByNic(), { eth0: ['10.171.254.123/24'] });
  t.notRegex(out.partition!, /os\.conf/);
  t.deepEqual(out.run!.trim().split('\n').filter((f) => f.startsWith('verify-')), [], 'no hand-off file left, no marker');
}

test('verify hand-off: at a systemd boot the apply stays after READY=1 and runs the step when osconf-verify.service asks; no second osconf starts', async (t) => {
  const { box, out } = await handoff('handed');
  try {
    const apply = notified(out.apply!);
    // The apply: one message (READY=1 with its own result), then the step in the same process; its exit code stays the apply's.
    t.is(apply.code, 0, out['apply.log']);
    const sent = apply.messages.filter((m) => m !== 'BARRIER=1');
    t.is(sent.length, 1, JSON.stringify(apply.messages));
    t.regex(sent[0]!, /^READY=1$/m);
    t.regex(sent[0]!, /^STATUS=applied: .*network pending.*; os\.conf kept until verified$/m);
    t.regex(out['apply.log']!, /verify: waiting \(at most 300 s\) for osconf-verify\.service/);
    t.regex(out['apply.log']!, /check: done: network live as os\.conf says/);
    checkHandedStep(t, box, out);
  } finally {
    box.destroy();
  }
});

test('verify hand-off: when the waiting apply is gone (killed), osconf-verify.service runs osconf verify itself and passes', async (t) => {
  const { box, out } = await handoff('killed');
  try {
    t.regex(out.verify!, /^osconf-verify: osconf apply \(pid \d+\) is gone; running osconf verify$/m, out.verify);
    const verify = notified(out.verify!);
    t.is(verify.code, 0, out.verify);
    t.regex(verify.messages.join('\n'), /^STATUS=verified: network live; os\.conf removed$/m);
    const report = JSON.parse(out.status!) as { verify: { result: string } };
    t.is(report.verify.result, 'passed');
    t.notRegex(out.partition!, /os\.conf/);
  } finally {
    box.destroy();
  }
});

test('verify hand-off: an apply that ends without READY=1 (os.conf rejected, its network left to networkd) does not wait for osconf-verify.service', async (t) => {
  const { box, out } = await handoff('rejected');
  try {
    const apply = notified(out.apply!);
    t.is(apply.code, 3, out['apply.log']);
    t.false(apply.messages.some((m) => /^READY=1$/m.test(m)), JSON.stringify(apply.messages));
    checkNoHandoff(t, out);
  } finally {
    box.destroy();
  }
});

test('verify hand-off: not when osconf-verify.service ran already (osconf.service restarted after boot): the apply ends after READY=1', async (t) => {
  const { box, out } = await handoff('verify-ran');
  try {
    const apply = notified(out.apply!);
    t.is(apply.code, 0, out['apply.log']);
    t.true(apply.messages.some((m) => /^READY=1$/m.test(m)), JSON.stringify(apply.messages));
    checkNoHandoff(t, out);
  } finally {
    box.destroy();
  }
});

test('verify hand-off: when systemd drops the apply READY=1 (the unit still activating), the apply sees it and sends it again, then verifies as asked', async (t) => {
  const { box, out } = await handoff('ready-lost');
  try {
    const apply = notified(out.apply!);
    t.is(apply.code, 0, out['apply.log']);
    const ready = apply.messages.filter((m) => /^READY=1$/m.test(m));
    t.is(ready.length, 2, JSON.stringify(apply.messages));
    t.is(ready[1], ready[0], 'the same READY=1 and STATUS again');
    t.regex(out['apply.log']!, /verify: \S+ still activating: systemd did not take READY=1; sending it again/);
    t.is(out['unit-state']!.trim(), 'active');
    // Then the hand-off as usual.
    checkHandedStep(t, box, out);
  } finally {
    box.destroy();
  }
});

test('verify hand-off: when systemd takes no READY=1 at all, the apply stops waiting after its resends (the boot goes on), and osconf-verify.service verifies itself', async (t) => {
  const { box, out } = await handoff('ready-never');
  try {
    const apply = notified(out.apply!);
    t.is(apply.code, 0, out['apply.log']);
    t.is(apply.messages.filter((m) => /^READY=1$/m.test(m)).length, 4, JSON.stringify(apply.messages));
    t.regex(out['apply.log']!, /verify: systemd did not take READY=1 \(\S+ still activating after 4 messages\); not waiting for osconf-verify\.service/);
    t.regex(out.waiting!, /No such file/, 'the hand-off closed');
    t.regex(out.verify!, /^osconf-verify: no osconf apply is waiting to verify; running osconf verify$/m, out.verify);
    t.regex(notified(out.verify!).messages.join('\n'), /^STATUS=verified: network live; os\.conf removed$/m);
    const report = JSON.parse(out.status!) as { verify: { result: string } };
    t.is(report.verify.result, 'passed');
  } finally {
    box.destroy();
  }
});

test('verify hand-off: when systemd took READY=1 and the stack is slow, the apply looks, sends nothing more and waits on', async (t) => {
  const { box, out } = await handoff('ready-slow');
  try {
    const apply = notified(out.apply!);
    t.is(apply.code, 0, out['apply.log']);
    t.is(apply.messages.filter((m) => /^READY=1$/m.test(m)).length, 1, JSON.stringify(apply.messages));
    // It looked (at 1 s, at its own unit: the runner's service, or osconf.service where its cgroup names none),
    // saw the READY=1 taken, and looked no more.
    t.regex(out.looks!.trim(), /^show -p ActiveState -p SubState \S+\.service$/);
    t.notRegex(out['apply.log']!, /READY=1/, 'no look complained');
    checkHandedStep(t, box, out);
  } finally {
    box.destroy();
  }
});
