// The verify step: a concern is applied only once its effect shows on the running system. The network:
// addresses and routes (`ip -j`). DNS: the name servers as the resolver in charge reports them (`resolvectl
// dns` when systemd-resolved owns resolv.conf and runs, else resolv.conf read through the Host). Each is
// waited for up to a bound, because stacks and resolvers apply asynchronously.
import type { Concern } from '../config/model.js';
import type { Host } from '../host/host.js';
import type { ApplyPlan, Expectation } from '../plan/actions.js';
import { missingFromLive } from '../plan/live-network.js';
import type { ConcernOutcome } from './execute.js';
import { readLiveNetwork, readNameservers } from './gather.js';

/** How long the running system may take to match os.conf after the stack was told, in milliseconds. */
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
    const expected = c.verify;
    const missing = await waitFor(() => missingNow(host, expected), timeoutMs);
    if (missing.length === 0) {
      results.push({ concern: c.concern, result: 'applied' });
      continue;
    }
    outcome.result = 'failed';
    outcome.message = `${WHAT[expected.kind]} after ${Math.round(timeoutMs / 1000)} s: missing ${missing.join(', ')}`;
    results.push({ concern: c.concern, result: 'failed', message: outcome.message });
  }
  return results;
}

const WHAT: Record<Expectation['kind'], string> = {
  network: 'the running network does not match os.conf',
  dns: "the resolver in charge does not report os.conf's name servers",
};

/** What of `expected` the running system lacks right now, each item readable on its own. */
async function missingNow(host: Host, expected: Expectation): Promise<string[]> {
  switch (expected.kind) {
    case 'network': {
      const live = await readLiveNetwork(host);
      return live ? missingFromLive(expected, live) : ['the running network (ip -j failed)'];
    }
    case 'dns': {
      const reported = await readNameservers(host, expected.source);
      const from = expected.source === 'resolved' ? 'resolvectl dns' : '/etc/resolv.conf';
      if (reported === null) return [`the resolver's answer (${from} failed)`];
      return expected.nameservers.filter((ns) => !reported.includes(ns)).map((ns) => `name server ${ns} (${from} reports ${reported.join(' ') || 'none'})`);
    }
  }
}

/** Polls `check` until it reports nothing missing or `timeoutMs` has passed; returns the last report. */
async function waitFor(check: () => Promise<string[]>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = await check();
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((r) => setTimeout(r, 250));
  }
}
