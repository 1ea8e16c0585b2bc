// The disk tools' runs are bounded (issue 16 item 5): a run past its time or printing past its bound is killed
// and ends in a clear OperationalError; a tool that is not installed is null (the caller says which is missing).
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDisk, runTool } from '../../../src/host/disk-file.js';
import { OperationalError } from '../../../src/errors.js';

test('a tool printing past its output bound is killed: a clear error, not a buffer of everything', async (t) => {
  const error = await t.throwsAsync(runTool([process.execPath, '-e', 'process.stdout.write("x".repeat(1 << 20))'], {}, { maxOutput: 4096 }), { instanceOf: OperationalError });
  t.regex(error!.message, /printed more than 4096 bytes; giving up \(a damaged or crafted image\?\)$/);
});

test('a tool that does not finish is killed at its timeout: a clear error', async (t) => {
  await t.throwsAsync(runTool([process.execPath, '-e', 'setInterval(() => {}, 1000)'], {}, { timeoutMs: 200 }), { instanceOf: OperationalError, message: /did not finish within 0.2 s/ });
});

test('a tool that is not installed is null; a run gets its exit status, output and C messages', async (t) => {
  t.is(await runTool(['osconf-no-such-tool-here']), null);
  t.deepEqual(await runTool([process.execPath, '-e', 'process.stdout.write(process.env.LC_ALL + " " + process.env.X); process.stderr.write("e"); process.exit(3)'], { X: 'y' }), { code: 3, stdout: 'C y', stderr: 'e' });
});

test('direct reads are checked: a negative, inexact or large read is an error naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-disk-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'd.img'), Buffer.alloc(4096, 1));
  const disk = await openDisk(join(dir, 'd.img'));
  t.teardown(() => disk.close());
  t.is((await disk.readAt(0, 440)).length, 440);
  for (const [offset, length] of [[-1, 10], [0.5, 10], [0, 1 << 20]] as const) {
    await t.throwsAsync(disk.readAt(offset, length), { instanceOf: OperationalError, message: /which no valid layout does$/ });
  }
});
