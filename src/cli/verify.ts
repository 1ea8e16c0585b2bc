// `osconf verify`: the deferred verify step (src/apply/deferred.ts) from the command line; prints what it
// found, as text or JSON.
import { DEFERRED_VERIFY_TIMEOUT_MS, runDeferredVerify } from '../apply/deferred.js';
import { UsageError } from '../errors.js';
import { enableLogOutputs } from '../log.js';

export interface VerifyOptions {
  config?: string;
  json?: boolean;
  timeout?: string;
  lockWait?: string;
}

function seconds(value: string | undefined, option: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const ms = Number(value) * 1000;
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`${option} ${value} is not a number of seconds`);
  return ms;
}

export async function runVerify(options: VerifyOptions, out: (text: string) => void): Promise<number> {
  const timeoutMs = seconds(options.timeout, '--timeout', DEFERRED_VERIFY_TIMEOUT_MS);
  const lockWaitMs = seconds(options.lockWait, '--lock-wait', 60_000);
  enableLogOutputs({ file: true, syslog: true });
  const outcome = await runDeferredVerify({ root: '/', settingsPath: options.config ?? null, lockWaitMs, timeoutMs });
  if (outcome.kind === 'nothing-pending') {
    out(options.json ? `${JSON.stringify({ verify: null, exitCode: 0 })}\n` : 'nothing to verify: the last apply left nothing to a stack starting later\n');
    return 0;
  }
  const { state } = outcome;
  if (options.json) {
    out(`${JSON.stringify(state, null, 2)}\n`);
    return outcome.exitCode;
  }
  out(`verify ${state.verify!.result}; os.conf ${state.osConf}\n`);
  for (const c of state.verify!.checks) out(`  ${c.concern.padEnd(9)} ${c.result}${c.missing.length ? `: missing ${c.missing.join(', ')}` : ''}\n`);
  return outcome.exitCode;
}
