// The verify step: a concern is applied only once its effect shows on the running system. Today that is the
// network (addresses and routes, `ip -j`), waited for up to a bound because stacks apply asynchronously.
import type { Concern } from '../config/model.js';
import type { Host } from '../host/host.js';
import type { ApplyPlan, NetworkExpectation } from '../plan/actions.js';
import { missingFromLive } from '../plan/live-network.js';
import type { ConcernOutcome } from './execute.js';
import { readLiveNetwork } from './gather.js';

/** How long the running network may take to match os.conf after the stack was told, in milliseconds. */
export const VERIFY_TIMEOUT_MS = 20_000;

export interface VerifyResult {
  concern: Concern;
  result: 'applied' | 'failed';
  message?: string;
}

/**
 * Checks every applied concern whose plan carries an expectation against the running system, and marks its
 * outcome failed (with what is missing) when it does not match within `timeoutMs`. Mutates `outcomes`.
 * Returns one result per concern checked (empty: nothing to check, e.g. activation deferred to a stack that
 * starts later).
 */
export async function verifyOutcomes(host: Host, plan: ApplyPlan, outcomes: ConcernOutcome[], timeoutMs = VERIFY_TIMEOUT_MS): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const c of plan.concerns) {
    const outcome = outcomes.find((o) => o.concern === c.concern);
    if (!c.verify || !outcome || outcome.result !== 'applied') continue;
    const missing = await waitForNetwork(host, c.verify, timeoutMs);
    if (missing.length === 0) {
      results.push({ concern: c.concern, result: 'applied' });
      continue;
    }
    outcome.result = 'failed';
    outcome.message = `the running network does not match os.conf after ${Math.round(timeoutMs / 1000)} s: missing ${missing.join(', ')}`;
    results.push({ concern: c.concern, result: 'failed', message: outcome.message });
  }
  return results;
}

/** What of `expected` the running network still lacks once it matches or `timeoutMs` has passed. */
async function waitForNetwork(host: Host, expected: NetworkExpectation, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = await readLiveNetwork(host);
    const missing = live ? missingFromLive(expected, live) : ['the running network (ip -j failed)'];
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((r) => setTimeout(r, 250));
  }
}
