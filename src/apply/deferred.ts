// `osconf verify`: the second step of an apply whose network (or DNS) was left to a stack that starts after
// osconf at boot (systemd-networkd, netplan's backend, NetworkManager, a resolver not running yet). The apply
// records what the running system must then show (state.json `pending`) and keeps os.conf; this step runs once
// that stack is up (units/osconf-verify.service: after the stacks, before network-online.target; the init
// scripts: after networking), waits a bounded time for the expectation, and only then removes os.conf (the
// same file: the partition is located again and the digest compared) and records the result. If the running
// system does not match, os.conf stays (the next boot retries), state.json says per concern what was expected,
// what was seen and what is missing, and the command exits 1 (the unit fails).
//   settings → lock → pending → check → locate → cleanup → record
import { join } from 'node:path';
import { MAX_OS_CONF_BYTES } from '../config/parse.js';
import { ExitCode } from '../errors.js';
import type { Host } from '../host/host.js';
import { acquireLock, LOCK_FILE } from '../host/lock.js';
import { NodeHost } from '../host/node-host.js';
import { readPartitionOsConf, removePartitionOsConf, setAsideFailedOsConf } from '../host/os-conf-file.js';
import { log } from '../log.js';
import { notifyReady, notifyStatus } from '../notify.js';
import { DEFAULT_OSCONF_CONF, type OsconfConf } from '../settings/osconf-conf.js';
import { locate, OS_CONF_DIR, OS_CONF_NAME } from '../source/locate.js';
import { loadSettings } from './load-settings.js';
import { INSTANCE_DATA_FILE, INSTANCE_DATA_RECORD, osConfDigest, readState, writeState, type ApplyState, type PendingVerify, type VerifyCheck } from './state.js';
import { runSteps, type Step, type StepRecord } from './steps.js';

/** Present while an apply's concerns wait for `osconf verify`: what osconf-verify.service and the init scripts start on. */
export const VERIFY_MARKER = '/run/osconf/verify-pending';

/**
 * How long the deferred step waits for the stack to show os.conf's settings, in milliseconds. networkd and
 * NetworkManager configure a static address within seconds of starting; the bound keeps a stack that applies
 * something else from holding network-online.target for long.
 */
export const DEFERRED_VERIFY_TIMEOUT_MS = 60_000;

/** Creates or removes the marker (a live host's /run). */
export async function setVerifyMarker(host: Host, pending: boolean): Promise<void> {
  if (pending) {
    await host.mkdir('/run/osconf', 0o700);
    await host.write(VERIFY_MARKER, 'osconf verify checks what the last apply left to the network stack (/var/lib/osconf/state.json: pending)\n', { mode: 0o644 });
  } else if ((await host.info(VERIFY_MARKER)) !== null) {
    await host.remove(VERIFY_MARKER);
  }
}

export interface VerifyRequest {
  /** `/` for the running system (tests: a sandbox's). */
  root: string;
  settingsPath: string | null;
  lockWaitMs: number;
  /** How long to wait for the running system to match, in milliseconds. */
  timeoutMs: number;
  /**
   * Whether the result goes to systemd (NOTIFY_SOCKET) from this process (default true). False when an apply
   * runs the step for osconf-verify.service (handoff.ts), whose own process then sends `status`.
   */
  notify?: boolean;
  /** The caller holds the apply lock already (the verify hand-off keeps the apply's): the lock step is skipped. */
  lockHeld?: boolean;
}

/** `status`: the one-line result as systemd's STATUS (READY=1 with it when exitCode is 0). */
export type VerifyOutcome =
  | { kind: 'nothing-pending'; exitCode: 0; steps: StepRecord[]; status: string }
  | { kind: 'verified'; state: ApplyState; exitCode: number; steps: StepRecord[]; status: string };

interface VerifyRun {
  request: VerifyRequest;
  host: Host;
  releases: Array<() => Promise<void>>;
  steps: StepRecord[];
  settings: OsconfConf;
  state: ApplyState | null;
  checks: VerifyCheck[];
  checkMs: number;
  /** os.conf's path once located again (null: not located, or --conf). */
  confPath: string | null;
  /** Where the partition is mounted once located again: os.conf is read and removed through its directory. */
  base: string | null;
  osConf: ApplyState['osConf'];
  /** Why os.conf was not removed although the check passed (a new os.conf, unreadable). */
  osConfNote: string | null;
}

const passed = (run: VerifyRun) => run.checks.every((c) => c.result === 'applied');

const STEPS: ReadonlyArray<Step<VerifyRun>> = [
  {
    name: 'settings',
    run: async (run) => {
      run.settings = await loadSettings(run.host, run.request.settingsPath);
      return {};
    },
  },
  {
    name: 'lock',
    run: async (run) => {
      const path = join(run.request.root, LOCK_FILE);
      if (run.request.lockHeld) return { state: 'skipped', detail: `${path}: held since the apply` };
      run.releases.push(await acquireLock(LOCK_FILE, run.request.lockWaitMs, run.request.root));
      return { detail: path };
    },
  },
  {
    name: 'pending',
    run: async (run) => {
      run.state = await readState(run.host);
      if (!run.state?.pending) return { state: 'skipped', detail: 'the last apply left nothing to verify', stop: 'nothing pending' };
      return { detail: run.state.pending.concerns.map((c) => `${c.concern} (${c.via})`).join(', ') };
    },
  },
  {
    name: 'check',
    run: async (run) => {
      const pending = run.state!.pending!;
      const { checkExpectations } = await import('./verify.js');
      const started = Date.now();
      run.checks = await checkExpectations(run.host, pending.concerns, run.request.timeoutMs);
      run.checkMs = Date.now() - started;
      const failed = run.checks.filter((c) => c.result === 'failed');
      if (failed.length > 0) return { state: 'failed', detail: failed.map((c) => `${c.concern}: missing ${c.missing.join(', ')}`).join('; ') };
      return { detail: run.checks.map((c) => `${c.concern} live as os.conf says`).join(', ') };
    },
  },
  {
    name: 'locate',
    run: async (run) => {
      const { osConf } = run.state!.pending!;
      if (osConf.explicit) return { state: 'skipped', detail: `--conf ${osConf.path}` };
      // A failed check needs os.conf too, to count the failure against the retry limit; not finding it then
      // only keeps os.conf (the failure is recorded either way).
      const located = passed(run)
        ? await locate(run.host, run.settings.source)
        : await locate(run.host, run.settings.source).catch((e: unknown) => {
            log().warn(`locate: ${e instanceof Error ? e.message : String(e)}; os.conf stays`);
            return null;
          });
      if (located === null) return { state: 'skipped', detail: 'os.conf stays: not found' };
      run.releases.push(() => located.release());
      run.confPath = join(located.base, OS_CONF_DIR, OS_CONF_NAME);
      run.base = located.base;
      return { detail: located.how };
    },
  },
  {
    name: 'cleanup',
    run: async (run) => {
      const { osConf } = run.state!.pending!;
      if (osConf.explicit) {
        run.osConf = 'left in place (--conf)';
        return { state: 'skipped', detail: 'left in place (--conf)' };
      }
      const path = run.confPath!;
      if (!passed(run)) return countFailure(run, osConf);
      // As the apply read it: through the partition's aliyun_custom_image directory, never through a link.
      const file = await readPartitionOsConf(run.base!, MAX_OS_CONF_BYTES);
      if (file === null) {
        run.osConf = 'absent';
        return { detail: `${path}: already gone` };
      }
      if ((await osConfDigest(run.host, file.bytes)) !== osConf.digest || file.size !== osConf.size) {
        // The platform wrote new settings since (another boot's): they are the next apply's.
        run.osConf = 'kept';
        run.osConfNote = `${path} is not the os.conf the apply read: kept for the next apply`;
        log().warn(`cleanup: ${run.osConfNote}`);
        return { detail: run.osConfNote };
      }
      await removePartitionOsConf(run.base!);
      run.osConf = 'removed';
      log().info(`cleanup: removed ${path}; ${OS_CONF_DIR}/ stays`);
      return { detail: `removed ${path}` };
    },
  },
  {
    name: 'record',
    run: async (run) => {
      const state = run.state!;
      const pending = state.pending!;
      const ok = passed(run);
      // The deferred concerns take the check's result; the apply's other concerns stay as they were.
      for (const check of run.checks) {
        const outcome = state.concerns.find((o) => o.concern === check.concern);
        const was = pending.concerns.find((c) => c.concern === check.concern);
        if (!outcome || !was) continue;
        outcome.result = check.result === 'applied' ? was.result : 'failed';
        outcome.message =
          check.result === 'applied'
            ? `${was.via}; seen live by osconf verify`
            : `${was.via}, but after ${Math.round(run.request.timeoutMs / 1000)} s the running system lacks ${check.missing.join(', ')}`;
      }
      delete state.pending;
      state.verify = { time: new Date().toISOString(), result: ok ? 'passed' : 'failed', checks: run.checks, durationMs: run.checkMs };
      state.osConf = run.osConf;
      if (!ok && state.exitCode === ExitCode.ok) state.exitCode = ExitCode.failure;
      if (ok && run.osConfNote) state.verify.note = run.osConfNote;
      await writeState(run.host, state);
      await updateInstanceData(run.host, state);
      await setVerifyMarker(run.host, false);
      return { detail: ok ? 'verify passed' : 'verify failed' };
    },
  },
];

/**
 * A failed check counts against the retry limit as a failed apply does (retry.ts): the stack that never shows
 * the settings would otherwise keep os.conf, with its password, on the partition for ever. The same os.conf
 * (keyed digest) failing the same concerns at RETRY_LIMIT boots is set aside; else kept for the next boot.
 */
async function countFailure(run: VerifyRun, osConf: PendingVerify['osConf']): Promise<{ detail: string }> {
  const { bootId, describeAttempts, limitReached, nextAttempts } = await import('./retry.js');
  run.osConf = 'kept';
  const file = run.base === null ? null : await readPartitionOsConf(run.base, MAX_OS_CONF_BYTES);
  if (file === null || (await osConfDigest(run.host, file.bytes)) !== osConf.digest || file.size !== osConf.size) {
    log().warn('cleanup: os.conf kept so the next boot retries');
    return { detail: 'os.conf kept' };
  }
  const state = run.state!;
  const failed = run.checks.filter((c) => c.result !== 'applied').map((c) => c.concern);
  state.attempts = nextAttempts(state.attempts, osConf.digest, failed, await bootId(run.host));
  if (limitReached(state.attempts)) {
    state.attempts.setAside = await setAsideFailedOsConf(run.base!);
    run.osConf = 'set aside after repeated failures';
  }
  log().warn(`cleanup: ${describeAttempts(state.attempts)}`);
  return { detail: `os.conf ${run.osConf}` };
}

/**
 * The instance data (`osconf query`) takes the concerns' results once verified: the apply wrote them as
 * pending. Both copies (/var/lib/osconf, /run/osconf) where present; an unreadable record is left alone.
 */
async function updateInstanceData(host: Host, state: ApplyState): Promise<void> {
  for (const path of [INSTANCE_DATA_RECORD, INSTANCE_DATA_FILE]) {
    const text = await host.read(path).catch(() => null);
    if (text === null) continue;
    let data: { osconf?: { concerns?: Record<string, string> } };
    try {
      data = JSON.parse(text) as typeof data;
    } catch {
      continue;
    }
    if (!data.osconf?.concerns) continue;
    for (const c of state.concerns) data.osconf.concerns[c.concern] = c.result;
    await host.write(path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o644 });
  }
}

/**
 * Runs `osconf verify` for `request`.
 * @throws UsageError (a missing --config), OperationalError (an unreadable settings file or state, a lock not
 * taken in time, a partition not found or not mounted): the lock and the partition are released; the pending
 * record stays for the next run.
 */
export async function runDeferredVerify(request: VerifyRequest): Promise<VerifyOutcome> {
  const host = new NodeHost(request.root);
  const run: VerifyRun = {
    request,
    host,
    releases: [],
    steps: [],
    settings: DEFAULT_OSCONF_CONF,
    state: null,
    checks: [],
    checkMs: 0,
    confPath: null,
    base: null,
    osConf: 'kept',
    osConfNote: null,
  };
  const { steps } = await runSteps(STEPS, run, () => performance.now(), run.releases, run.steps);
  const notify = request.notify ?? true;
  if (run.checks.length === 0 || !run.state) {
    await setVerifyMarker(host, false).catch(() => undefined);
    const status = 'nothing to verify';
    if (notify) await notifyReady(status);
    return { kind: 'nothing-pending', exitCode: 0, steps, status };
  }
  const state = run.state;
  const summary = run.checks.map((c) => `${c.concern} ${c.result === 'applied' ? 'live' : `missing ${c.missing.join(', ')}`}`).join('; ');
  if (passed(run)) {
    const status = `verified: ${summary}; os.conf ${state.osConf}`;
    if (notify) await notifyReady(status);
    return { kind: 'verified', state, exitCode: ExitCode.ok, steps, status };
  }
  const status = `failed: ${summary}; os.conf ${state.osConf}`;
  if (notify) await notifyStatus(status);
  return { kind: 'verified', state, exitCode: ExitCode.failure, steps, status };
}
