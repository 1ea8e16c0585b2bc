// `osconf apply`: turns the command line into an ApplyRequest, runs the pipeline (src/apply/pipeline.ts) and
// prints its outcome: the plan on --dry-run, else what each concern did, as text or JSON.
import { faultInjection, readyCheckMs } from './fault-injection.js';
import { runApplyPipeline, type ApplyOutcome } from '../apply/pipeline.js';
import { OperationalError, UsageError } from '../errors.js';
import { enableLogOutputs } from '../log.js';
import { parseStack } from './stack-option.js';
import { pathOption, rootOption } from './paths.js';

export interface ApplyOptions {
  conf?: string;
  root?: string;
  config?: string;
  dryRun?: boolean;
  json?: boolean;
  stack?: string;
  lockWait?: string;
}

export async function runApply(given: ApplyOptions, out: (text: string) => void): Promise<number> {
  const options = { ...given, root: rootOption(given.root), conf: pathOption(given.conf), config: pathOption(given.config) };
  const stack = parseStack(options.stack);
  if (options.root && !options.conf) throw new UsageError('apply --root needs --conf: a sandbox root has no partitions to search');
  const lockWaitMs = options.lockWait === undefined ? 60_000 : Number(options.lockWait) * 1000;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) throw new UsageError(`--lock-wait ${options.lockWait} is not a number of seconds`);
  const root = options.root ?? '/';
  const dryRun = !!options.dryRun;
  if (root === '/' && !dryRun && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new OperationalError('apply changes this system (password, network, host name): run it as root, or see the plan with --dry-run');
  }
  if (root === '/' && !dryRun) enableLogOutputs({ file: true, syslog: true });
  const outcome = await runApplyPipeline({
    root,
    conf: options.conf ?? null,
    settingsPath: options.config ?? null,
    dryRun,
    stack,
    lockWaitMs,
    // systemd started this boot's apply (Type=notify): the verify step may be handed to it (handoff.ts).
    handoffVerify: root === '/' && !dryRun && !!process.env.NOTIFY_SOCKET,
    ...faultInjection(),
  });
  await report(outcome, !!options.json, out);
  // At a systemd boot, the verify step left to a stack starting later runs in this process, already started,
  // when osconf-verify.service asks (handoff.ts). The exit code stays the apply's.
  if (outcome.kind === 'applied' && outcome.handoff) await outcome.handoff.serve({ settingsPath: options.config ?? null, readyCheckMs: readyCheckMs() });
  return outcome.exitCode;
}

async function report(outcome: ApplyOutcome, json: boolean, out: (text: string) => void): Promise<void> {
  switch (outcome.kind) {
    case 'disabled':
      return;
    case 'absent':
      if (json) out(`${JSON.stringify({ osConf: 'absent', source: outcome.source, exitCode: 0 })}\n`);
      return;
    case 'dry-run': {
      const { describePlan, planJson } = await import('../plan/actions.js');
      out(json ? `${JSON.stringify(planJson(outcome.plan), null, 2)}\n` : describePlan(outcome.plan));
      return;
    }
    case 'applied': {
      const { state, result } = outcome;
      if (json) {
        out(`${JSON.stringify(state, null, 2)}\n`);
        return;
      }
      out(`${state.source}: ${state.exitCode === 0 ? 'applied' : state.exitCode === 3 ? `rejected (${result.errors.length} errors)` : 'failed'}\n`);
      out(`${state.concerns.map((o) => `  ${o.concern.padEnd(9)} ${o.result}${o.message ? `: ${o.message}` : ''}`).join('\n')}\n`);
      if (state.attempts) out(`${(await import('../apply/retry.js')).describeAttempts(state.attempts)}\n`);
    }
  }
}
