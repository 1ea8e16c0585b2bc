// `osconf apply`: locate → read → validate → plan → apply per concern → clean up → record.
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { formatIssue, type ReadResult } from '../config/model.js';
import { DEFAULT_OSCONF_CONF, OSCONF_CONF, parseOsconfConf, type OsconfConf } from '../config/osconf-conf.js';
import { readOsConf } from '../config/validate.js';
import { executePlan, type ConcernOutcome } from '../apply/execute.js';
import { gather } from '../apply/gather.js';
import { acquireLock, LOCK_FILE } from '../apply/lock.js';
import { writeState, type ApplyState } from '../apply/state.js';
import { detectProfile } from '../distro/detect.js';
import { probeRoot } from '../distro/probe.js';
import { ExitCode, OperationalError, UsageError, isENOENT } from '../errors.js';
import type { Host } from '../host/host.js';
import { NodeHost } from '../host/node-host.js';
import { log } from '../log.js';
import { describePlan } from '../plan/actions.js';
import { planApply } from '../plan/apply-plan.js';
import { locate, OS_CONF_DIR, OS_CONF_NAME, type Located } from '../source/locate.js';
import { readOsConfFile } from '../source/read-os-conf.js';
import { VERSION } from '../version.js';
import { parseStack } from './render.js';

export interface ApplyOptions {
  conf?: string;
  root?: string;
  config?: string;
  dryRun?: boolean;
  json?: boolean;
  stack?: string;
  lockWait?: string;
}

async function loadOsconfConf(host: Host, path: string | undefined): Promise<OsconfConf> {
  const file = path ?? OSCONF_CONF;
  const text = path ? await new NodeHost('/').read(file) : await host.read(file);
  if (text === null) {
    if (path) throw new UsageError(`--config ${path}: no such file`);
    return DEFAULT_OSCONF_CONF;
  }
  const { conf, errors } = parseOsconfConf(text);
  if (errors.length > 0) throw new OperationalError(`${file}: ${errors.join('; ')}`);
  return conf;
}

export async function runApply(options: ApplyOptions, out: (text: string) => void): Promise<number> {
  const stackOverride = parseStack(options.stack);
  const root = options.root ?? '/';
  if (options.root && !options.conf) throw new UsageError('apply --root needs --conf: a sandbox root has no partitions to search');
  const host = new NodeHost(root);
  const conf = await loadOsconfConf(host, options.config);
  const lockWaitMs = options.lockWait === undefined ? 60_000 : Number(options.lockWait) * 1000;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) throw new UsageError(`--lock-wait ${options.lockWait} is not a number of seconds`);

  const release = options.dryRun ? async () => undefined : await acquireLock(join(root, LOCK_FILE), lockWaitMs);
  let located: Located | null = null;
  try {
    let confPath: string;
    if (options.conf) confPath = options.conf;
    else {
      located = await locate(host, conf.source);
      log().info(`source: ${located.how}`);
      confPath = join(located.base, OS_CONF_DIR, OS_CONF_NAME);
    }
    const file = await readOsConfFile(confPath).catch((e: unknown) => {
      if (e instanceof OperationalError && isENOENT(e.cause)) return null;
      throw e;
    });
    if (file === null) {
      log().info(`${confPath}: not present; nothing to apply`);
      if (options.json) out(`${JSON.stringify({ osConf: 'absent', source: confPath, exitCode: 0 })}\n`);
      return ExitCode.ok;
    }
    const result = readOsConf(file.bytes, file.size);
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    for (const w of result.warnings) log().warn(formatIssue(w, confPath));
    for (const e of result.errors) log().error(formatIssue(e, confPath));

    const facts = await probeRoot(root);
    const override = stackOverride ? { stack: stackOverride } : conf.profile ? { profile: conf.profile } : conf.stack ? { stack: conf.stack } : undefined;
    const detection = detectProfile(facts, override);
    log().info(`profile: ${detection.label} (${detection.profile.id}); ${detection.reasons[detection.reasons.length - 1]}`);
    const plan = planApply(await gather(host, result, detection));
    for (const note of plan.notes) log().info(note);

    if (options.dryRun) {
      out(describePlan(plan));
      return result.errors.length > 0 ? ExitCode.rejected : ExitCode.ok;
    }
    const outcomes = await executePlan(host, plan);
    const failed = outcomes.some((o) => o.result === 'failed');
    const rejected = result.errors.length > 0;
    const exitCode = rejected ? ExitCode.rejected : failed ? ExitCode.failure : ExitCode.ok;
    const osConf = await cleanup(confPath, !!options.conf, rejected, failed);
    const state: ApplyState = {
      version: VERSION,
      time: new Date().toISOString(),
      // A private mount point means nothing later: name the partition instead.
      source: located && located.base.startsWith('/run/osconf/') ? `${located.how.replace(/, mounted at .*$/, '')}: ${OS_CONF_DIR}/${OS_CONF_NAME}` : confPath,
      sha256,
      osConf,
      exitCode,
      profile: plan.profile,
      concerns: outcomes,
      errors: result.errors.map((e) => ({ line: e.line, key: e.key, message: e.message })),
    };
    await writeState(host, state);
    report(state, result, options, out);
    return exitCode;
  } finally {
    await located?.release();
    await release();
  }
}

/**
 * os.conf goes only after every concern succeeded; a rejected file is renamed aside so it is not re-read at
 * every boot; after an operational failure it stays so the next boot retries. --conf files are the caller's.
 */
async function cleanup(path: string, explicit: boolean, rejected: boolean, failed: boolean): Promise<ApplyState['osConf']> {
  if (explicit) return 'left in place (--conf)';
  const fs = new NodeHost('/');
  if (rejected) {
    const aside = join(dirname(path), `${basename(path)}.rejected`);
    await fs.rename(path, aside);
    log().warn(`cleanup: ${path} rejected; kept as ${aside}`);
    return 'rejected';
  }
  if (failed) {
    log().warn(`cleanup: ${path} kept so the next boot retries`);
    return 'kept';
  }
  await fs.remove(path);
  log().info(`cleanup: removed ${path}; ${dirname(path)} stays`);
  return 'removed';
}

function report(state: ApplyState, result: ReadResult, options: ApplyOptions, out: (text: string) => void): void {
  if (options.json) {
    out(`${JSON.stringify(state, null, 2)}\n`);
    return;
  }
  const line = (o: ConcernOutcome) => `  ${o.concern.padEnd(9)} ${o.result}${o.message ? `: ${o.message}` : ''}`;
  out(`${state.source}: ${state.exitCode === 0 ? 'applied' : state.exitCode === 3 ? `rejected (${result.errors.length} errors)` : 'failed'}\n`);
  out(`${state.concerns.map(line).join('\n')}\n`);
}
