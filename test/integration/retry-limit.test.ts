// No endless retry (issue 16 reproduction 11): an os.conf whose network concern fails at every boot is set
// aside after RETRY_LIMIT consecutive boots, its password applied, and a later boot has nothing to retry. Each
// "boot" is a different /proc/sys/kernel/random/boot_id, bind-mounted inside the sandbox's own mount
// namespace; the failure is a read-only /etc/systemd/network, as in apply-live.test.ts.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RETRY_LIMIT } from '../../src/apply/retry.js';
import { readOsConf } from '../../src/config/validate.js';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { examplesDir } from '../helpers/paths.js';
import { rootHashVerifies } from '../helpers/shadow.js';

const PASSWORD = 'qwHr1234';
const text = readFileSync(join(examplesDir, 'classic.conf'), 'utf8');

test(`a failure repeated at ${RETRY_LIMIT} boots sets os.conf aside, password applied; a new os.conf starts over`, async (t) => {
  const box = LiveSandbox.create(
    readOsConf(text).config.interfaces.map((n) => ({ name: n.name, mac: n.mac })),
    text,
    (b) => `[source]\ndevice=${b.loop}\n`,
  );
  try {
    writeFileSync(join(box.dir, 'again.conf'), text);
    const r = await box.run(`
      mkdir -p /etc/systemd/network && mount -t tmpfs -o ro tmpfs /etc/systemd/network
      boot() { printf '%08d-0000-4000-8000-000000000000\\n' "$1" > "$BOX/boot_id"; mount --bind "$BOX/boot_id" /proc/sys/kernel/random/boot_id; }
      apply() { $OSCONF apply --json > "$BOX/out/$1.json" 2> "$BOX/out/$1.log"; echo $? > "$BOX/out/$1.code"; }
      boot 1; apply b1; apply b1-again; umount /proc/sys/kernel/random/boot_id
      boot 2; apply b2; umount /proc/sys/kernel/random/boot_id
      boot 3; apply b3; $OSCONF status > "$BOX/out/status"; umount /proc/sys/kernel/random/boot_id
      boot 4; apply b4; $OSCONF status > "$BOX/out/status4"; echo $? > "$BOX/out/status4.code"; umount /proc/sys/kernel/random/boot_id
      # The console writes os.conf again (the same settings): counting starts over.
      mkdir -p /tmp/p && mount "$LOOP" /tmp/p && cp "$BOX/again.conf" /tmp/p/aliyun_custom_image/os.conf && umount /tmp/p
      boot 5; apply b5; umount /proc/sys/kernel/random/boot_id
    `);
    t.is(r.code, 0, r.stderr);
    const json = (name: string) => JSON.parse(box.out(`${name}.json`));
    for (const run of ['b1', 'b1-again', 'b2']) {
      t.is(box.out(`${run}.code`).trim(), '1', box.out(`${run}.log`));
      t.is(json(run).osConf, 'kept');
    }
    t.deepEqual(json('b1-again').attempts?.boots, ['00000001-0000-4000-8000-000000000000'], 'a second run in the same boot is not another boot');
    t.regex(box.out('b2.log'), /network failed the same way at 2 of 3 consecutive boots/);
    const third = json('b3');
    t.is(box.out('b3.code').trim(), '1');
    t.is(third.osConf, 'set aside after repeated failures');
    t.deepEqual(third.concerns.map((c: { concern: string; result: string }) => `${c.concern} ${c.result}`), ['password unchanged', 'network failed', 'hostname unchanged', 'dns unchanged']);
    t.deepEqual(third.attempts.failed, ['network']);
    t.is(third.attempts.boots.length, RETRY_LIMIT);
    t.regex(third.attempts.setAside, /\/aliyun_custom_image\/os\.conf\.failed$/);
    t.regex(box.out('status'), /os\.conf set aside as \S+\/aliyun_custom_image\/os\.conf\.failed: network failed the same way at 3 consecutive boots/);
    t.true(rootHashVerifies(box.etc('/etc/shadow')!, PASSWORD), 'the valid password concern was applied');
    // The fourth boot has nothing to retry.
    t.is(box.out('b4.code').trim(), '0', box.out('b4.log'));
    t.deepEqual(json('b4'), { osConf: 'absent', source: json('b4').source, exitCode: 0 });
    // No os.conf to apply, but the last one failed and was set aside: status does not call that done.
    t.regex(box.out('status4'), /^status: failed$/m);
    t.is(box.out('status4.code').trim(), '1');
    // The new os.conf is counted from one; the failed one is still there, never deleted or replaced.
    t.is(json('b5').osConf, 'kept');
    t.deepEqual(json('b5').attempts.boots, ['00000005-0000-4000-8000-000000000000']);
    t.deepEqual(box.partitionListing(), ['os.conf', 'os.conf.failed']);
    t.is(box.partitionFile('os.conf.failed'), text);
  } finally {
    box.destroy();
  }
});
