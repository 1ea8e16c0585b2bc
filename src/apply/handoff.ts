// The verify hand-off (systemd boots): an apply that left concerns to a stack starting later stays after READY=1,
// idle, and runs the deferred verify step itself when osconf-verify.service asks, instead of that unit starting
// a second Node.js (seconds on a slow machine, while network-online.target waits for it).
//   apply (osconf.service's main process)          osconf-verify.service (`osconf-boot verify`, a POSIX sh)
//   keeps the apply lock, writes WAITING, READY=1
//   waits for GO (at most HANDOFF_WAIT_MS)         (after the stacks) WAITING, its PID alive, the lock held?
//                                                  creates GO, waits for the apply lock (flock -w)
//   sees GO: runs the verify step, writes RESULT
//   removes WAITING, releases the lock             reads RESULT: sends its status, exits with its code
// Without a waiting apply, or when the lock is free again with GO still there (the apply gave up or was killed
// before taking it), the sh runs `osconf verify`, which does the same step in its own process: the hand-off
// only saves time. Once GO is taken the apply owes a RESULT (a failed one when the step threw); taken and
// unanswered (killed part way, RESULT not written), the sh fails the unit. The apply's exit code stays the
// apply's; the verify's result is osconf-verify.service's. Opened only while osconf-verify.service is still
// to run (pipeline.ts): a restart of osconf.service after boot does not start it again.
import { DEFERRED_VERIFY_TIMEOUT_MS, runDeferredVerify, VERIFY_MARKER } from './deferred.js';
import type { Host } from '../host/host.js';
import { waitForPath } from '../host/wait-path.js';
import { log } from '../log.js';

/** The waiting apply's PID; present from before READY=1 until it ends (the sh checks it is alive). */
export const HANDOFF_WAITING = '/run/osconf/verify-waiting';
/** Created by osconf-verify.service's sh once the stacks are up: the waiting apply verifies now. */
export const HANDOFF_GO = '/run/osconf/verify-go';
/** The step's exit code (line 1) and status line (line 2), for osconf-verify.service. */
export const HANDOFF_RESULT = '/run/osconf/verify-result';

/**
 * How long the apply waits for osconf-verify.service, in milliseconds: the time the stacks take to start at boot
 * (ifupdown's DHCP on another NIC: about a minute). After it the apply ends; the unit, if it starts later, runs
 * `osconf verify` itself.
 */
export const HANDOFF_WAIT_MS = 300_000;

export type HandoffOutcome = 'verified' | 'not-asked' | 'failed';

export interface VerifyHandoff {
  /**
   * Waits (at most `waitMs` ms) for GO, then runs the deferred verify step (deferred.ts) under the apply lock
   * this hand-off holds, writes RESULT and releases the lock. Resolves to what happened: verified (a result,
   * passed or failed, was written), not-asked (no GO in time, or the marker went), failed (the step threw: a
   * failed RESULT with its message). Never throws.
   */
  serve(options: { settingsPath: string | null; waitMs?: number }): Promise<HandoffOutcome>;
}

/**
 * Opens the hand-off on a live `host` with the apply lock the run kept (`release` frees it): stale GO and
 * RESULT from an earlier run of this boot are removed and WAITING written. Null when that fails (logged; the
 * lock is then released and osconf-verify.service runs `osconf verify`). Never throws.
 */
export async function openVerifyHandoff(host: Host, release: () => Promise<void>): Promise<VerifyHandoff | null> {
  try {
    for (const stale of [HANDOFF_GO, HANDOFF_RESULT]) await host.remove(stale);
    await host.write(HANDOFF_WAITING, `${process.pid}\n`, { mode: 0o644 });
  } catch (e) {
    log().warn(`verify: no hand-off (${e instanceof Error ? e.message : String(e)}); osconf-verify.service runs osconf verify`);
    await host.remove(HANDOFF_WAITING).catch(() => undefined);
    await release();
    return null;
  }
  return {
    async serve({ settingsPath, waitMs = HANDOFF_WAIT_MS }) {
      try {
        log().info(`verify: waiting (at most ${Math.round(waitMs / 1000)} s) for osconf-verify.service to start once the network stack is up`);
        // The marker gone: nothing is pending any more (removed by hand).
        const markerGone = async () => (await host.info(VERIFY_MARKER)) === null;
        const at = host.root === '/' ? HANDOFF_GO : `${host.root}${HANDOFF_GO}`;
        if (!(await waitForPath(at, waitMs, markerGone))) {
          log().info('verify: osconf-verify.service did not ask; it runs osconf verify itself');
          return 'not-asked';
        }
        let code: number;
        let status: string;
        let outcome: HandoffOutcome = 'verified';
        try {
          await host.remove(HANDOFF_GO);
          const verified = await runDeferredVerify({ root: host.root, settingsPath, lockWaitMs: 0, timeoutMs: DEFERRED_VERIFY_TIMEOUT_MS, notify: false, lockHeld: true });
          code = verified.exitCode;
          status = verified.status;
        } catch (e) {
          // Taken, so answered: `osconf verify` run after a step that got part way could find nothing pending.
          code = 1;
          status = `failed: ${e instanceof Error ? e.message : String(e)}`;
          outcome = 'failed';
          log().error(`verify: ${status}`);
        }
        await host.write(HANDOFF_RESULT, `${code}\n${status.replace(/\s+/g, ' ')}\n`, { mode: 0o644 });
        return outcome;
      } catch (e) {
        log().warn(`verify: the hand-off failed (${e instanceof Error ? e.message : String(e)}); osconf-verify.service runs osconf verify`);
        return 'failed';
      } finally {
        await host.remove(HANDOFF_WAITING).catch(() => undefined);
        await release();
      }
    },
  };
}
