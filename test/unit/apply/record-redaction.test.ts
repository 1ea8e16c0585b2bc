// What osconf stores (state.json, last-run.json) never carries a registered secret, whatever field a message
// lands in (a tool's output in a step detail, an error), as log lines do not; digests stay whole.
import test from 'ava';
import { LAST_RUN_FILE, STATE_FILE, writeRunRecord, writeState, type ApplyState } from '../../../src/apply/state.js';
import { registerSecret } from '../../../src/secret-registry.js';
import { FakeHost } from '../../helpers/fake-host.js';

const PASSWORD = 'Zq8-stored-secret';
const BASE64 = Buffer.from(PASSWORD).toString('base64');

test('state.json and last-run.json redact registered secrets in every free-text field, not in digests', async (t) => {
  registerSecret(PASSWORD);
  registerSecret(BASE64);
  const host = new FakeHost(false);
  const leak = `a tool printed ${PASSWORD} and ${BASE64}`;
  const digest = `hmac-sha256:${BASE64}`; // never a real digest's form; shows digests are left as they are
  const state = {
    version: '0', time: 't', source: null, digest, osConf: 'kept', exitCode: 1, profile: null,
    concerns: [{ concern: 'network', result: 'failed', message: leak, files: [], commands: [] }],
    errors: [{ line: 3, key: 'x', message: leak }],
    steps: [{ name: 'execute', state: 'failed', durationMs: 1, detail: leak }],
  } as unknown as ApplyState;
  await writeState(host, state);
  await writeRunRecord(host, { time: 't', bootId: null, kind: 'failed', exitCode: 1, message: leak, steps: [{ name: 'x', state: 'failed', durationMs: 1, detail: leak }] });
  for (const path of [STATE_FILE, LAST_RUN_FILE]) {
    const text = (await host.read(path))!;
    t.false(text.includes(PASSWORD), path);
    t.regex(text, /a tool printed \(redacted\) and \(redacted\)/, path);
  }
  t.is(JSON.parse((await host.read(STATE_FILE))!).digest, digest);
});
