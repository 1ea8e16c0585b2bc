// The boot pre-check (dist/osconf-boot, from src/boot/osconf-boot.sh) in a live sandbox (test/helpers/
// live-sandbox.ts: a loop-device partition 1, an overlay /etc, tmpfs /run and /var/lib) with a fake `osconf`
// on PATH that records being called. A real `osconf apply` writes the record the pre-check reads; then the
// pre-check must not call osconf when there is nothing to do, and must call it for each reason there is.
// One sandbox run for every case (each case changes one thing and puts it back), to keep the suite short.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { repoRoot } from '../helpers/paths.js';

const precheck = join(repoRoot, 'dist', 'osconf-boot');
const notifySocket = join(repoRoot, 'test', 'helpers', 'notify-socket.py');

// Runs the pre-check as case NAME: its output, exit code, whether osconf was called (with what), and any
// mount or mount directory it left under /run/osconf.
const script = `
PRE=${precheck}
mkdir -p "$BOX/fake" "$BOX/sbin-upper" "$BOX/sbin-work" "$BOX/rw" "$BOX/premount"
printf '#!/bin/sh\\necho "$*" >> "$BOX/out/called"\\n' > "$BOX/fake/osconf"
chmod 0755 "$BOX/fake/osconf"
export BOX
# /usr/sbin as an overlay too, for a fake sshd.
mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$BOX/sbin-upper,workdir=$BOX/sbin-work" /usr/sbin
leftovers() {
  grep ' /run/osconf/boot' /proc/self/mountinfo
  ls -d /run/osconf/boot.* 2>/dev/null
}
pc() {
  rm -f "$BOX/out/called"
  PATH="$BOX/fake:$PATH" "$PRE" > "$BOX/out/$1.out" 2>&1
  echo $? > "$BOX/out/$1.code"
  if [ -e "$BOX/out/called" ]; then mv "$BOX/out/called" "$BOX/out/$1.called"; fi
  leftovers > "$BOX/out/$1.left"
}
partition() { # runs "$1" in aliyun_custom_image/ of the partition, mounted read-write for that
  mount "$LOOP" "$BOX/rw" && (cd "$BOX/rw/aliyun_custom_image" && eval "$1"); umount "$BOX/rw"
}

pc no-record

$OSCONF apply > "$BOX/out/node.out" 2>&1; echo $? > "$BOX/out/node.code"
$OSCONF status --format json > "$BOX/out/status-node.json"
cp /var/lib/osconf/located "$BOX/out/located"

# Nothing to do: under a NOTIFY_SOCKET, with an instance data record to publish for this boot.
printf '{"v1":{"local_hostname":"h"}}\\n' > /var/lib/osconf/instance-data.json
rm -f /run/osconf/instance-data.json
rm -f "$BOX/out/called"
PATH="$BOX/fake:$PATH" python3 ${notifySocket} "$BOX/notify.sock" "$PRE" > "$BOX/out/noop.notify" 2> "$BOX/out/noop.out"
if [ -e "$BOX/out/called" ]; then mv "$BOX/out/called" "$BOX/out/noop.called"; fi
leftovers > "$BOX/out/noop.left"
$OSCONF status --format json > "$BOX/out/status-pre.json"
stat -c %a /var/lib/osconf/last-run.json > "$BOX/out/last-run.mode"
stat -c %a /run/osconf/instance-data.json > "$BOX/out/instance-data.mode"
cp /run/osconf/instance-data.json "$BOX/out/instance-data.json"

# Mounted already (read-only): used where it is, nothing mounted by the pre-check.
mount -o ro "$LOOP" "$BOX/premount" && { pc mounted; umount "$BOX/premount"; }

partition 'echo hostname=a > os.conf'; pc osconf-file
partition 'rm os.conf; mkdir os.conf'; pc osconf-dir
partition 'rmdir os.conf; ln -s /nowhere os.conf'; pc osconf-link
partition 'rm os.conf; echo x > os.conf.rejected; echo y > os.conf.failed-1'; pc rejected-only
partition 'rm os.conf.rejected os.conf.failed-1'

: > /usr/sbin/sshd; pc ssh-missing
: > /etc/ssh/ssh_host_ed25519_key; pc ssh-present
rm -f /usr/sbin/sshd /etc/ssh/ssh_host_ed25519_key

: > /etc/osconf/disabled; pc disabled; rm -f /etc/osconf/disabled
echo 'quiet osconf=disabled' > "$BOX/cmdline"
mount --bind "$BOX/cmdline" /proc/cmdline && { pc cmdline; umount /proc/cmdline; }

cp -p /var/lib/osconf/located "$BOX/located.saved"
printf 'partuuid=\\nuuid=00000000-0000-4000-8000-000000000000\\ntype=ext4\\n' > /var/lib/osconf/located; pc no-device
sed 's/^type=.*/type=vfat/' "$BOX/located.saved" > /var/lib/osconf/located; pc bad-type
{ cat "$BOX/located.saved"; echo 'device=/dev/sda1'; } > /var/lib/osconf/located; pc bad-line
cp "$BOX/located.saved" /var/lib/osconf/located
cp "$BOX/partition1.img" "$BOX/clone.img"
CLONE=$(losetup --find --show "$BOX/clone.img") && { pc clone; losetup -d "$CLONE"; }
rm -f "$BOX/clone.img"

pc again
touch /etc/osconf/osconf.conf; pc newer-settings
`;

test('the pre-check runs osconf only when there may be something to do, leaves no mount, and records a no-op boot as osconf would', async (t) => {
  const box = LiveSandbox.create([], null, (b) => `[source]\nuuid=${b.uuid}\n`);
  try {
    const r = await box.run(script, 300_000);
    const out = (name: string): string => (existsSync(join(box.dir, 'out', name)) ? box.out(name) : '');
    const called = (name: string): boolean => existsSync(join(box.dir, 'out', `${name}.called`));
    const context = (name: string) => `${name}: ${out(`${name}.out`)} ${r.stderr}`;

    // The record a real apply wrote: the loop device has no partition table, so its file system UUID.
    t.is(out('node.code').trim(), '0', out('node.out'));
    t.regex(out('located'), new RegExp(`^partuuid=\nuuid=${box.uuid}\ntype=ext4\n`, 'm'));

    // Nothing to do: no osconf, exit 0, one notification with readiness and the status line osconf sends.
    for (const name of ['noop', 'mounted', 'rejected-only', 'ssh-present', 'again']) {
      t.false(called(name), context(name));
      t.is(out(`${name}.left`), '', `${name}: nothing left mounted`);
    }
    for (const name of ['mounted', 'rejected-only', 'ssh-present', 'again']) t.is(out(`${name}.code`).trim(), '0', context(name));
    t.regex(out('mounted.out'), /mounted at .*\/premount\)/);
    const notified = JSON.parse(out('noop.notify').trim().split('\n').at(-1)!) as { messages: string[]; code: number };
    t.is(notified.code, 0, out('noop.out'));
    // One state message; systemd-notify (systemd 246 and later) follows it with BARRIER=1, waiting until the
    // manager has read it, so that the message is attributed before this process exits.
    const states = notified.messages.filter((m) => m !== 'BARRIER=1');
    t.is(states.length, 1, JSON.stringify(notified.messages));
    t.regex(states[0]!, /^READY=1$/m);
    t.regex(states[0]!, /^STATUS=no os\.conf; nothing to apply$/m);
    t.regex(out('noop.notify'), /^osconf: \/dev\/loop\d+: no aliyun_custom_image\/os\.conf; nothing to apply/m);

    // osconf status after the pre-check says what it said after osconf's own run without os.conf, key by key
    // (the run's time and steps are the pre-check's own).
    const node = JSON.parse(out('status-node.json')) as Record<string, unknown> & { lastRun: Record<string, unknown>; steps: Array<{ name: string }> };
    const pre = JSON.parse(out('status-pre.json')) as typeof node;
    t.is(pre.status, 'done');
    t.is(pre.ranThisBoot, true);
    t.deepEqual(Object.keys(pre).sort(), Object.keys(node).sort());
    for (const key of Object.keys(node).filter((k) => k !== 'lastRun' && k !== 'steps')) t.deepEqual(pre[key], node[key], key);
    t.deepEqual({ ...pre.lastRun, time: null }, { ...node.lastRun, time: null });
    t.deepEqual(pre.steps.map((s) => s.name), ['pre-check']);
    t.is(out('last-run.mode').trim(), '600');
    t.is(out('instance-data.json'), '{"v1":{"local_hostname":"h"}}\n');
    t.is(out('instance-data.mode').trim(), '644');

    // Each reason to run osconf, one case each: called with `apply`, and nothing left mounted.
    const reasons: Record<string, RegExp> = {
      'no-record': /no \/var\/lib\/osconf\/located/,
      'osconf-file': /os\.conf present/,
      'osconf-dir': /os\.conf present/,
      'osconf-link': /os\.conf present/,
      'ssh-missing': /SSH host keys missing/,
      disabled: /disabled by \/etc\/osconf\/disabled/,
      cmdline: /disabled on the kernel command line/,
      'no-device': /no device has UUID=0{8}-/,
      'bad-type': /cannot mount \/dev\/loop\d+ read-only/,
      'bad-line': /unexpected line/,
      clone: /more than one device has UUID=/,
      'newer-settings': /osconf\.conf is newer than/,
    };
    for (const [name, why] of Object.entries(reasons)) {
      t.true(called(name), context(name));
      t.is(out(`${name}.called`), 'apply\n', name);
      t.regex(out(`${name}.out`), why, name);
      t.is(out(`${name}.left`), '', `${name}: nothing left mounted`);
    }
  } finally {
    box.destroy();
  }
});

test('the installed pre-check is shellcheck-clean (POSIX sh) and carries facts.ts host key glob', (t) => {
  const text = readFileSync(precheck, 'utf8');
  t.regex(text, /for key in \/etc\/ssh\/ssh_host_\*_key; do/);
  t.notRegex(text, /@[A-Z_]+@/);
  t.is(execFileSync('shellcheck', ['-s', 'sh', '-S', 'warning', precheck, join(repoRoot, 'init.d', 'osconf')]).toString(), '');
});
