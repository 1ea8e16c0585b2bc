// `osconf status`: whether osconf is disabled, running, or how its last run ended, with cloud-init's
// `status` meanings (cloudinit/cmd/status.py): --wait polls while it runs, --long adds detail, --format picks
// tabular, json or yaml, and the exit code is 0 done (or nothing to do), 1 failed, 2 degraded. One JSON
// schema (STATUS_SCHEMA) in every state: docs/operators.md.
import { stringify } from 'yaml';
import type { ConcernOutcome } from '../apply/execute.js';
import type { ApplyState, RunRecord } from '../apply/state.js';
import { UsageError } from '../errors.js';
import { describeAttempts } from '../apply/retry.js';
import { NodeHost } from '../host/node-host.js';
import { rootOption } from './paths.js';

/** The version of the JSON/YAML document below; bumped only when a key changes meaning or goes away. */
export const STATUS_SCHEMA = 1;

export type StatusName = 'not-run' | 'running' | 'done' | 'degraded' | 'failed' | 'disabled';

type Issue = { line: number | null; key: string | null; message: string };

/** `osconf status --format json`: every key in every state (null or [] where it does not apply). */
export interface StatusReport {
  schema: number;
  status: StatusName;
  /** One sentence saying why this status. */
  detail: string;
  /** What `osconf status` exits with: 0 not-run, running, disabled, done; 1 failed; 2 degraded. */
  exitCode: 0 | 1 | 2;
  /** /etc/osconf/disabled or the kernel command line (osconf=disabled), else null. */
  disabledBy: string | null;
  /** This boot's id (/proc/sys/kernel/random/boot_id), null where the kernel does not say. */
  bootId: string | null;
  /** Whether the last run (with os.conf or without) ran on this boot. */
  ranThisBoot: boolean;
  /** The last apply run, whatever it found. */
  lastRun: { time: string; bootId: string | null; kind: RunRecord['kind']; exitCode: number; message: string | null } | null;
  /** The last apply that read an os.conf (state.json). */
  lastApply: {
    time: string;
    bootId: string | null;
    version: string;
    source: string | null;
    digest: string | null;
    osConf: ApplyState['osConf'];
    exitCode: number;
    profile: string | null;
    mode: 'standalone' | 'cloud-init' | null;
    /** A failure repeating across boots (the retry limit, retry.ts): which concerns, how many boots, where os.conf went; null when none. */
    attempts: { failed: string[]; boots: number; setAside: string | null; description: string } | null;
  } | null;
  concerns: Array<{ concern: string; result: string; message: string | null; files: string[]; warnings: string[] }>;
  /** os.conf's warnings at the last apply, each with its line and key. */
  warnings: Issue[];
  /** os.conf's errors at the last apply (refused concerns), each with its line and key. */
  errors: Issue[];
  /** The last run's steps in order, with their durations in milliseconds. */
  steps: Array<{ name: string; state: string; durationMs: number; detail: string | null }>;
  /** The deferred check (`osconf verify`): not-needed, pending, passed or failed. */
  verify: {
    result: 'not-needed' | 'pending' | 'passed' | 'failed';
    time: string | null;
    durationMs: number | null;
    note: string | null;
    checks: Array<{ concern: string; result: string; expected: string[]; seen: string[]; missing: string[] }>;
  };
}

/** What status is computed from, read by runStatus. */
export interface StatusFacts {
  disabledBy: string | null;
  /** An apply or `osconf verify` holds the apply lock (pid when it wrote one). */
  lockHolder: { pid: number | null } | null;
  /** /run/osconf/verify-pending exists: the deferred verify has not run yet this boot. */
  verifyMarker: boolean;
  /**
   * systemd's answer to whether boot is still under way (`systemctl is-system-running`: initializing or
   * starting); null where it cannot say (no systemd as init, an offline root): the marker alone then counts.
   */
  bootInProgress?: boolean | null;
  bootId: string | null;
  lastRun: RunRecord | null;
  state: ApplyState | null;
}

const issues = (list: Issue[] | undefined): Issue[] => (list ?? []).map((i) => ({ line: i.line, key: i.key, message: i.message }));

function concernView(c: ConcernOutcome): StatusReport['concerns'][number] {
  return { concern: c.concern, result: c.result, message: c.message ?? null, files: c.files, warnings: c.warnings ?? [] };
}

/**
 * The status of osconf on this system from `facts` (pure). Order: disabled; running (the lock is held, or the
 * deferred verify is still to run this boot); not-run (no record); then the last run: failed (it ended in an
 * error, a concern or an extra step failed, the deferred check failed), degraded (concerns refused by os.conf
 * errors, os.conf warnings, or a deferred check that never ran), else done. A run without os.conf is done.
 */
export function statusReport(facts: StatusFacts): StatusReport {
  const { state, lastRun, bootId } = facts;
  const runBoot = lastRun ? lastRun.bootId : (state?.bootId ?? null);
  const report: StatusReport = {
    schema: STATUS_SCHEMA,
    status: 'done',
    detail: '',
    exitCode: 0,
    disabledBy: facts.disabledBy,
    bootId,
    ranThisBoot: bootId !== null && runBoot === bootId,
    lastRun: lastRun ? { time: lastRun.time, bootId: lastRun.bootId, kind: lastRun.kind, exitCode: lastRun.exitCode, message: lastRun.message } : null,
    lastApply: state
      ? {
          time: state.time,
          bootId: state.bootId ?? null,
          version: state.version,
          source: state.source,
          digest: state.digest,
          osConf: state.osConf,
          exitCode: state.exitCode,
          profile: state.profile,
          mode: state.mode ?? null,
          attempts: state.attempts ? { failed: [...state.attempts.failed], boots: state.attempts.boots.length, setAside: state.attempts.setAside ?? null, description: describeAttempts(state.attempts) } : null,
        }
      : null,
    concerns: (state?.concerns ?? []).map(concernView),
    warnings: issues(state?.warnings),
    errors: issues(state?.errors),
    steps: (lastRun?.steps ?? state?.steps ?? []).map((s) => ({ name: s.name, state: s.state, durationMs: s.durationMs, detail: s.detail ?? null })),
    verify: state?.verify
      ? {
          result: state.verify.result,
          time: state.verify.time,
          durationMs: state.verify.durationMs,
          note: state.verify.note ?? null,
          checks: state.verify.checks.map((c) => ({ concern: c.concern, result: c.result, expected: c.expected, seen: c.seen, missing: c.missing })),
        }
      : { result: state?.pending ? 'pending' : 'not-needed', time: null, durationMs: null, note: null, checks: [] },
  };
  const set = (status: StatusName, detail: string): StatusReport => {
    report.status = status;
    report.detail = detail;
    report.exitCode = status === 'failed' ? 1 : status === 'degraded' ? 2 : 0;
    return report;
  };
  if (facts.disabledBy) return set('disabled', `osconf is disabled by ${facts.disabledBy}`);
  if (facts.lockHolder) return set('running', `an apply or osconf verify is running${facts.lockHolder.pid ? ` (pid ${facts.lockHolder.pid})` : ''}`);
  // The marker is cleared by osconf verify, which systemd starts at boot: once boot is over, nothing will.
  if (facts.verifyMarker && state?.pending && facts.bootInProgress !== false) {
    return set('running', `waiting for osconf verify to check ${state.pending.concerns.map((c) => c.concern).join(', ')} once the stack is up`);
  }
  if (!lastRun && !state) return set('not-run', 'osconf has not applied anything on this system yet.');
  if (lastRun?.kind === 'failed') return set('failed', `the last apply failed: ${lastRun.message ?? `exit ${lastRun.exitCode}`}`);
  // A run without os.conf after one that failed (set aside at the retry limit, or kept) is not a success.
  const lastFailed = state !== null && (state.exitCode === 1 || state.attempts?.setAside !== undefined || state.verify?.result === 'failed');
  if (lastRun?.kind === 'absent' && !lastFailed) return set('done', `no os.conf at the last run; nothing to apply${state ? ` (the last os.conf was applied ${state.time})` : ''}`);
  const s = state!;
  const failed = s.concerns.filter((c) => c.result === 'failed').map((c) => c.concern);
  const extras = (s.extras ?? []).filter((e) => e.result === 'failed').map((e) => e.step);
  if (s.verify?.result === 'failed') return set('failed', `osconf verify did not see ${s.verify.checks.filter((c) => c.result === 'failed').map((c) => c.concern).join(', ')} live`);
  if (failed.length || extras.length || s.exitCode === 1) return set('failed', `the last apply failed: ${[...failed, ...extras].join(', ') || `exit ${s.exitCode}`}`);
  const refused = s.concerns.filter((c) => c.result === 'refused').map((c) => c.concern);
  const problems: string[] = [];
  if (refused.length || s.errors.length) problems.push(`os.conf had ${s.errors.length} error(s)${refused.length ? `, refused: ${refused.join(', ')}` : ''}`);
  if (s.warnings?.length) problems.push(`os.conf had ${s.warnings.length} warning(s)`);
  if (s.pending) problems.push(`osconf verify has not checked ${s.pending.concerns.map((c) => c.concern).join(', ')} (it did not run on that boot)`);
  if (problems.length) return set('degraded', `applied with problems: ${problems.join('; ')}`);
  return set('done', `applied${s.verify ? '; osconf verify saw it live' : ''}`);
}

const issueLine = (kind: string, i: Issue): string => `  ${kind}: ${i.line ? `line ${i.line}: ` : ''}${i.key ? `${i.key}: ` : ''}${i.message}\n`;

/** The tabular form: `status: NAME` and its detail first; --long adds the boot, the steps and the checks. */
export function renderTabular(r: StatusReport, long: boolean): string {
  let text = `status: ${r.status}\n`;
  text += `detail: ${r.detail}\n`;
  if (long) {
    text += `boot id: ${r.bootId ?? '(unknown)'}; ran on this boot: ${r.ranThisBoot ? 'yes' : 'no'}\n`;
    if (r.lastRun) text += `last run: ${r.lastRun.time}: ${r.lastRun.kind}, exit ${r.lastRun.exitCode}${r.lastRun.message ? `: ${r.lastRun.message}` : ''}\n`;
  }
  const a = r.lastApply;
  if (a) {
    text += `last apply: ${a.time} (osconf ${a.version}), exit ${a.exitCode}\n`;
    text += `os.conf: ${a.source ?? '(none)'} ${a.digest ? `${a.digest.slice(0, 'hmac-sha256:'.length + 16)}…` : ''}, ${a.osConf}\n`;
    if (a.profile) text += `profile: ${a.profile}${a.mode ? `, mode ${a.mode}` : ''}\n`;
    if (a.attempts) text += `${a.attempts.description}\n`;
  }
  for (const c of r.concerns) {
    text += `  ${c.concern.padEnd(9)} ${c.result}${c.message ? `: ${c.message}` : ''}\n`;
    for (const f of c.files) text += `            ${f}\n`;
    if (long) for (const w of c.warnings) text += `            warning: ${w}\n`;
  }
  for (const e of r.errors) text += issueLine('error', e);
  for (const w of r.warnings) text += issueLine('warning', w);
  if (r.verify.result === 'pending') text += 'verify: pending: osconf verify checks the deferred concerns once the stack is up\n';
  else if (r.verify.result !== 'not-needed') {
    text += `verify: ${r.verify.time}: ${r.verify.result}${r.verify.note ? ` (${r.verify.note})` : ''}\n`;
    for (const c of r.verify.checks) {
      text += `  ${c.concern.padEnd(9)} ${c.result}\n`;
      if (!long && c.result === 'applied') continue;
      text += `            expected: ${c.expected.join('; ') || '(nothing)'}\n`;
      text += `            seen:     ${c.seen.join('; ') || '(nothing)'}\n`;
      if (c.missing.length) text += `            missing:  ${c.missing.join('; ')}\n`;
    }
  }
  if (long && r.steps.length) {
    text += 'steps:\n';
    for (const s of r.steps) text += `  ${s.name.padEnd(14)} ${s.state.padEnd(7)} ${String(s.durationMs).padStart(6)} ms${s.detail ? `  ${s.detail}` : ''}\n`;
  }
  return text;
}

export interface StatusOptions {
  root?: string;
  json?: boolean;
  format?: string;
  long?: boolean;
  wait?: boolean;
}

/** cloud-init's status poll interval (cloudinit/cmd/status.py sleeps 0.25 s between reads). */
const WAIT_POLL_MS = 250;

/** systemctl(1) is-system-running: whether boot jobs are still running; null without systemd as init. */
async function systemdBootInProgress(host: NodeHost): Promise<boolean | null> {
  if ((await host.info('/run/systemd/system')) === null) return null;
  const r = await host.exec(['systemctl', 'is-system-running'], { timeoutMs: 5_000 }).catch(() => null);
  const state = r?.stdout.trim() ?? '';
  if (state === '') return null;
  return state === 'initializing' || state === 'starting';
}

/** Reads the facts of `root` (`/`: the running system; the kernel command line and boot id only there). */
async function readFacts(root: string): Promise<StatusFacts> {
  const { join } = await import('node:path');
  const { readRunRecord, readState, currentBootId } = await import('../apply/state.js');
  const { disabledBy } = await import('../apply/pipeline.js');
  const { VERIFY_MARKER } = await import('../apply/deferred.js');
  const { LOCK_FILE, lockHeld } = await import('../host/lock.js');
  const host = new NodeHost(root);
  const holder = await lockHeld(join(root, LOCK_FILE));
  return {
    disabledBy: await disabledBy(host),
    lockHolder: holder || null,
    verifyMarker: (await host.info(VERIFY_MARKER)) !== null,
    bootInProgress: root === '/' ? await systemdBootInProgress(host) : null,
    bootId: await currentBootId(new NodeHost('/')),
    lastRun: await readRunRecord(host),
    state: await readState(host),
  };
}

export async function runStatus(options: StatusOptions, out: (text: string) => void): Promise<number> {
  const root = rootOption(options.root) ?? '/';
  const format = options.format ?? (options.json ? 'json' : 'tabular');
  if (!['json', 'yaml', 'tabular'].includes(format)) throw new UsageError(`--format ${format}: one of json, yaml, tabular`);
  if (options.json && format !== 'json') throw new UsageError('--json is --format json; give one of them');
  let report = statusReport(await readFacts(root));
  let waited = false;
  while (options.wait && report.status === 'running') {
    // As cloud-init: a dot per poll in the tabular form, so that a waiting terminal shows progress.
    if (format === 'tabular') out('.');
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    report = statusReport(await readFacts(root));
  }
  if (waited && format === 'tabular') out('\n');
  if (format === 'json') out(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'yaml') out(stringify(report));
  else out(renderTabular(report, !!options.long));
  return report.exitCode;
}
