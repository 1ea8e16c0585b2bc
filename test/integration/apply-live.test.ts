// `osconf apply` as at boot (no --root, no --conf): it finds the first partition (an ext4 image on a loop
// device named in osconf.conf), mounts it, applies every concern to a sandboxed instance, removes os.conf,
// and records the result. Checked from outside with ip -j, the UTS host name, the overlay's files, the shadow
// hash (openssl) and the partition's contents.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceConfig } from '../../src/config/model.js';
import { staticRoutes } from '../../src/config/model.js';
import { readOsConf } from '../../src/config/validate.js';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { rootHashVerifies } from '../helpers/shadow.js';
import { examplesDir } from '../helpers/paths.js';

const PASSWORD = 'qwHr1234';
const texts = {
  vpc: readFileSync(join(examplesDir, 'vpc.conf'), 'utf8'),
  classic: readFileSync(join(examplesDir, 'classic.conf'), 'utf8'),
};

function sandboxFor(text: string, source: 'device' | 'uuid' = 'device', nicsFrom = text): { box: LiveSandbox; config: InstanceConfig } {
  const config = readOsConf(text).config;
  const box = LiveSandbox.create(
    readOsConf(nicsFrom).config.interfaces.map((n) => ({ name: n.name, mac: n.mac })),
    text,
    (b) => (source === 'device' ? `[source]\ndevice=${b.loop}\n` : `[source]\nuuid=${b.uuid}\n`),
  );
  return { box, config };
}

function ipState(box: LiveSandbox) {
  return { addresses: box.netns!.ipv4ByNic(), routes: box.netns!.gatewayRoutes() };
}

function expectedIp(config: InstanceConfig) {
  const routes = config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via} dev ${n.name}`));
  routes.push(`0.0.0.0/0 via ${config.defaultRoute!.via} dev ${config.defaultRoute!.interface}`);
  return { addresses: Object.fromEntries(config.interfaces.map((n) => [n.name, [`${n.address}/${n.prefix}`]])), routes: routes.sort() };
}


for (const [name, text] of Object.entries(texts)) {
  test(`live apply configures the ${name} example, removes os.conf, and a second run changes nothing`, async (t) => {
    const { box, config } = sandboxFor(text, name === 'vpc' ? 'uuid' : 'device');
    try {
      writeFileSync(join(box.dir, 'again.conf'), text);
      const r = await box.run(`
        $OSCONF apply --json > "$BOX/out/first.json" 2> "$BOX/out/first.log"; echo $? > "$BOX/out/first.code"
        hostname > "$BOX/out/hostname"
        cp /var/lib/osconf/state.json "$BOX/out/state.json"
        # The platform writes the same settings again (say, the console saved without changes).
        mkdir -p /tmp/p && mount "$LOOP" /tmp/p && cp "$BOX/os.conf.again" /tmp/p/aliyun_custom_image/os.conf && umount /tmp/p
        $OSCONF apply --json > "$BOX/out/second.json" 2> "$BOX/out/second.log"; echo $? > "$BOX/out/second.code"
        $OSCONF status > "$BOX/out/status"
      `.replace('"$BOX/os.conf.again"', `"${join(box.dir, 'again.conf')}"`));
      t.is(r.code, 0, r.stderr);
      t.is(box.out('first.code').trim(), '0', box.out('first.log'));
      const first = JSON.parse(box.out('first.json'));
      t.deepEqual(first.concerns.map((c: { result: string }) => c.result), ['applied', 'applied', 'applied', 'applied'], box.out('first.log'));
      t.is(first.osConf, 'removed');

      t.deepEqual(ipState(box), expectedIp(config));
      t.is(box.out('hostname').trim(), 'iZ23r29djmjZ');
      t.is(box.etc('/etc/hostname'), 'iZ23r29djmjZ\n');
      t.regex(box.etc('/etc/hosts')!, /^10\.171\.254\.123\tiZ23r29djmjZ\t# managed by osconf$/m);
      t.deepEqual([...box.etc('/etc/resolv.conf')!.matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]), ['7.7.7.7', '8.8.8.8']);
      t.true(rootHashVerifies(box.etc('/etc/shadow')!, PASSWORD), 'root password set');
      const state = JSON.parse(box.out('state.json'));
      t.is(state.exitCode, 0);
      t.regex(state.digest, /^hmac-sha256:[0-9a-f]{64}$/);

      t.is(box.out('second.code').trim(), '0', box.out('second.log'));
      const second = JSON.parse(box.out('second.json'));
      t.deepEqual(second.concerns.map((c: { result: string }) => c.result), ['unchanged', 'unchanged', 'unchanged', 'unchanged'], box.out('second.log'));
      t.deepEqual(second.concerns.flatMap((c: { files: string[]; commands: string[] }) => [...c.files, ...c.commands]), []);
      t.deepEqual(box.partitionListing(), [], 'os.conf removed, the directory kept');
      t.regex(box.out('status'), /exit 0/);
      for (const file of ['first.log', 'second.log', 'state.json', 'first.json', 'status']) {
        t.false(box.out(file).includes(PASSWORD), `${file} holds no password`);
        t.false(box.out(file).includes('cXdIcjEyMzQK'), `${file} holds no Base64 password`);
      }
    } finally {
      box.destroy();
    }
  });
}

const etcUpperFiles = (box: LiveSandbox): string[] =>
  execFileSync('find', [join(box.dir, 'etc-upper'), '-type', 'f', '-printf', '%P\n']).toString().split('\n').filter(Boolean).sort();

test('a rejected os.conf: valid concerns apply, the invalid one is refused, the file is kept aside as os.conf.rejected', async (t) => {
  const bad = texts.vpc.replace('eth0_netmask=255.255.255.0', 'eth0_netmask=255.0.255.0');
  const { box } = sandboxFor(bad, 'device', texts.vpc);
  try {
    await box.run(`$OSCONF apply --json > "$BOX/out/r.json" 2> "$BOX/out/r.log"; echo $? > "$BOX/out/r.code"; hostname > "$BOX/out/hostname"`);
    t.is(box.out('r.code').trim(), '3', box.out('r.log'));
    t.regex(box.out('r.log'), /os\.conf:5: eth0_netmask: 255\.0\.255\.0 is not a contiguous netmask/);
    const result = JSON.parse(box.out('r.json'));
    t.deepEqual(result.concerns.map((c: { result: string }) => c.result), ['applied', 'refused', 'applied', 'applied']);
    t.is(result.osConf, 'rejected');
    t.deepEqual(box.partitionListing(), ['os.conf.rejected']);
    t.is(box.partitionFile('os.conf.rejected'), bad);
    t.deepEqual(ipState(box).addresses, { eth0: [] }, 'the refused network is not touched');
    t.is(box.out('hostname').trim(), 'iZ23r29djmjZ');
  } finally {
    box.destroy();
  }
});

test('an operational failure keeps os.conf for the next boot and leaves every file old or new', async (t) => {
  const { box } = sandboxFor(texts.classic);
  try {
    await box.run(`
      mkdir -p /etc/systemd/network && mount -t tmpfs -o ro tmpfs /etc/systemd/network
      $OSCONF apply --json > "$BOX/out/f.json" 2> "$BOX/out/f.log"; echo $? > "$BOX/out/f.code"
      umount /etc/systemd/network
      $OSCONF apply --json > "$BOX/out/retry.json" 2> "$BOX/out/retry.log"; echo $? > "$BOX/out/retry.code"
    `);
    t.is(box.out('f.code').trim(), '1', box.out('f.log'));
    const failed = JSON.parse(box.out('f.json'));
    t.deepEqual(failed.concerns.map((c: { result: string }) => c.result), ['applied', 'failed', 'applied', 'applied']);
    t.regex(failed.concerns[1].message, /failed to write \/etc\/systemd\/network\/10-osconf-eth0\.network: EROFS/);
    t.is(failed.osConf, 'kept');
    // No half-written or temporary file anywhere in the sandbox's /etc.
    t.deepEqual(etcUpperFiles(box).filter((f) => /osconf-[0-9a-f]{12}/.test(f)), []);
    // The retry (the next boot) completes to the same end state as an uninterrupted run.
    t.is(box.out('retry.code').trim(), '0', box.out('retry.log'));
    t.deepEqual(JSON.parse(box.out('retry.json')).concerns.map((c: { result: string }) => c.result), ['unchanged', 'applied', 'unchanged', 'unchanged']);
    t.deepEqual(box.partitionListing(), []);
    t.deepEqual(ipState(box), expectedIp(readOsConf(texts.classic).config));
  } finally {
    box.destroy();
  }
});

test('no os.conf: nothing changes, exit 0', async (t) => {
  const box = LiveSandbox.create([{ name: 'eth0', mac: '00:8c:fa:5e:14:23' }], null, (b) => `[source]\ndevice=${b.loop}\n`);
  try {
    await box.run(`$OSCONF apply > "$BOX/out/n.out" 2> "$BOX/out/n.log"; echo $? > "$BOX/out/n.code"`);
    t.is(box.out('n.code').trim(), '0');
    t.regex(box.out('n.log'), /not present; nothing to apply/);
    t.deepEqual(etcUpperFiles(box), ['osconf/osconf.conf']);
    t.deepEqual(ipState(box).addresses, { eth0: [] });
  } finally {
    box.destroy();
  }
});

test('--dry-run prints diffs and commands and changes nothing', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    await box.run(`$OSCONF apply --dry-run > "$BOX/out/d.out" 2> "$BOX/out/d.log"; echo $? > "$BOX/out/d.code"`);
    t.is(box.out('d.code').trim(), '0', box.out('d.log'));
    const plan = box.out('d.out');
    t.regex(plan, /\+\+\+ b\/etc\/systemd\/network\/10-osconf-eth0\.network/);
    t.regex(plan, /^\$ ip addr add 10\.171\.254\.123\/24 dev eth0/m);
    t.regex(plan, /^set the kernel's host name to iZ23r29djmjZ \(\/proc\/sys\/kernel\/hostname\)/m);
    t.regex(plan, /write \/etc\/shadow \(content withheld/);
    t.false(plan.includes(PASSWORD));
    t.false(plan.includes('$6$'));
    t.deepEqual(etcUpperFiles(box), ['osconf/osconf.conf']);
    t.deepEqual(box.partitionListing(), ['os.conf']);
    t.deepEqual(ipState(box).addresses, { eth0: [] });
  } finally {
    box.destroy();
  }
});

test('one apply at a time: a second waits a bounded time, then exits 1 naming the holder', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    await box.run(`
      mkdir -p /run/osconf
      # A holder as osconf holds it: flock(2) on an open descriptor, its PID in the file.
      sh -c 'exec 9<>/run/osconf/apply.lock; flock 9; echo $$ >&9; exec sleep 30' & holder=$!
      for i in $(seq 1 100); do [ -s /run/osconf/apply.lock ] && break; sleep 0.1; done
      $OSCONF apply --lock-wait 1 > /dev/null 2> "$BOX/out/l.log"; echo $? > "$BOX/out/l.code"
      kill $holder
      $OSCONF apply > /dev/null 2> "$BOX/out/l2.log"; echo $? > "$BOX/out/l2.code"
    `);
    t.is(box.out('l.code').trim(), '1');
    t.regex(box.out('l.log'), /another osconf apply \(pid \d+\) is running; gave up after 1 s/);
    t.is(box.out('l2.code').trim(), '0', box.out('l2.log'));
  } finally {
    box.destroy();
  }
});

test('the disable switch: /etc/osconf/disabled or osconf=disabled keeps osconf from doing anything', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    writeFileSync(join(box.dir, 'etc-upper', 'osconf', 'disabled'), '');
    await box.run(`$OSCONF apply > /dev/null 2> "$BOX/out/x.log"; echo $? > "$BOX/out/x.code"`);
    t.is(box.out('x.code').trim(), '0');
    t.regex(box.out('x.log'), /apply: skipped: disabled by \/etc\/osconf\/disabled/);
    t.deepEqual(etcUpperFiles(box), ['osconf/disabled', 'osconf/osconf.conf']);
    t.deepEqual(box.partitionListing(), ['os.conf']);
  } finally {
    box.destroy();
  }
});

test('boot logs: every step in /var/log/osconf.log (mode 0600), no secret, JSON lines on request', async (t) => {
  const { box } = sandboxFor(texts.classic);
  try {
    await box.run(`
      $OSCONF --log-json apply > /dev/null 2> "$BOX/out/json.log"; echo $? > "$BOX/out/code"
      stat -c %a /var/log/osconf.log > "$BOX/out/mode"
      cp /var/log/osconf.log "$BOX/out/osconf.log"`);
    t.is(box.out('code').trim(), '0', box.out('json.log'));
    t.is(box.out('mode').trim(), '600');
    const file = box.out('osconf.log');
    for (const step of ['locate: done', 'read: done', 'password: starting', 'password: done', 'network: done', 'hostname: done', 'dns: done', 'cleanup: done', 'record: done']) {
      t.true(file.includes(step), step);
    }
    const lines = box.out('json.log').trim().split('\n').map((l) => JSON.parse(l) as { level: string; message: string; step?: string; state?: string });
    t.true(lines.some((l) => l.step === 'network' && l.state === 'done'));
    for (const text of [file, box.out('json.log')]) {
      t.false(text.includes(PASSWORD));
      t.false(text.includes('cXdIcjEyMzQK'));
    }
  } finally {
    box.destroy();
  }
});

test('mode = cloud-init on a system without cloud-init: exit 1, a clear message, os.conf kept, nothing handed or configured', async (t) => {
  // This machine has no /usr/bin/cloud-init (cloud-init 22.4 is only unpacked into .tools): nothing would read a seed.
  const box = LiveSandbox.create([{ name: 'eth0', mac: '00:8c:fa:5e:14:23' }], texts.vpc, (b) => `[main]\nmode = cloud-init\n[source]\ndevice=${b.loop}\n`);
  try {
    await box.run(`
      $OSCONF apply > "$BOX/out/c.out" 2> "$BOX/out/c.log"; echo $? > "$BOX/out/c.code"
      ls /var/lib/cloud/seed/nocloud > "$BOX/out/seed" 2>/dev/null || true`);
    t.is(box.out('c.code').trim(), '1', box.out('c.log'));
    t.regex(box.out('c.log'), /^osconf: mode = cloud-init, but cloud-init is not installed \(no \/usr\/bin\/cloud-init\): nothing would apply os\.conf; it is kept/m);
    t.deepEqual(box.partitionListing(), ['os.conf'], 'os.conf kept for the next boot');
    t.deepEqual(etcUpperFiles(box), ['osconf/osconf.conf'], 'nothing configured');
    t.is(box.out('seed'), '', 'no seed for an absent agent');
    t.deepEqual(ipState(box).addresses, { eth0: [] });
    t.false(box.out('c.log').includes(PASSWORD));
  } finally {
    box.destroy();
  }
});

test('an image that ships no SSH host keys gets its own at first boot', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    await box.run(`
      mkdir -p "$BOX/sbin-upper" "$BOX/sbin-work" && printf '#!/bin/sh\\n' > "$BOX/sbin-upper/sshd" && chmod 755 "$BOX/sbin-upper/sshd"
      mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$BOX/sbin-upper,workdir=$BOX/sbin-work" /usr/sbin
      mount -t tmpfs tmpfs /etc/ssh
      $OSCONF apply --json > "$BOX/out/k.json" 2> "$BOX/out/k.log"; echo $? > "$BOX/out/k.code"
      ls /etc/ssh > "$BOX/out/keys"`);
    t.is(box.out('k.code').trim(), '0', box.out('k.log'));
    t.deepEqual(JSON.parse(box.out('k.json')).extras, [{ step: 'ssh-host-keys', result: 'done' }]);
    for (const type of ['rsa', 'ecdsa', 'ed25519']) t.regex(box.out('keys'), new RegExp(`^ssh_host_${type}_key$`, 'm'));
  } finally {
    box.destroy();
  }
});

test('ten applies started at once serialize on the lock and leave one consistent end state', async (t) => {
  const { box, config } = sandboxFor(texts.classic);
  try {
    await box.run(`
      for i in 1 2 3 4 5 6 7 8 9 10; do ($OSCONF apply --json > "$BOX/out/c$i.json" 2> "$BOX/out/c$i.log"; echo $? > "$BOX/out/c$i.code") & done
      wait
      hostname > "$BOX/out/hostname"`);
    const runs = Array.from({ length: 10 }, (_, i) => i + 1);
    for (const i of runs) t.is(box.out(`c${i}.code`).trim(), '0', box.out(`c${i}.log`));
    const applied = runs.filter((i) => JSON.parse(box.out(`c${i}.json`)).osConf === 'removed');
    const absent = runs.filter((i) => JSON.parse(box.out(`c${i}.json`)).osConf === 'absent');
    t.is(applied.length, 1, 'exactly one run applied os.conf');
    t.is(absent.length, 9, 'the others found it already applied and removed');
    t.deepEqual(ipState(box), expectedIp(config));
    t.is(box.out('hostname').trim(), 'iZ23r29djmjZ');
    t.deepEqual(etcUpperFiles(box).filter((f) => /osconf-[0-9a-f]{12}$/.test(f)), []);
  } finally {
    box.destroy();
  }
});

test('hostile places: a partition that fails to mount and a read-only partition give clear errors and lose nothing', async (t) => {
  // Partition 1 is not a file system at all.
  const broken = LiveSandbox.create([{ name: 'eth0', mac: '00:8c:fa:5e:14:23' }], texts.vpc, (b) => `[source]\ndevice=${b.loop}\n`);
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${broken.image}`, 'bs=1k', 'count=64', 'conv=notrunc', 'status=none']);
    await broken.run(`$OSCONF apply > /dev/null 2> "$BOX/out/m.log"; echo $? > "$BOX/out/m.code"`);
    t.is(broken.out('m.code').trim(), '1');
    t.regex(broken.out('m.log'), /osconf: failed to mount \/dev\/loop\d+ at \/run\/osconf\/mnt-[0-9a-f]+:/);
    t.deepEqual(etcUpperFiles(broken), ['osconf/osconf.conf']);
  } finally {
    broken.destroy();
  }
  // Partition 1 mounted read-only (at /boot): settings apply, os.conf cannot go, so it stays and the run says so.
  const { box } = sandboxFor(texts.vpc);
  try {
    writeFileSync(join(box.dir, 'etc-upper', 'osconf', 'osconf.conf'), `[source]\npath = ${box.dir}/boot\n`);
    await box.run(`
      mkdir -p "$BOX/boot" && mount -o ro "$LOOP" "$BOX/boot"
      $OSCONF apply --json > "$BOX/out/ro.json" 2> "$BOX/out/ro.log"; echo $? > "$BOX/out/ro.code"`);
    t.is(box.out('ro.code').trim(), '1');
    t.regex(box.out('ro.log'), /cleanup: failed: failed to remove .*\/boot\/aliyun_custom_image\/os\.conf: EROFS/);
    t.is(JSON.parse(box.out('ro.json')).osConf, 'kept');
    t.deepEqual(box.partitionListing(), ['os.conf']);
    t.true(rootHashVerifies(box.etc('/etc/shadow')!, PASSWORD), 'the settings themselves were applied');
  } finally {
    box.destroy();
  }
});

test('a full disk under the files osconf writes: the concern fails, os.conf stays, files are old or new', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    await box.run(`
      mkdir -p /etc/systemd/network && mount -t tmpfs -o size=4k tmpfs /etc/systemd/network
      dd if=/dev/zero of=/etc/systemd/network/filler bs=1k count=64 2>/dev/null || true
      $OSCONF apply --json > "$BOX/out/full.json" 2> "$BOX/out/full.log"; echo $? > "$BOX/out/full.code"
      ls -a /etc/systemd/network > "$BOX/out/netdir"`);
    t.is(box.out('full.code').trim(), '1', box.out('full.log'));
    const result = JSON.parse(box.out('full.json'));
    t.is(result.concerns[1].result, 'failed');
    t.regex(result.concerns[1].message, /ENOSPC/);
    t.deepEqual(box.out('netdir').trim().split('\n').sort(), ['.', '..', 'filler'], 'no partial or temp file');
    t.deepEqual(box.partitionListing(), ['os.conf']);
  } finally {
    box.destroy();
  }
});

test('a partial write left by a crashed earlier run is cleaned up, and the real files are whole', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    // What a run killed in the middle of writing leaves: a half-written temp file beside the target.
    writeFileSync(join(box.dir, 'etc-upper', '.hosts.osconf-0123456789ab'), '10.171.254.123\tiZ23');
    await box.run(`$OSCONF apply > /dev/null 2> "$BOX/out/p.log"; echo $? > "$BOX/out/p.code"`);
    t.is(box.out('p.code').trim(), '0', box.out('p.log'));
    t.deepEqual(etcUpperFiles(box).filter((f) => f.includes('.osconf-')), []);
    t.regex(box.etc('/etc/hosts')!, /^10\.171\.254\.123\tiZ23r29djmjZ\t# managed by osconf$/m);
  } finally {
    box.destroy();
  }
});

test('hostile files: an unreadable os.conf (EACCES) and one that grows while it is read fail cleanly and are kept', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    writeFileSync(join(box.dir, 'etc-upper', 'osconf', 'osconf.conf'), `[source]\npath = ${box.dir}/boot\n`);
    // Unreadable: mode 000 and osconf without the capabilities that let root read anything (as under an LSM denial).
    await box.run(`
      mkdir -p "$BOX/boot" && mount "$LOOP" "$BOX/boot"
      chmod 000 "$BOX/boot/aliyun_custom_image/os.conf"
      setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search $OSCONF apply > /dev/null 2> "$BOX/out/u.log"; echo $? > "$BOX/out/u.code"
      chmod 600 "$BOX/boot/aliyun_custom_image/os.conf"`);
    t.is(box.out('u.code').trim(), '1', box.out('u.log'));
    t.regex(box.out('u.log'), /^osconf: failed to open .*\/boot\/aliyun_custom_image\/os\.conf: EACCES$/m);
    t.deepEqual(etcUpperFiles(box), ['osconf/osconf.conf'], 'no system file changed');
    t.deepEqual(box.partitionListing(), ['os.conf']);

    // Growing: the platform appends while osconf reads (the test hook pauses the reader between its read and
    // its second look at the file). Judging the half-read bytes could reject a good file or apply half of it.
    mkdirSync(join(box.dir, 'pause'));
    await box.run(`
      mkdir -p "$BOX/boot" && mount "$LOOP" "$BOX/boot"
      OSCONF_TEST_READ_PAUSE="$BOX/pause" $OSCONF apply > /dev/null 2> "$BOX/out/g.log" & pid=$!
      for i in $(seq 1 100); do [ -e "$BOX/pause/reading" ] && break; sleep 0.1; done
      printf '# the platform is still writing\\n' >> "$BOX/boot/aliyun_custom_image/os.conf"
      touch "$BOX/pause/continue"
      wait $pid; echo $? > "$BOX/out/g.code"
      find "$BOX/etc-upper" -type f -printf '%P\\n' | sort > "$BOX/out/g.files"
      $OSCONF apply --json > "$BOX/out/retry.json" 2> "$BOX/out/retry.log"; echo $? > "$BOX/out/retry.code"`);
    t.is(box.out('g.code').trim(), '1', box.out('g.log'));
    t.regex(box.out('g.log'), /^osconf: \S+\/boot\/aliyun_custom_image\/os\.conf: changed while it was being read \(still being written\?\); it is kept for the next run$/m);
    t.deepEqual(box.out('g.files').trim().split('\n'), ['osconf/osconf.conf'], 'nothing applied from a half-read file');
    t.is(box.out('retry.code').trim(), '0', box.out('retry.log'));
    t.is(JSON.parse(box.out('retry.json')).osConf, 'removed', 'the next run applies the whole file');
    t.true(rootHashVerifies(box.etc('/etc/shadow')!, PASSWORD));
  } finally {
    box.destroy();
  }
});

test('a hostile partition at boot: a linked aliyun_custom_image and an os.conf of another user set no password', async (t) => {
  const { box } = sandboxFor(texts.vpc);
  try {
    // Issue 16, reproduction 3: the directory a link to one any user can write, os.conf written there by a user.
    await box.run(`
      mkdir -p "$BOX/boot" && mount "$LOOP" "$BOX/boot"
      mkdir "$BOX/boot/shared" && chmod 1777 "$BOX/boot/shared"
      mv "$BOX/boot/aliyun_custom_image/os.conf" "$BOX/boot/shared/os.conf"
      rmdir "$BOX/boot/aliyun_custom_image" && ln -s shared "$BOX/boot/aliyun_custom_image"
      chown 1000:1000 "$BOX/boot/shared/os.conf"
      umount "$BOX/boot"
      $OSCONF apply > /dev/null 2> "$BOX/out/link.log"; echo $? > "$BOX/out/link.code"
      mount "$LOOP" "$BOX/boot"
      rm "$BOX/boot/aliyun_custom_image" && mkdir "$BOX/boot/aliyun_custom_image"
      mv "$BOX/boot/shared/os.conf" "$BOX/boot/aliyun_custom_image/os.conf"
      umount "$BOX/boot"
      $OSCONF apply > /dev/null 2> "$BOX/out/owner.log"; echo $? > "$BOX/out/owner.code"
      $OSCONF apply > /dev/null 2> "$BOX/out/again.log"; echo $? > "$BOX/out/again.code"`);
    t.is(box.out('link.code').trim(), '3', box.out('link.log'));
    t.regex(box.out('link.log'), /aliyun_custom_image: is a symbolic link; osconf reads os\.conf only from a real directory/);
    t.is(box.out('owner.code').trim(), '3', box.out('owner.log'));
    t.regex(box.out('owner.log'), /os\.conf: belongs to uid 1000, not to root.*; set aside as \S+\/aliyun_custom_image\/os\.conf\.rejected$/m);
    t.is(box.out('again.code').trim(), '0', 'the next boot finds no os.conf, refuses nothing');
    t.deepEqual(etcUpperFiles(box), ['osconf/osconf.conf'], 'no password, nothing else applied');
    t.deepEqual(box.partitionListing(), ['os.conf.rejected']);
  } finally {
    box.destroy();
  }
});
