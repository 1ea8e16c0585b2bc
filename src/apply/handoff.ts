// The verify hand-off (systemd boots): an apply that left concerns to a stack starting later stays after READY=1,
// idle, and runs the deferred verify step itself when osconf-verify.service asks, instead of that unit starting
// a second Node.js (seconds on a slow machine, while network-online.target waits for it).
//   apply (osconf.service's main process)          osconf-verify.service (`osconf-boot verify`, a POSIX sh)
//   holds HANDOFF_LOCK, writes WAITING
//   READY=1 ... waits for GO                       (after the stacks) WAITING? creates GO, waits for HANDOFF_LOCK
//   sees GO: runs the verify step, writes RESULT
//   removes WAITING, releases HANDOFF_LOCK         reads RESULT: sends its status, exits with its code
// Anything else (no WAITING, no RESULT: the apply gave up, was killed or failed) and the sh runs
// `osconf verify` as before, which does the same step in its own process: the hand-off only saves time.
// The apply's own exit code stays the apply's: the verify's result is osconf-verify.service's.
import { DEFERRED_VERIFY_TIMEOUT_MS, runDeferredVerify, VERIFY_MARKER } from './deferred.js';
import { acquireLock } from '../host/lock.js';
import { NodeHost } from '../host/node-host.js';
import { waitForPath } from '../host/wait-path.js';
import { log } from '../log.js';

/** Held by the waiting apply until its result is written (flock(2): the kernel drops it however it ends). */
export const HANDOFF_LOCK = '/run/osconf/verify-handoff.lock';
/** Written by the waiting apply once it holds HANDOFF_LOCK (its PID, for messages); removed when it ends. */
export const HANDOFF_WAITING = '/run/osconf/verify-waiting';
/** Created by osconf-verify.service's pre-check once the stacks are up: the waiting apply verifies now. */
export const HANDOFF_GO = '/run/osconf/verify-go';
/** The verify's exit code (line 1) and status line (line 2), for osconf-verify.service. */
export const HANDOFF_RESULT = '/run/osconf/verify-result';

/**
 * How long the apply waits for osconf-verify.service, in milliseconds: the time the stacks take to start at boot
 * (ifupdown's DHCP on another NIC: about a minute). After it the unit, if it starts, runs `osconf verify` itself.
 */
export const HANDOFF_WAIT_MS = 300_000;

export type HandoffOutcome = 'verified' | 'not-asked' | 'busy' | 'failed';

/**
 * Waits (at most `waitMs` ms) for osconf-verify.service to ask, then runs the deferred verify step (deferred.ts)
 * in this process and leaves its result for that unit. Call only after READY=1, from an apply on the running
 * system (`root` is for tests: a sandbox's paths, never another system's). Resolves to what happened: verified
 * (a result was written, passed or failed), not-asked (no GO in time), busy (another process already waits),
 * failed (the step threw: logged; the unit then runs `osconf verify`, which reports it). Never throws.
 */
export async function serveVerifyHandoff(options: { settingsPath: string | null; waitMs?: number; root?: string }): Promise<HandoffOutcome> {
  const root = options.root ?? '/';
  const host = new NodeHost(root);
  const at = (path: string) => (root === '/' ? path : `${root}${path}`);
  let release: () => Promise<void>;
  try {
    release = await acquireLock(HANDOFF_LOCK, 0, root);
  } catch (e) {
    log().debug(`verify hand-off: ${e instanceof Error ? e.message : String(e)}`);
    return 'busy';
  }
  try {
    for (const stale of [HANDOFF_GO, HANDOFF_RESULT]) await host.remove(stale);
    await host.write(HANDOFF_WAITING, `${process.pid}\n`, { mode: 0o644 });
    const waitMs = options.waitMs ?? HANDOFF_WAIT_MS;
    log().info(`verify: waiting (at most ${Math.round(waitMs / 1000)} s) for osconf-verify.service to start once the network stack is up`);
    // The marker gone: the step ran without us (osconf-verify.service started before WAITING was written).
    const markerGone = async () => (await host.info(VERIFY_MARKER)) === null;
    if (!(await waitForPath(at(HANDOFF_GO), waitMs, markerGone))) {
      log().info('verify: osconf-verify.service did not ask; it runs osconf verify itself');
      return 'not-asked';
    }
    await host.remove(HANDOFF_GO);
    const outcome = await runDeferredVerify({ root, settingsPath: options.settingsPath, lockWaitMs: 60_000, timeoutMs: DEFERRED_VERIFY_TIMEOUT_MS, notify: false });
    await host.write(HANDOFF_RESULT, `${outcome.exitCode}\n${outcome.status.replace(/\s+/g, ' ')}\n`, { mode: 0o644 });
    return 'verified';
  } catch (e) {
    log().warn(`verify: the hand-off failed (${e instanceof Error ? e.message : String(e)}); osconf-verify.service runs osconf verify`);
    return 'failed';
  } finally {
    await host.remove(HANDOFF_WAITING).catch(() => undefined);
    await release();
  }
}
