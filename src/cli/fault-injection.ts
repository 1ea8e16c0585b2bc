// Fault injection for the crash-consistency and status tests, read once from the environment by the CLI:
// OSCONF_TEST_KILL_AT=N kills this process with SIGKILL at its Nth write, remove or command boundary;
// OSCONF_TEST_STOP_AT=N stops it with SIGSTOP there (the test continues it with SIGCONT: an apply held
// mid-run, its lock held); OSCONF_TEST_COUNT_BOUNDARIES=FILE appends each boundary to FILE. None set: no hook.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';

export function faultInjection(): { onBoundary?: (what: string) => void } {
  const killAt = Number(process.env.OSCONF_TEST_KILL_AT ?? 0);
  const stopAt = Number(process.env.OSCONF_TEST_STOP_AT ?? 0);
  const countFile = process.env.OSCONF_TEST_COUNT_BOUNDARIES;
  if (!killAt && !stopAt && !countFile) return {};
  let n = 0;
  return {
    onBoundary: (what) => {
      n++;
      if (countFile) appendFileSync(countFile, `${n} ${what}\n`);
      if (n === killAt) process.kill(process.pid, 'SIGKILL');
      if (n === stopAt) process.kill(process.pid, 'SIGSTOP');
    },
  };
}

/**
 * OSCONF_TEST_PAUSE_AFTER_PLAN=DIR: once prepare has planned, it creates DIR/planned and waits (at most 30 s)
 * for DIR/continue, so a test can swap a directory for a link between planning and acting deterministically.
 * Unset: returns at once.
 */
export async function pauseAfterPlan(): Promise<void> {
  const dir = process.env.OSCONF_TEST_PAUSE_AFTER_PLAN;
  if (!dir) return;
  writeFileSync(`${dir}/planned`, '');
  for (let i = 0; i < 300 && !existsSync(`${dir}/continue`); i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * OSCONF_TEST_READY_CHECK_MS=N: how often a waiting apply looks whether systemd took its READY=1 (handoff.ts
 * READY_CHECK_MS), so the hand-off tests need not wait 10 s per look. Unset: undefined (the default).
 */
export function readyCheckMs(): number | undefined {
  const ms = Number(process.env.OSCONF_TEST_READY_CHECK_MS ?? '');
  return Number.isInteger(ms) && ms > 0 ? ms : undefined;
}
