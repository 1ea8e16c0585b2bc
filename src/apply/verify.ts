// The verify step: a concern is applied only once its effect shows on the running system. The network:
// addresses and routes (`ip -j`). DNS: the name servers as the resolver in charge reports them (`resolvectl
// dns` when systemd-resolved owns resolv.conf and runs, else resolv.conf read through the Host). The host
// name: the kernel's name, and the name resolving to the instance's address first, as programs that look their
// own name up get it (`getent ahosts`: getaddrinfo, as `hostname -i` uses; `getent hosts` would ask for IPv6
// first and, for a name /etc/hosts maps to IPv4 only, wait for DNS, which may not answer this early).
// Each is waited for up to a bound, because stacks and resolvers apply asynchronously.
import type { Concern } from '../config/model.js';
import type { Host } from '../host/host.js';
import type { ApplyPlan, Expectation } from '../plan/actions.js';
import { missingFromLive } from '../plan/live-network.js';
import type { ConcernOutcome } from './execute.js';
import type { VerifyCheck } from './state.js';
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
    // Deferred: the stack starts after osconf; `osconf verify` (deferred.ts) checks it once it is up.
    if (!c.verify || c.deferred || !outcome || outcome.result !== 'applied') continue;
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

/**
 * The deferred verify step's check: waits (polling, up to `timeoutMs` milliseconds for all together) until
 * every expectation shows on the running system, then reports per concern what was expected, what the system
 * shows (the NICs' addresses and routes, the resolver's name servers, the host name) and what is missing.
 */
export async function checkExpectations(host: Host, expectations: Array<{ concern: Concern; expect: Expectation }>, timeoutMs: number): Promise<VerifyCheck[]> {
  await waitFor(async () => (await Promise.all(expectations.map((e) => missingNow(host, e.expect)))).flat(), timeoutMs);
  const checks: VerifyCheck[] = [];
  for (const { concern, expect } of expectations) {
    const missing = await missingNow(host, expect);
    checks.push({ concern, result: missing.length === 0 ? 'applied' : 'failed', expected: expectedItems(expect), seen: await seenItems(host, expect), missing });
  }
  return checks;
}

/** An expectation as readable items, in the words missingNow uses. */
export function expectedItems(e: Expectation): string[] {
  switch (e.kind) {
    case 'network':
      return [...e.addresses.map((a) => `address ${a.cidr} on ${a.name}`), ...e.routes.map((r) => `route ${r}`)];
    case 'dns':
      return e.nameservers.map((ns) => `name server ${ns}`);
    case 'hostname':
      return [`running host name ${e.hostname}`, ...e.names.map((n) => `${n} resolving to ${e.address}`)];
  }
}

/** What the running system shows for the same things: the expected NICs' addresses and routes, the resolver's servers. */
async function seenItems(host: Host, e: Expectation): Promise<string[]> {
  switch (e.kind) {
    case 'network': {
      const live = await readLiveNetwork(host);
      if (!live) return ['(ip -j failed)'];
      const nics = new Set(e.addresses.map((a) => a.name));
      return [
        ...live.addresses.filter((a) => nics.has(a.name)).map((a) => `address ${a.cidr} on ${a.name}`),
        ...live.routes.filter((r) => nics.has(r.slice(r.lastIndexOf(' dev ') + 5))).map((r) => `route ${r}`),
      ];
    }
    case 'dns': {
      const reported = await readNameservers(host, e.source);
      return reported === null ? [`(${e.source === 'resolved' ? 'resolvectl dns' : '/etc/resolv.conf'} failed)`] : reported.map((ns) => `name server ${ns}`);
    }
    case 'hostname':
      return [`running host name ${await host.hostname()}`];
  }
}

export const WHAT: Record<Expectation['kind'], string> = {
  network: 'the running network does not match os.conf',
  dns: "the resolver in charge does not report os.conf's name servers",
  hostname: "the running system does not answer to os.conf's host name",
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
    case 'hostname': {
      const missing: string[] = [];
      const running = await host.hostname();
      if (running.toLowerCase() !== expected.hostname.toLowerCase()) missing.push(`running host name ${expected.hostname} (it is ${running})`);
      for (const name of expected.names) {
        const answer = await getentHosts(host, name);
        if (answer !== expected.address) missing.push(`${name} resolving to ${expected.address} (getent ahosts ${/^[\d.]+$|^[\da-f:]+$/i.test(answer) ? `answers ${answer}` : answer})`);
      }
      return missing;
    }
  }
}

/**
 * The first address `getent ahosts NAME` answers (getaddrinfo(3) through nsswitch.conf, usually /etc/hosts
 * first; its sorting puts loopback before the instance's address when both map the name), or what went wrong.
 */
async function getentHosts(host: Host, name: string): Promise<string> {
  const r = await host.exec(['getent', 'ahosts', name], { timeoutMs: 5_000 }).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  if (typeof r === 'string') return `failed: ${r}`;
  const address = r.code === 0 ? r.stdout.trim().split(/\s+/)[0] : undefined;
  return address ? address : r.code === 2 ? 'answers nothing' : `exited with ${r.code}`;
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
