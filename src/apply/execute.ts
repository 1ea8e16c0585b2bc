// Performs an ApplyPlan through the Host, concern by concern: a failure ends that concern and the next one
// still runs. Before osconf first replaces or removes a file, the original is kept once under
// /var/lib/osconf/backup/. Existing files keep their owner and mode; SELinux labels are restored where
// SELinux is on. Whether the running system then shows what os.conf asks for is verify.ts's step.
import type { Concern } from '../config/model.js';
import { OsconfError } from '../errors.js';
import type { Host } from '../host/host.js';
import { log, logStep } from '../log.js';
import { BACKUP_DIR } from '../render/file.js';
import type { Action, ApplyPlan, ConcernPlan } from '../plan/actions.js';


/** `pending`: written, and left to a stack that starts after osconf; the deferred verify step decides. */
export type ConcernResult = 'applied' | 'unchanged' | 'not-set' | 'refused' | 'failed' | 'pending';

export interface ConcernOutcome {
  concern: Concern;
  result: ConcernResult;
  message?: string;
  files: string[];
  commands: string[];
  /** Configuration of others neutralised for this concern, and what that means (plan warnings). */
  warnings?: string[];
}

export interface ExecuteOptions {
  /** Called before each write, remove or command: the countable boundaries of a run. */
  onBoundary?: (what: string) => void;
}

export async function executePlan(host: Host, plan: ApplyPlan, options: ExecuteOptions = {}): Promise<ConcernOutcome[]> {
  const outcomes: ConcernOutcome[] = [];
  const selinux = host.live && (await host.info('/sys/fs/selinux/enforce')) !== null && (await restoreconPath(host)) !== null;
  if (plan.preamble?.length) {
    const prep: ConcernOutcome = { concern: 'network', result: 'applied', files: [], commands: [] };
    try {
      logStep('prepare', 'starting');
      for (const action of plan.preamble) await perform(host, action, selinux, prep, options);
      logStep('prepare', 'done', undefined, { files: prep.files });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      logStep('prepare', 'failed', message);
      return plan.concerns.map((c) => ({ concern: c.concern, result: 'failed', message: `preparation failed: ${message}`, files: [], commands: [] }));
    }
    // The preparation's files (the hand-off's seed) are reported with the network when it changes, else with
    // the first concern that does.
    const first = plan.concerns.find((c) => c.concern === 'network' && c.state === 'change') ?? plan.concerns.find((c) => c.state === 'change');
    for (const c of plan.concerns) {
      const outcome = await executeConcern(host, c, selinux, options);
      if (c === first) outcome.files.unshift(...prep.files);
      outcomes.push(outcome);
    }
    return outcomes;
  }
  for (const c of plan.concerns) outcomes.push(await executeConcern(host, c, selinux, options));
  return outcomes;
}

/** A step after the concerns that os.conf does not drive (SSH host keys), as recorded in the state. */
export interface ExtraOutcome {
  step: string;
  result: 'done' | 'failed';
  message?: string;
}

/**
 * Performs `actions` in order outside any concern (the SSH host key step).
 * @throws OsconfError at the first action that fails.
 */
export async function performActions(host: Host, actions: Action[], options: ExecuteOptions = {}): Promise<void> {
  for (const action of actions) await performAction(host, action, options);
}

async function restoreconPath(host: Host): Promise<string | null> {
  for (const p of ['/sbin/restorecon', '/usr/sbin/restorecon']) if ((await host.info(p)) !== null) return p;
  return null;
}

async function executeConcern(host: Host, plan: ConcernPlan, selinux: boolean, options: ExecuteOptions): Promise<ConcernOutcome> {
  const outcome: ConcernOutcome = { concern: plan.concern, result: 'unchanged', files: [], commands: [] };
  const step = plan.concern;
  if (plan.state !== 'change') {
    outcome.result = plan.state === 'unchanged' ? 'unchanged' : plan.state;
    if (plan.reason) outcome.message = plan.reason;
    if (plan.state === 'failed') logStep(step, 'failed', plan.reason);
    else logStep(step, 'skipped', plan.state === 'refused' ? `refused: ${plan.reason}` : plan.state === 'not-set' ? 'not in os.conf' : plan.reason, { result: plan.state });
    return outcome;
  }
  logStep(step, 'starting');
  if (plan.warnings?.length) {
    outcome.warnings = [...plan.warnings];
    for (const w of plan.warnings) log().warn(`${step}: ${w}`);
  }
  try {
    for (const action of plan.actions) await perform(host, action, selinux, outcome, options);
    outcome.result = 'applied';
    if (plan.reason) outcome.message = plan.reason;
    logStep(step, 'done', plan.reason, { files: outcome.files, commands: outcome.commands });
  } catch (e) {
    outcome.result = 'failed';
    outcome.message = e instanceof Error ? e.message : String(e);
    logStep(step, 'failed', outcome.message);
  }
  return outcome;
}

/**
 * Performs one action of any plan (apply's or prepare's) through the Host, without SELinux relabelling or a
 * concern to report to.
 * @throws OsconfError when the action fails (a command's exit status, a write refused).
 */
export async function performAction(host: Host, action: Action, options: ExecuteOptions = {}): Promise<void> {
  const sink: ConcernOutcome = { concern: 'network', result: 'applied', files: [], commands: [] };
  await perform(host, action, false, sink, options);
}

async function perform(host: Host, action: Action, selinux: boolean, outcome: ConcernOutcome, options: ExecuteOptions): Promise<void> {
  switch (action.kind) {
    case 'write': {
      const existing = await host.info(action.path);
      if (existing?.isSymlink) throw new OsconfError(`refusing to replace ${action.path}: it is a symbolic link`, 1);
      if (existing && action.before !== null) await backupOnce(host, action.path, action.before, existing.mode, existing.uid, existing.gid, options);
      options.onBoundary?.(`write ${action.path}`);
      await host.write(action.path, action.content, existing ? { mode: existing.mode, uid: existing.uid, gid: existing.gid } : { mode: action.mode, uid: 0, gid: 0 });
      outcome.files.push(action.path);
      if (selinux) await host.exec(['restorecon', action.path]).catch(() => undefined);
      log().debug(`wrote ${action.path}`);
      return;
    }
    case 'remove': {
      const existing = await host.info(action.path);
      if (existing && action.before !== undefined) await backupOnce(host, action.path, action.before, existing.mode, existing.uid, existing.gid, options);
      options.onBoundary?.(`remove ${action.path}`);
      await host.remove(action.path);
      outcome.files.push(action.path);
      log().debug(`removed ${action.path}`);
      return;
    }
    case 'move': {
      const existing = await host.info(action.path);
      if (!existing) return;
      options.onBoundary?.(`move ${action.path}`);
      // Copied, then removed: /var (where it goes) is often another file system than /etc. A copy from an
      // earlier run is the original and stays.
      if ((await host.info(action.to)) === null) {
        await host.mkdir(action.to.slice(0, action.to.lastIndexOf('/')), 0o700);
        await host.write(action.to, action.before, { mode: existing.mode, uid: existing.uid, gid: existing.gid });
      }
      await host.remove(action.path);
      outcome.files.push(action.path);
      log().debug(`moved ${action.path} to ${action.to}`);
      return;
    }
    case 'remove-dir':
      options.onBoundary?.(`rmdir ${action.path}`);
      await host.rmdir(action.path);
      outcome.files.push(`${action.path}/`);
      return;
    case 'empty': {
      const info = await host.info(action.path);
      if (!info || info.isSymlink) return;
      options.onBoundary?.(`empty ${action.path}`);
      await host.write(action.path, '', { mode: info.mode, uid: info.uid, gid: info.gid });
      outcome.files.push(action.path);
      return;
    }
    case 'mkdir':
      await host.mkdir(action.path, 0o755);
      return;
    case 'symlink':
      options.onBoundary?.(`link ${action.path}`);
      await host.symlink(action.target, action.path);
      outcome.files.push(action.path);
      return;
    case 'set-hostname': {
      options.onBoundary?.('set-hostname');
      try {
        await host.setHostname(action.hostname);
        outcome.commands.push(`sethostname ${action.hostname}`);
      } catch (e) {
        log().info(`setting the host name through /proc/sys/kernel/hostname failed (${e instanceof Error ? e.message : String(e)}); using ${action.fallback.join(' ')}`);
        const r = await host.exec(action.fallback);
        outcome.commands.push(action.fallback.join(' '));
        if (r.code !== 0) throw new OsconfError(`${action.fallback.join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''} (${action.purpose})`, 1);
      }
      return;
    }
    case 'exec': {
      options.onBoundary?.(`exec ${action.argv[0]}`);
      let r = await host.exec(action.argv, action.timeoutMs ? { timeoutMs: action.timeoutMs } : {}).catch((e: unknown) => {
        if (!action.fallback) throw e;
        return { code: 127, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
      });
      outcome.commands.push(action.argv.join(' '));
      log().debug(`ran ${action.argv.join(' ')}: exit ${r.code}`);
      if (r.code !== 0 && action.fallback) {
        log().info(`${action.argv[0]} failed (${(r.stderr || `exit ${r.code}`).trim().split('\n')[0]}); using ${action.fallback.join(' ')}`);
        r = await host.exec(action.fallback);
        outcome.commands.push(action.fallback.join(' '));
      }
      if (r.code !== 0 && !action.allowFailure) {
        const detail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join('; ');
        throw new OsconfError(`${action.argv.join(' ')} exited with ${r.code}${detail ? `: ${detail}` : ''} (${action.purpose})`, 1);
      }
    }
  }
}

async function backupOnce(host: Host, path: string, content: string, mode: number, uid: number, gid: number, options: ExecuteOptions): Promise<void> {
  const target = `${BACKUP_DIR}${path}`;
  if ((await host.info(target)) !== null) return;
  await host.mkdir(BACKUP_DIR, 0o700);
  options.onBoundary?.(`backup ${path}`);
  await host.write(target, content, { mode, uid, gid });
}
