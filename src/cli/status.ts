// `osconf status`: what the last apply did, from /var/lib/osconf/state.json.
import { describeAttempts } from '../apply/retry.js';
import { readState } from '../apply/state.js';
import { NodeHost } from '../host/node-host.js';
import { rootOption } from './paths.js';

export async function runStatus(options: { root?: string; json?: boolean }, out: (text: string) => void): Promise<number> {
  const state = await readState(new NodeHost(rootOption(options.root) ?? '/'));
  if (options.json) {
    out(`${JSON.stringify(state ?? { lastApply: null }, null, 2)}\n`);
    return 0;
  }
  if (!state) {
    out('osconf has not applied anything on this system yet.\n');
    return 0;
  }
  out(`last apply: ${state.time} (osconf ${state.version}), exit ${state.exitCode}\n`);
  out(`os.conf: ${state.source ?? '(none)'} ${state.digest ? `${state.digest.slice(0, 'hmac-sha256:'.length + 16)}…` : ''}, ${state.osConf}\n`);
  if (state.attempts) out(`${describeAttempts(state.attempts)}\n`);
  if (state.profile) out(`profile: ${state.profile}\n`);
  for (const c of state.concerns) {
    out(`  ${c.concern.padEnd(9)} ${c.result}${c.message ? `: ${c.message}` : ''}\n`);
    for (const f of c.files) out(`            ${f}\n`);
  }
  for (const e of state.errors) out(`  error: ${e.line ? `line ${e.line}: ` : ''}${e.key ? `${e.key}: ` : ''}${e.message}\n`);
  if (state.pending) out(`pending: ${state.pending.concerns.map((c) => c.concern).join(', ')}: osconf verify checks them once the stack is up\n`);
  if (state.verify) {
    out(`verify: ${state.verify.time}: ${state.verify.result}${state.verify.note ? ` (${state.verify.note})` : ''}\n`);
    for (const c of state.verify.checks) {
      out(`  ${c.concern.padEnd(9)} ${c.result}\n`);
      out(`            expected: ${c.expected.join('; ') || '(nothing)'}\n`);
      out(`            seen:     ${c.seen.join('; ') || '(nothing)'}\n`);
      if (c.missing.length) out(`            missing:  ${c.missing.join('; ')}\n`);
    }
  }
  return 0;
}
