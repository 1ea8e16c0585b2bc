// The loop that runs a pipeline of named steps in order, the way the project's check items and tiny-cloud's
// ordered actions run: each step logs `<name>: starting`, then `<name>: done|skipped|failed[: detail]` with its
// duration as a structured field (durationMs); the durations are recorded (state.json, `osconf status`), a step may end the pipeline early, and a thrown error ends it as
// failed after the deferred releases (lock, partition mount) have run.
import { logStep } from '../log.js';

export type StepState = 'done' | 'skipped' | 'failed';

/** What a step reports. Nothing returned means done. */
export interface StepResult {
  state?: StepState;
  detail?: string;
  /** Structured log fields (JSON logs). */
  fields?: Record<string, unknown>;
  /** End the pipeline after this step, successfully, for this reason (e.g. osconf is disabled). */
  stop?: string;
}

export interface Step<C> {
  name: string;
  run(ctx: C): Promise<StepResult | void>;
}

/** One step's record: name, how it ended, and its wall-clock duration in milliseconds. */
export interface StepRecord {
  name: string;
  state: StepState;
  durationMs: number;
  detail?: string;
}

export interface PipelineRun {
  steps: StepRecord[];
  /** The reason a step ended the pipeline early, or null when every step ran. */
  stopped: string | null;
}

/**
 * Runs `steps` over `ctx` in order, appending one record per step to `records` as it ends (a step can read the
 * records of those before it). `now` is a monotonic clock in milliseconds. A step that throws is logged as
 * failed and the error is rethrown after every deferred release has run (releases run in reverse order and
 * their own errors are logged, never thrown over the step's).
 * @throws whatever a step threw.
 */
export async function runSteps<C>(
  steps: ReadonlyArray<Step<C>>,
  ctx: C,
  now: () => number,
  releases: Array<() => Promise<void>>,
  records: StepRecord[] = [],
): Promise<PipelineRun> {
  let stopped: string | null = null;
  try {
    for (const step of steps) {
      const started = now();
      logStep(step.name, 'starting');
      let result: StepResult | void;
      try {
        result = await step.run(ctx);
      } catch (e) {
        const durationMs = Math.round(now() - started);
        const detail = e instanceof Error ? e.message : String(e);
        records.push({ name: step.name, state: 'failed', durationMs, detail });
        logStep(step.name, 'failed', detail, { durationMs });
        throw e;
      }
      const durationMs = Math.round(now() - started);
      const state = result?.state ?? 'done';
      records.push({ name: step.name, state, durationMs, ...(result?.detail ? { detail: result.detail } : {}) });
      logStep(step.name, state, result?.detail, { durationMs, ...result?.fields });
      if (result?.stop) {
        stopped = result.stop;
        break;
      }
    }
  } finally {
    for (const release of releases.splice(0).reverse()) {
      await release().catch((e: unknown) => logStep('release', 'failed', e instanceof Error ? e.message : String(e)));
    }
  }
  return { steps: records, stopped };
}
