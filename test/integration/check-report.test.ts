// `check` writes its reports without following links (issue 16, reproduction 7): a link named
// image_check_report.json, or a text report's name, planted in a shared report directory made root overwrite
// the link's target. Each report is now a temp file created exclusively beside its name, then renamed over it.
import test from 'ava';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportTime } from '../../src/check/report.js';
import { osconf } from '../helpers/run.js';

test('links planted at the report names in a shared directory are replaced, their targets untouched', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'osconf-report-'));
  try {
    const root = join(work, 'root');
    mkdirSync(root);
    const shared = join(work, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const victim = join(work, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(shared, 'image_check_report.json'));
    // The text report's name holds the time to the second: links for the next two minutes cover the run.
    const now = Date.now();
    for (let s = 0; s < 120; s++) symlinkSync(victim, join(shared, `image_check_report_${reportTime(new Date(now + s * 1000))}.txt`));
    const r = await osconf(['check', '--root', root, '-p', shared]);
    t.true(r.code === 0 || r.code === 1, r.stderr);
    t.is(readFileSync(victim, 'utf8'), 'precious\n');
    t.true(lstatSync(join(shared, 'image_check_report.json')).isFile());
    t.regex(readFileSync(join(shared, 'image_check_report.json'), 'utf8'), /"check_items"/);
    const written = readdirSync(shared).filter((n) => n.endsWith('.txt') && lstatSync(join(shared, n)).isFile());
    t.is(written.length, 1);
    t.regex(readFileSync(join(shared, written[0]!), 'utf8'), /items are OK/);
    t.deepEqual(readdirSync(shared).filter((n) => n.includes('.osconf-')), [], 'no temp file left');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
