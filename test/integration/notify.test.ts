// Readiness and status reach systemd through NOTIFY_SOCKET once per run: READY=1 with the result as STATUS.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplesDir, osconfBin, repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/run.js';

async function notifications(args: string[], root: string): Promise<{ messages: string[]; code: number }> {
  const socket = join(root, 'notify.sock');
  const r = await run('/usr/bin/python3', [join(repoRoot, 'test/helpers/notify-socket.py'), socket, process.execPath, osconfBin, ...args]);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { messages: string[]; code: number };
}

test('apply sends one message: READY=1 with the result as STATUS (no progress lines, one systemd-notify)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'osconf-notify-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/shadow'), 'root:*:1:0:99999:7:::\n');
    const { messages, code } = await notifications(['apply', '--root', root, '--conf', join(examplesDir, 'vpc.conf')], root);
    t.is(code, 0);
    // BARRIER=1 follows from systemd-notify 246 and later (it waits until the manager has read the message).
    t.is(messages.filter((m) => m !== 'BARRIER=1').length, 1, JSON.stringify(messages));
    const ready = messages.find((m) => m.startsWith('READY=1'));
    t.truthy(ready, JSON.stringify(messages));
    t.regex(ready!, /STATUS=applied: password applied, network unchanged, hostname applied, dns applied/);
    t.false(messages.join('\n').includes('qwHr1234'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
