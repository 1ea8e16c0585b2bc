// Crash consistency: `osconf apply` killed with SIGKILL at every write, remove and command boundary in turn.
// After each kill every system file is the old or the new version (never partial or empty, no temp file left),
// os.conf is still on partition 1, and the next apply completes to the same end state as an uninterrupted run.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { rootHashVerifies } from '../helpers/shadow.js';
import { examplesDir } from '../helpers/paths.js';

const PASSWORD = 'qwHr1234';

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(`/etc/${relative(dir, p)}`, readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

const shadowVerifies = (shadow: string) => rootHashVerifies(shadow, PASSWORD);
const original = (path: string): string | null => (existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : null);

for (const name of ['vpc', 'classic']) {
  test(`SIGKILL at every boundary of apply leaves old-or-new files and a retry finishes the job: ${name}`, async (t) => {
    const text = readFileSync(join(examplesDir, `${name}.conf`), 'utf8');
    const nics = readOsConf(text).config.interfaces.map((n) => ({ name: n.name, mac: n.mac }));
    const sandbox = () => LiveSandbox.create(nics, text, (b) => `[source]\ndevice=${b.loop}\n`);

    // The uninterrupted run: its boundaries and its end state.
    const ref = sandbox();
    let boundaries: string[];
    let reference: Map<string, string>;
    try {
      const r = await ref.run(`OSCONF_TEST_COUNT_BOUNDARIES="$BOX/out/boundaries" $OSCONF apply > /dev/null 2>&1; echo $? > "$BOX/out/code"`);
      t.is(ref.out('code').trim(), '0', r.stderr);
      boundaries = ref.out('boundaries').trim().split('\n');
      reference = tree(join(ref.dir, 'etc-upper'));
    } finally {
      ref.destroy();
    }
    t.true(boundaries.length >= 10, boundaries.join('\n'));

    for (let k = 1; k <= boundaries.length; k++) {
      const box = sandbox();
      try {
        await box.run(`OSCONF_TEST_KILL_AT=${k} $OSCONF apply > /dev/null 2>&1; echo $? > "$BOX/out/killed"`);
        t.is(box.out('killed').trim(), '137', `killed at boundary ${k} (${boundaries[k - 1]})`);
        const after = tree(join(box.dir, 'etc-upper'));
        for (const [path, content] of after) {
          if (path === '/etc/osconf/osconf.conf') continue;
          t.notRegex(path, /\.osconf-[0-9a-f]{12}$/, `no temp file after boundary ${k}`);
          if (path === '/etc/shadow') {
            t.true(content === original(path) || shadowVerifies(content), `shadow old or new after boundary ${k}`);
            continue;
          }
          t.true(content === original(path) || content === reference.get(path), `${path} is old or new after boundary ${k} (${boundaries[k - 1]})`);
        }
        // Only a kill after the clean-up (at the final record) finds os.conf gone: everything was applied.
        const afterCleanup = boundaries.slice(0, k - 1).includes(boundaries.find((b) => b.endsWith(' cleanup'))!);
        t.deepEqual(box.partitionListing(), afterCleanup ? [] : ['os.conf'], `os.conf after boundary ${k} (${boundaries[k - 1]})`);

        await box.run(`$OSCONF apply > /dev/null 2> "$BOX/out/retry.log"; echo $? > "$BOX/out/retry"`);
        t.is(box.out('retry').trim(), '0', box.out('retry.log'));
        const final = tree(join(box.dir, 'etc-upper'));
        for (const [path, content] of reference) {
          if (path === '/etc/osconf/osconf.conf') continue; // names this sandbox's loop device
          if (path === '/etc/shadow') t.true(shadowVerifies(final.get(path)!));
          else t.is(final.get(path), content, `${path} after the retry (killed at ${k})`);
        }
        t.deepEqual(box.partitionListing(), []);
      } finally {
        box.destroy();
      }
    }
  });
}
