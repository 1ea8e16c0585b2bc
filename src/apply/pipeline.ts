// `osconf apply` as one pipeline of ordered steps (steps.ts runs them):
//   settings → disable-switch → lock → locate → read → snapshot → plan → execute → verify → ssh-host-keys →
//   cleanup → record
// A boot without os.conf runs only the first five and ssh-host-keys; what the later steps need is loaded on
// demand, so such a boot loads none of the planning code. A dry run changes nothing: the steps after plan that
// would are skipped. The CLI turns options into an ApplyRequest and prints the ApplyOutcome; this module never
// writes to stdout.
import { dirname, join } from 'node:path';
import type { ReadResult } from '../config/model.js';
import { MAX_OS_CONF_BYTES } from '../config/parse.js';
import { DEFAULT_OSCONF_CONF, OSCONF_CONF, type OsconfConf } from '../settings/osconf-conf.js';
import { loadSettings } from './load-settings.js';
import type { Detection } from '../distro/detect.js';
import type { Stack } from '../distro/profiles.js';
import { ExitCode, OperationalError, OsconfError, isENOENT } from '../errors.js';
import type { Host } from '../host/host.js';
import { NodeHost } from '../host/node-host.js';
import { log, logStep, registerSecret } from '../log.js';
import { secretsIn } from '../config/secret.js';
import { notifyReady, notifyStatus } from '../notify.js';
import type { ApplyPlan } from '../plan/actions.js';
import type { ApplyInput } from '../plan/apply-plan.js';
import { locate, OS_CONF_DIR, OS_CONF_NAME, type Located } from '../source/locate.js';
import { readOsConfFile, readPartitionOsConf, removePartitionOsConf, setAsideFailedOsConf, setAsideOsConf, type OsConfBytes } from '../host/os-conf-file.js';
import { VERSION } from '../version.js';
import type { ConcernOutcome, ExtraOutcome } from './execute.js';
import { acquireLock, LOCK_FILE } from '../host/lock.js';
import { sshHostKeysAction, sshHostKeysMissing } from './ssh-host-keys.js';
import type { AttemptRecord } from './retry.js';
import { currentBootId, writeRunRecord, type ApplyState, type PendingVerify, type RunRecord } from './state.js';
import { runSteps, type Step, type StepRecord } from './steps.js';
import type { VerifyHandoff } from './handoff.js';

export const DISABLED_FLAG = '/etc/osconf/disabled';

/** What the CLI asks for. Paths are absolute. */
export interface ApplyRequest {
  /** `/` for the running system, else an offline root (files only, nothing run). */
  root: string;
  /** An explicit os.conf (`--conf`): no locating, never removed. */
  conf: string | null;
  /** An explicit osconf.conf (`--config`), read from this machine; null: the target's /etc/osconf/osconf.conf. */
  settingsPath: string | null;
  dryRun: boolean;
  /** `--stack`: overrides detection and osconf.conf. */
  stack?: Stack;
  /** How long to wait for another apply's lock, in milliseconds. */
  lockWaitMs: number;
  /** Called before each write, remove or command (fault-injection tests). */
  onBoundary?: (what: string) => void;
  /**
   * A systemd boot (`NOTIFY_SOCKET`, the running system): when the run succeeds with concerns pending, keep the
   * apply lock and open the verify hand-off (handoff.ts) before READY=1; the outcome then carries it.
   */
  handoffVerify?: boolean;
}

/** How a run ended, for the CLI to print. */
export type ApplyOutcome =
  | { kind: 'disabled'; by: string; exitCode: 0; steps: StepRecord[] }
  | { kind: 'absent'; source: string; exitCode: 0; steps: StepRecord[] }
  | { kind: 'dry-run'; plan: ApplyPlan; exitCode: number; steps: StepRecord[] }
  | { kind: 'applied'; state: ApplyState; result: ReadResult; exitCode: number; steps: StepRecord[]; handoff?: VerifyHandoff };

/** The run's working state, filled step by step. */
interface ApplyRun {
  request: ApplyRequest;
  host: Host;
  releases: Array<() => Promise<void>>;
  steps: StepRecord[];
  settings: OsconfConf;
  disabledBy: string | null;
  located: Located | null;
  confPath: string | null;
  file: OsConfBytes | null;
  result: ReadResult | null;
  detection: Detection | null;
  mode: 'standalone' | 'cloud-init';
  input: ApplyInput | null;
  plan: ApplyPlan | null;
  outcomes: ConcernOutcome[];
  extras: ExtraOutcome[];
  exitCode: number;
  osConf: ApplyState['osConf'];
  /** Concerns left to a stack that starts after osconf, for `osconf verify` (null: none). */
  pending: PendingVerify | null;
  /** The repeated failure this run continued or began (retry.ts); null when nothing failed. */
  attempts: AttemptRecord | null;
  state: ApplyState | null;
  /** What a step threw, for the run record (null: no step threw). */
  error: unknown;
  /** The run record is written once (state.ts RunRecord). */
  recorded: boolean;
  /**
   * What the verify hand-off keeps past the run (set by the releases): the apply lock's release, and the
   * partition's unmount when osconf mounted it, so the handed step finds it mounted and the boot spends no
   * second mount on it. Empty when there is no hand-off.
   */
  kept: Array<() => Promise<void>>;
  /** keepsForHandoff's answer once asked (null before). */
  handoff: boolean | null;
}

/**
 * Whether this run's releases keep the lock and the partition's mount for the verify hand-off (handoff.ts): a
 * successful boot apply with pending concerns, while osconf-verify.service is still to run: not after it ran
 * at boot (a restart of osconf.service does not start it again), not masked. Decided once, at the first
 * release (the steps are done by then), so both are kept or neither.
 */
function keepsForHandoff(run: ApplyRun): boolean {
  if (run.handoff === null) {
    const svc = run.input?.services;
    const wanted = run.request.handoffVerify && run.host.live && run.pending !== null && run.exitCode === ExitCode.ok && run.error === null;
    run.handoff = !!wanted && svc?.systemd === true && !svc.active.has('osconf-verify.service') && !(svc.masked?.has('osconf-verify.service') ?? false);
  }
  return run.handoff;
}

const noOsConf = (run: ApplyRun) => (run.file === null ? { state: 'skipped' as const, detail: 'no os.conf' } : null);
/** Steps that change the system are skipped on a dry run and when there is no os.conf. */
const noChange = (run: ApplyRun) => noOsConf(run) ?? (run.request.dryRun ? { state: 'skipped' as const, detail: 'dry run' } : null);

/**
 * The switch operators and image builders use to keep osconf from running at boot: DISABLED_FLAG in the
 * target, or `osconf=disabled` on a live host's kernel command line (/proc/cmdline). Resolves to which, or null.
 */
export async function disabledBy(host: Host): Promise<string | null> {
  if ((await host.info(DISABLED_FLAG)) !== null) return DISABLED_FLAG;
  const cmdline = host.live ? ((await host.read('/proc/cmdline').catch(() => null)) ?? '') : '';
  return cmdline.split(/\s+/).includes('osconf=disabled') ? 'the kernel command line (osconf=disabled)' : null;
}

/** The secrets of this os.conf, for the logger to redact: the password and its Base64, wherever they sit. */
function registerSecrets(file: OsConfBytes, result: ReadResult): void {
  if (result.config.password) registerSecret(result.config.password.reveal());
  for (const s of secretsIn(file.bytes)) registerSecret(s);
}

/**
 * os.conf goes only after every concern succeeded; a rejected file is renamed aside so it is not re-read at
 * every boot; after an operational failure it stays so the next boot retries. --conf files are the caller's.
 */
async function osConfFate(path: string, base: string | null, rejected: boolean, failed: boolean, pending: boolean): Promise<ApplyState['osConf']> {
  if (base === null) return 'left in place (--conf)';
  // Through the open aliyun_custom_image directory, as it was read (host/os-conf-file.ts).
  if (rejected) {
    const aside = await setAsideOsConf(base);
    log().warn(`cleanup: ${path} rejected; kept as ${aside}`);
    return 'rejected';
  }
  if (failed) {
    log().warn(`cleanup: ${path} kept so the next boot retries`);
    return 'kept';
  }
  if (pending) {
    log().info(`cleanup: ${path} kept until osconf verify has seen the settings live`);
    return 'kept until verified';
  }
  await removePartitionOsConf(base);
  log().info(`cleanup: removed ${path}; ${dirname(path)} stays`);
  return 'removed';
}

/**
 * The concerns left to a stack that starts after osconf (plan `deferred` with an expectation) whose execution
 * went through: their outcome becomes `pending` until `osconf verify` has seen them live. Null when none, or
 * when another concern failed (os.conf stays anyway, and the next boot retries all).
 */
function pendingOf(run: ApplyRun): PendingVerify | null {
  if (run.outcomes.some((o) => o.result === 'failed') || !run.file) return null;
  const concerns: PendingVerify['concerns'] = [];
  for (const c of run.plan!.concerns) {
    const outcome = run.outcomes.find((o) => o.concern === c.concern);
    if (!c.deferred || !c.verify || !outcome || (outcome.result !== 'applied' && outcome.result !== 'unchanged')) continue;
    concerns.push({ concern: c.concern, result: outcome.result, via: c.reason ?? 'the stack that starts next', expect: c.verify });
    outcome.result = 'pending';
    outcome.message = `${c.reason ?? 'left to the stack that starts next'}; checked by osconf verify once it is up`;
  }
  if (concerns.length === 0) return null;
  // The digest is filled in by the record step (its key is created on first use, never on a dry run).
  return { concerns, osConf: { path: run.confPath!, explicit: !!run.request.conf, digest: '', size: run.file.size } };
}

/**
 * Counts this failure against the retry limit (retry.ts): the same os.conf failing the same concerns as at the
 * previous boots. At the limit os.conf is renamed aside (never deleted) and the reason returned; else null and
 * os.conf stays for the next boot.
 * @throws OperationalError (the digest key, the rename).
 */
async function retryLimit(run: ApplyRun): Promise<string | null> {
  const { bootId, limitReached, nextAttempts, RETRY_LIMIT } = await import('./retry.js');
  const { osConfDigest, readState } = await import('./state.js');
  const previous = (await readState(run.host).catch(() => null))?.attempts;
  const failed = run.outcomes.filter((o) => o.result === 'failed').map((o) => o.concern);
  run.attempts = nextAttempts(previous, await osConfDigest(run.host, run.file!.bytes), failed, await bootId(run.host));
  if (!limitReached(run.attempts)) {
    log().warn(`cleanup: ${run.attempts.failed.join(', ')} failed the same way at ${run.attempts.boots.length} of ${RETRY_LIMIT} consecutive boots; at ${RETRY_LIMIT} os.conf is set aside`);
    return null;
  }
  const aside = await setAsideFailedOsConf(run.located!.base);
  run.attempts.setAside = aside;
  run.osConf = 'set aside after repeated failures';
  const why = `${run.attempts.failed.join(', ')} failed the same way at ${run.attempts.boots.length} consecutive boots; set aside as ${aside} (the other concerns were applied; a new os.conf starts over)`;
  log().warn(`cleanup: ${run.confPath}: ${why}`);
  return why;
}

/**
 * A run left pending keeps the attempt record of the same os.conf: the failures osconf verify counted at
 * earlier boots (deferred.ts) continue once this boot's check fails too. Anything else starts over.
 */
async function carriedAttempts(run: ApplyRun, digest: string): Promise<{ attempts?: AttemptRecord }> {
  if (!run.pending) return {};
  const { readState } = await import('./state.js');
  const previous = (await readState(run.host).catch(() => null))?.attempts;
  return previous && !previous.setAside && previous.digest === digest ? { attempts: previous } : {};
}

const STEPS: ReadonlyArray<Step<ApplyRun>> = [
  {
    name: 'settings',
    run: async (run) => {
      run.settings = await loadSettings(run.host, run.request.settingsPath);
      return { detail: run.request.settingsPath ?? OSCONF_CONF };
    },
  },
  {
    name: 'disable-switch',
    run: async (run) => {
      if (run.request.conf) return { state: 'skipped', detail: '--conf given' };
      run.disabledBy = await disabledBy(run.host);
      return run.disabledBy ? { detail: `set by ${run.disabledBy}`, stop: `disabled by ${run.disabledBy}` } : { detail: 'not set' };
    },
  },
  {
    name: 'lock',
    run: async (run) => {
      if (run.request.dryRun) return { state: 'skipped', detail: 'dry run' };
      const path = join(run.request.root, LOCK_FILE);
      const release = await acquireLock(LOCK_FILE, run.request.lockWaitMs, run.request.root);
      // Held on for the verify hand-off (handoff.ts), released last.
      run.releases.push(async () => {
        if (keepsForHandoff(run)) run.kept.push(release);
        else await release();
      });
      // Releases run in reverse: the run is recorded after the partition is released (or kept), before the lock is (or
      // is kept), so that `osconf status --wait` never sees the lock free and the record of the run before.
      run.releases.push(() => recordRun(run));
      return { detail: path };
    },
  },
  {
    name: 'locate',
    run: async (run) => {
      if (run.request.conf) {
        run.confPath = run.request.conf;
        return { state: 'skipped', detail: `--conf ${run.request.conf}` };
      }
      const located = await locate(run.host, run.settings.source);
      run.located = located;
      // Kept mounted for the verify hand-off, which then finds it mounted (locate.ts) and unmounts it first.
      run.releases.push(async () => {
        if (keepsForHandoff(run)) run.kept.push(() => located.release());
        else await located.release();
      });
      run.confPath = join(located.base, OS_CONF_DIR, OS_CONF_NAME);
      // How to find it again, for the boot pre-check (a boot with nothing to do then starts no Node). Its blkid
      // runs beside the next steps; the record is awaited before the partition is released (releases run in
      // reverse). recordLocated never throws.
      if (run.host.live && !run.request.dryRun) {
        const { recordLocated } = await import('../source/located-record.js');
        const recorded = recordLocated(run.host, located.device ? { device: located.device } : { dir: located.base }).catch(() => undefined);
        run.releases.push(() => recorded);
      }
      return { detail: located.how };
    },
  },
  {
    name: 'read',
    run: async (run) => {
      const path = run.confPath!;
      const read = run.request.conf ? readOsConfFile(path, MAX_OS_CONF_BYTES) : readPartitionOsConf(run.located!.base, MAX_OS_CONF_BYTES);
      run.file = await read.catch((e: unknown) => {
        // An os.conf the caller named must be there; the partition's is absent on every boot after the first.
        if (e instanceof OperationalError && isENOENT(e.cause)) {
          if (run.request.conf) throw new OperationalError(`--conf ${path}: no such file`, { cause: e.cause });
          return null;
        }
        throw e;
      });
      if (run.file === null) return { state: 'skipped', detail: `${path}: not present; nothing to apply` };
      const { readOsConf } = await import('../config/validate.js');
      const { formatIssue } = await import('../config/model.js');
      const result = readOsConf(run.file.bytes, run.file.size);
      run.result = result;
      registerSecrets(run.file, result);
      for (const w of result.warnings) log().warn(formatIssue(w, path));
      for (const e of result.errors) log().error(formatIssue(e, path));
      return { detail: `${path} (${result.errors.length} errors, ${result.warnings.length} warnings)` };
    },
  },
  {
    name: 'snapshot',
    run: async (run) => {
      const skip = noOsConf(run);
      if (skip) return skip;
      const { gather, probeCloudInitBoot, probeHost, waitForNics } = await import('./gather.js');
      const { chooseMode, cloudInitUsability, detectProfile } = await import('../distro/detect.js');
      const { host, settings, request } = run;
      const result = run.result!;
      const facts = await probeHost(host);
      const override = request.stack ? { stack: request.stack } : settings.profile ? { profile: settings.profile } : settings.stack ? { stack: settings.stack } : undefined;
      const detection = detectProfile(facts, override);
      run.detection = detection;
      // Nothing is handed to a cloud-init that will not read the seed this boot (see cloudInitUsability).
      const cloudInit = settings.mode === 'standalone' ? null : cloudInitUsability(facts, (await probeCloudInitBoot(host)) ?? undefined, detection.profile.stack);
      const chosen = cloudInit ? chooseMode(settings.mode, cloudInit) : { mode: 'standalone' as const };
      if (chosen.error !== undefined) throw new OperationalError(chosen.error);
      run.mode = chosen.mode;
      log().info(`profile: ${detection.label} (${detection.profile.id}); ${detection.reasons[detection.reasons.length - 1]}; mode ${run.mode}${cloudInit ? ` (${cloudInit.reason})` : ''}`);
      if (host.live && run.mode === 'standalone' && result.valid.network && result.config.interfaces.length > 0) {
        const missing = await waitForNics(host, result.config.interfaces.map((n) => n.mac), settings.nicWaitSeconds * 1000);
        if (missing.length > 0) log().warn(`no NIC with MAC ${missing.join(', ')} after ${settings.nicWaitSeconds} s`);
      }
      run.input = await gather(host, result, detection);
      return { detail: `${detection.label} (${detection.profile.id}), mode ${run.mode}` };
    },
  },
  {
    name: 'plan',
    run: async (run) => {
      const skip = noOsConf(run);
      if (skip) return skip;
      const input = run.input!;
      const detection = run.detection!;
      const { planApply } = await import('../plan/apply-plan.js');
      if (run.mode === 'cloud-init') {
        const { instanceId } = await import('../datasource/instance-id.js');
        run.plan = planApply(input, { instanceId: instanceId(input.result.config, { dmiProductUuid: input.dmiProductUuid }).id });
      } else {
        run.plan = planApply(input);
      }
      for (const note of run.plan.notes) log().info(note);
      const changes = run.plan.concerns.filter((c) => c.state === 'change').map((c) => c.concern);
      const detail = changes.length ? `changes: ${changes.join(', ')}` : 'nothing to change';
      return { detail };
    },
  },
  {
    name: 'execute',
    run: async (run) => {
      const skip = noChange(run);
      if (skip) return skip;
      const { executePlan } = await import('./execute.js');
      run.outcomes = await executePlan(run.host, run.plan!, { onBoundary: run.request.onBoundary });
      return { detail: run.outcomes.map((o) => `${o.concern} ${o.result}`).join(', ') };
    },
  },
  {
    name: 'verify',
    run: async (run) => {
      const skip = noChange(run);
      if (skip) return skip;
      if (!run.host.live) return { state: 'skipped', detail: 'offline root: nothing runs' };
      const { verifyOutcomes } = await import('./verify.js');
      const checked = await verifyOutcomes(run.host, run.plan!, run.outcomes);
      run.pending = pendingOf(run);
      const later = run.pending ? `; left for osconf verify once the stack is up: ${run.pending.concerns.map((c) => c.concern).join(', ')}` : '';
      if (checked.length === 0) return { state: 'skipped', detail: `nothing to verify now${later}` };
      const failed = checked.filter((c) => c.result === 'failed');
      if (failed.length > 0) return { state: 'failed', detail: failed.map((c) => `${c.concern}: ${c.message}`).join('; ') };
      return { detail: `${checked.map((c) => `${c.concern} live as os.conf says`).join(', ')}${later}` };
    },
  },
  {
    name: 'ssh-host-keys',
    run: async (run) => {
      if (!run.host.live) return { state: 'skipped', detail: 'offline root' };
      // cloud-init's ssh module makes them on its first boot of an instance.
      if (run.file && run.mode === 'cloud-init') return { state: 'skipped', detail: 'cloud-init mode: cloud-init makes them' };
      if (!(await sshHostKeysMissing(run.host))) return { state: 'skipped', detail: 'no sshd, or host keys present' };
      if (run.request.dryRun) return { state: 'skipped', detail: 'dry run: would generate them (ssh-keygen -A)' };
      const { performActions } = await import('./execute.js');
      try {
        await performActions(run.host, [sshHostKeysAction()], { onBoundary: run.request.onBoundary });
        run.extras.push({ step: 'ssh-host-keys', result: 'done' });
        return { detail: 'generated' };
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        run.extras.push({ step: 'ssh-host-keys', result: 'failed', message });
        return { state: 'failed', detail: message };
      }
    },
  },
  {
    name: 'cleanup',
    run: async (run) => {
      const skip = noChange(run);
      if (skip) return skip;
      const failed = run.outcomes.some((o) => o.result === 'failed');
      const rejected = run.result!.errors.length > 0;
      run.exitCode = rejected ? ExitCode.rejected : failed || run.extras.some((e) => e.result === 'failed') ? ExitCode.failure : ExitCode.ok;
      run.request.onBoundary?.('cleanup');
      try {
        if (failed && !rejected && !run.request.conf) {
          const aside = await retryLimit(run);
          if (aside) return { detail: `os.conf ${run.osConf}: ${aside}` };
        }
        run.osConf = await osConfFate(run.confPath!, run.request.conf ? null : run.located!.base, rejected, failed, run.pending !== null);
        return { detail: `os.conf ${run.osConf}` };
      } catch (e) {
        // The settings are applied; os.conf could not be removed (a read-only partition): the next boot
        // re-reads it and finds nothing to change.
        run.osConf = 'kept';
        if (run.exitCode === ExitCode.ok) run.exitCode = ExitCode.failure;
        return { state: 'failed', detail: e instanceof Error ? e.message : String(e) };
      }
    },
  },
  {
    name: 'record',
    run: async (run) => {
      const skip = noChange(run);
      if (skip) return skip;
      const { STATE_FILE, osConfDigest, writeState } = await import('./state.js');
      const located = run.located;
      const digest = await osConfDigest(run.host, run.file!.bytes);
      if (run.pending) run.pending.osConf.digest = digest;
      run.state = {
        version: VERSION,
        time: new Date().toISOString(),
        // A private mount point means nothing later: name the partition instead.
        source: located && located.base.startsWith('/run/osconf/') ? `${located.how.replace(/, mounted at .*$/, '')}: ${OS_CONF_DIR}/${OS_CONF_NAME}` : run.confPath,
        digest,
        osConf: run.osConf,
        exitCode: run.exitCode,
        profile: run.plan!.profile,
        mode: run.mode,
        concerns: run.outcomes,
        extras: run.extras,
        errors: run.result!.errors.map((e) => ({ line: e.line, key: e.key, message: e.message })),
        warnings: run.result!.warnings.map((w) => ({ line: w.line, key: w.key, message: w.message })),
        steps: [...run.steps],
        bootId: await currentBootId(run.host.live ? run.host : new NodeHost('/')),
        ...(run.pending ? { pending: run.pending } : {}),
        ...(run.attempts ? { attempts: run.attempts } : await carriedAttempts(run, digest)),
      };
      run.request.onBoundary?.('record');
      await writeState(run.host, run.state);
      await writeInstanceData(run, run.state);
      // The marker the deferred verify unit and init scripts start on (ConditionPathExists=).
      const { setVerifyMarker } = await import('./deferred.js');
      if (run.host.live) await setVerifyMarker(run.host, run.pending !== null);
      return { detail: run.pending ? `${STATE_FILE}; pending: ${run.pending.concerns.map((c) => c.concern).join(', ')}` : STATE_FILE };
    },
  },
];

/**
 * The redacted record of what this apply configured (datasource/instance-data.ts), kept in /var/lib/osconf
 * (survives reboots) and published for this boot under /run/osconf, as cloud-init keeps
 * /run/cloud-init/instance-data.json. Mode 0644: it holds no secret.
 */
async function writeInstanceData(run: ApplyRun, state: ApplyState): Promise<void> {
  const { appliedInstanceData } = await import('../datasource/instance-data.js');
  const { instanceId } = await import('../datasource/instance-id.js');
  const { INSTANCE_DATA_FILE, INSTANCE_DATA_RECORD } = await import('./state.js');
  const result = run.result!;
  const data = appliedInstanceData({
    result,
    instanceId: instanceId(result.config, { dmiProductUuid: run.input?.dmiProductUuid ?? null }).id,
    sourcePath: state.source ?? run.confPath!,
    time: state.time,
    mode: run.mode,
    profile: state.profile,
    stack: run.detection?.profile.stack ?? null,
    concerns: state.concerns,
  });
  const text = `${JSON.stringify(data, null, 2)}\n`;
  await run.host.write(INSTANCE_DATA_RECORD, text, { mode: 0o644 });
  await run.host.mkdir('/run/osconf', 0o700);
  await run.host.write(INSTANCE_DATA_FILE, text, { mode: 0o644 });
}

/** A boot without os.conf publishes the last apply's instance data for this boot (/run is empty after a reboot). */
async function republishInstanceData(host: Host): Promise<void> {
  const { INSTANCE_DATA_FILE, INSTANCE_DATA_RECORD } = await import('./state.js');
  if ((await host.info(INSTANCE_DATA_FILE)) !== null) return;
  const text = await host.read(INSTANCE_DATA_RECORD);
  if (text === null) return;
  await host.mkdir('/run/osconf', 0o700);
  await host.write(INSTANCE_DATA_FILE, text, { mode: 0o644 });
}

/**
 * Records how this run ended (state.ts RunRecord) for `osconf status`: every run past the disable switch but
 * dry runs. A record that cannot be written is logged, never thrown over the run's own result or error.
 */
async function recordRun(run: ApplyRun): Promise<void> {
  if (run.recorded || run.request.dryRun || run.disabledBy) return;
  run.recorded = true;
  const e = run.error;
  const kind: RunRecord['kind'] = e !== null ? 'failed' : run.file === null ? 'absent' : 'applied';
  const exitCode = e === null ? run.exitCode : e instanceof OsconfError ? e.exitCode : ExitCode.failure;
  const message = e === null ? null : e instanceof Error ? e.message : String(e);
  try {
    await writeRunRecord(run.host, { time: new Date().toISOString(), bootId: await currentBootId(run.host.live ? run.host : new NodeHost('/')), kind, exitCode, message, steps: [...run.steps] });
    if (kind === 'absent') await republishInstanceData(run.host);
  } catch (e) {
    log().warn(`record: the run record could not be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Runs `osconf apply` for `request`. A monotonic clock times each step.
 * @throws UsageError (a missing --config), OperationalError (an unreadable settings file, a lock not taken in
 * time, a partition not found or not mounted, an unreadable os.conf), ConfigRejectedError (os.conf is not a
 * regular file): the run ends there, nothing later happens, the lock and the partition are released.
 */
export async function runApplyPipeline(request: ApplyRequest): Promise<ApplyOutcome> {
  const host = new NodeHost(request.root);
  const run: ApplyRun = {
    request,
    host,
    releases: [],
    steps: [],
    settings: DEFAULT_OSCONF_CONF,
    disabledBy: null,
    located: null,
    confPath: null,
    file: null,
    result: null,
    detection: null,
    mode: 'standalone',
    input: null,
    plan: null,
    outcomes: [],
    extras: [],
    exitCode: ExitCode.ok,
    osConf: 'absent',
    pending: null,
    attempts: null,
    state: null,
    error: null,
    recorded: false,
    kept: [],
    handoff: null,
  };
  // A step that throws leaves its error for the run record (recordRun), which runs among the releases.
  const guarded = STEPS.map((step) => ({
    name: step.name,
    run: (r: ApplyRun) =>
      step.run(r).catch((e: unknown) => {
        r.error = e;
        throw e;
      }),
  }));
  let pipeline: Awaited<ReturnType<typeof runSteps>>;
  try {
    pipeline = await runSteps(guarded, run, () => performance.now(), run.releases, run.steps);
  } finally {
    // Runs that ended before the lock was taken (a bad --config, the lock held by another apply).
    await recordRun(run);
  }
  const { steps, stopped } = pipeline;
  if (run.disabledBy) {
    logStep('apply', 'skipped', stopped ?? undefined);
    await notifyReady(`disabled by ${run.disabledBy}`);
    return { kind: 'disabled', by: run.disabledBy, exitCode: 0, steps };
  }
  if (run.file === null) {
    await notifyReady('no os.conf; nothing to apply');
    return { kind: 'absent', source: run.confPath!, exitCode: 0, steps };
  }
  if (request.dryRun) {
    return { kind: 'dry-run', plan: run.plan!, exitCode: run.result!.errors.length > 0 ? ExitCode.rejected : ExitCode.ok, steps };
  }
  const state = run.state!;
  const summary = run.outcomes.map((o) => `${o.concern} ${o.result}`).join(', ');
  const readyStatus = `applied: ${summary}; os.conf ${run.osConf}`;
  // Opened before READY=1: osconf-verify.service, which starts after it, then always finds the waiting apply.
  const handoff = run.kept.length > 0 ? await (await import('./handoff.js')).openVerifyHandoff(host, run.kept, readyStatus) : undefined;
  if (run.exitCode === ExitCode.ok) await notifyReady(readyStatus);
  else await notifyStatus(`${run.exitCode === ExitCode.rejected ? 'os.conf rejected' : 'failed'}: ${summary}; os.conf ${run.osConf}`);
  return { kind: 'applied', state, result: run.result!, exitCode: run.exitCode, steps, ...(handoff ? { handoff } : {}) };
}
