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
// A READY=1 systemd did not take (systemd-notify failed, or the message was dropped) would hold the unit in
// "activating", and network-pre.target and the stacks behind it, until the wait ends: while GO has not come,
// the apply looks at its unit's state every READY_CHECK_MS and sends READY=1 again while it is still in its
// start; after READY_RESENDS, still in its start, it stops waiting, so the boot goes on.
import { DEFERRED_VERIFY_TIMEOUT_MS, runDeferredVerify, VERIFY_MARKER } from './deferred.js';
import type { Host } from '../host/host.js';
import { waitForPath } from '../host/wait-path.js';
import { log } from '../log.js';
import { notifyReady } from '../notify.js';

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

/**
 * While waiting, how often (milliseconds) the apply looks at its unit's state (`systemctl show`) until it sees
 * systemd took READY=1: osconf-verify.service asks within seconds of the stack starting, so only a slow
 * stack, or a lost READY=1, costs these commands.
 */
export const READY_CHECK_MS = 10_000;
/** READY=1 is sent again at most this many times; still activating after that, the apply stops waiting. */
export const READY_RESENDS = 3;

export type HandoffOutcome = 'verified' | 'not-asked' | 'failed';

export interface VerifyHandoff {
  /**
   * Waits (at most `waitMs` ms) for GO, then runs the deferred verify step (deferred.ts) under the apply lock
   * this hand-off holds, writes RESULT and releases the lock. Resolves to what happened: verified (a result,
   * passed or failed, was written), not-asked (no GO in time, or the marker went), failed (the step threw: a
   * failed RESULT with its message). Never throws.
   */
  serve(options: { settingsPath: string | null; waitMs?: number; readyCheckMs?: number }): Promise<HandoffOutcome>;
}

/**
 * The systemd service a `/proc/PID/cgroup` text names (cgroups(7)): the unified line `0::/system.slice/x.service`
 * or the legacy/hybrid `N:name=systemd:/system.slice/x.service`. Null when neither names a service (a scope,
 * the root cgroup, no systemd).
 */
export function serviceOfCgroup(text: string): string | null {
  return /^(?:0:|\d+:name=systemd:)[^\n]*\/([^/\n]+\.service)$/m.exec(text)?.[1] ?? null;
}

/**
 * One look at whether systemd took READY=1 (systemctl(1) show, ActiveState and SubState; systemd.service(5)):
 * 'not-taken' while the unit is activating in its start (Type=notify before READY=1), 'taken' in any other state
 * (active, or activating in a later start phase such as ExecStartPost=), 'unknown' when systemctl failed.
 * Never throws.
 */
async function lookAtReadiness(host: Host, unit: string): Promise<'taken' | 'not-taken' | 'unknown'> {
  const r = await host.exec(['systemctl', 'show', '-p', 'ActiveState', '-p', 'SubState', unit], { timeoutMs: 10_000 }).catch(() => null);
  if (!r || r.code !== 0) return 'unknown';
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(r.stdout)?.[1]?.trim();
  const active = value('ActiveState');
  if (active === undefined) return 'unknown';
  return active === 'activating' && value('SubState') === 'start' ? 'not-taken' : 'taken';
}

/**
 * Opens the hand-off on a live `host` with what the run kept: `kept` frees it, in order (the partition's unmount
 * when osconf mounted it, then the apply lock); `readyStatus` is the STATUS sent with READY=1, for a resend.
 * Stale GO and RESULT from an earlier run of this boot are removed and WAITING written. Null when that fails
 * (logged; what was kept is then freed and osconf-verify.service runs `osconf verify`). Never throws.
 */
export async function openVerifyHandoff(host: Host, kept: Array<() => Promise<void>>, readyStatus: string): Promise<VerifyHandoff | null> {
  // Each freed once, whatever fails: the lock last, after the partition is unmounted.
  const release = async (): Promise<void> => {
    for (const free of kept.splice(0)) await free().catch((e: unknown) => log().warn(`verify: ${e instanceof Error ? e.message : String(e)}`));
  };
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
    async serve({ settingsPath, waitMs = HANDOFF_WAIT_MS, readyCheckMs = READY_CHECK_MS }) {
      try {
        log().info(`verify: waiting (at most ${Math.round(waitMs / 1000)} s) for osconf-verify.service to start once the network stack is up`);
        // Monotonic: the clock may be set while the boot goes on.
        const started = performance.now();
        // Whether systemd took READY=1: looked at every readyCheckMs, at most READY_RESENDS + 1 times, until it
        // did; sent again after each look that saw it not taken. At the last look, the last state systemctl could
        // tell decides: still not taken, the apply stops waiting. No look once GO came (open false), nor two at once.
        const unit = serviceOfCgroup((await host.read(`/proc/${process.pid}/cgroup`).catch(() => null)) ?? '') ?? 'osconf.service';
        const readiness = { settled: false, lost: false, looks: 0, resends: 0, looking: false, open: true, known: 'unknown' as 'taken' | 'not-taken' | 'unknown' };
        const look = async (): Promise<void> => {
          const seen = await lookAtReadiness(host, unit);
          readiness.looks++;
          if (seen !== 'unknown') readiness.known = seen;
          else log().debug(`verify: cannot tell whether systemd took READY=1 (systemctl show ${unit} failed)`);
          if (seen === 'taken' || !readiness.open) {
            readiness.settled = true;
            return;
          }
          if (readiness.looks > READY_RESENDS) {
            readiness.settled = true;
            readiness.lost = readiness.known === 'not-taken';
            if (readiness.lost) log().error(`verify: systemd did not take READY=1 (${unit} still activating after ${readiness.resends + 1} messages); not waiting for osconf-verify.service`);
            return;
          }
          if (seen === 'unknown') return;
          // A second READY=1 on a unit that took the first changes nothing (it acts in the start phase only).
          log().warn(`verify: ${unit} still activating: systemd did not take READY=1; sending it again`);
          readiness.resends++;
          await notifyReady(readyStatus);
        };
        const stopWaiting = async (): Promise<boolean> => {
          // The marker gone: nothing is pending any more (removed by hand).
          if ((await host.info(VERIFY_MARKER)) === null) return true;
          if (readiness.settled || readiness.looking || performance.now() - started < readyCheckMs * (readiness.looks + 1)) return false;
          readiness.looking = true;
          await look().finally(() => {
            readiness.looking = false;
          });
          return readiness.lost;
        };
        const at = host.root === '/' ? HANDOFF_GO : `${host.root}${HANDOFF_GO}`;
        const asked = await waitForPath(at, waitMs, stopWaiting);
        readiness.open = false;
        if (!asked) {
          if (!readiness.lost) log().info('verify: osconf-verify.service did not ask; it runs osconf verify itself');
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
