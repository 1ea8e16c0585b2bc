// The part of `osconf apply` that runs only when there is an os.conf: validate, detect, plan, apply per
// concern, clean up, record. Loaded on demand, so a boot without os.conf loads none of it.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatIssue, type ReadResult } from '../config/model.js';
import type { OsconfConf } from '../settings/osconf-conf.js';
import { readOsConf } from '../config/validate.js';
import { executeExtras, executePlan, type ConcernOutcome } from '../apply/execute.js';
import { gather, waitForNics } from '../apply/gather.js';
import { STATE_FILE, writeState, type ApplyState } from '../apply/state.js';
import { instanceId } from '../datasource/instance-id.js';
import { cloudInitEnabled, detectProfile } from '../distro/detect.js';
import { probeRoot } from '../distro/probe.js';
import type { Stack } from '../distro/profiles.js';
import { ExitCode } from '../errors.js';
import type { Host } from '../host/host.js';
import { NodeHost } from '../host/node-host.js';
import { log, logStep, registerSecret } from '../log.js';
import { notifyReady, notifyStatus } from '../notify.js';
import { describePlan } from '../plan/actions.js';
import { planApply } from '../plan/apply-plan.js';
import { planHandoff } from '../plan/handoff-plan.js';
import { OS_CONF_DIR, OS_CONF_NAME, type Located } from '../source/locate.js';
import type { OsConfBytes } from '../source/read-os-conf.js';
import { VERSION } from '../version.js';
import type { ApplyOptions } from './apply.js';

export interface ApplyContext {
  options: ApplyOptions;
  out: (text: string) => void;
  host: Host;
  root: string;
  conf: OsconfConf;
  stackOverride: Stack | undefined;
  located: Located | null;
  confPath: string;
  file: OsConfBytes;
}

/**
 * Fault injection for the crash-consistency tests: OSCONF_TEST_KILL_AT=N kills this process with SIGKILL at
 * its Nth write, remove or command boundary; OSCONF_TEST_COUNT_BOUNDARIES=FILE appends each boundary to FILE.
 */
function faultInjection(): { onBoundary?: (what: string) => void } {
  const killAt = Number(process.env.OSCONF_TEST_KILL_AT ?? 0);
  const countFile = process.env.OSCONF_TEST_COUNT_BOUNDARIES;
  if (!killAt && !countFile) return {};
  let n = 0;
  return {
    onBoundary: (what) => {
      n++;
      if (countFile) appendFileSync(countFile, `${n} ${what}\n`);
      if (n === killAt) process.kill(process.pid, 'SIGKILL');
    },
  };
}

export async function applyFile(ctx: ApplyContext): Promise<number> {
  const { options, out, host, root, conf, stackOverride, located, confPath, file } = ctx;
  const result = readOsConf(file.bytes, file.size);
  if (result.config.password) registerSecret(result.config.password.reveal());
  const base64 = /^\s*(?:export\s+)?password\s*=\s*["']?([A-Za-z0-9+/=]+)/m.exec(Buffer.from(file.bytes).toString('utf8'))?.[1];
  if (base64) registerSecret(base64);
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  for (const w of result.warnings) log().warn(formatIssue(w, confPath));
  for (const e of result.errors) log().error(formatIssue(e, confPath));
  logStep('read', 'done', `${confPath} (${result.errors.length} errors, ${result.warnings.length} warnings)`, { sha256 });

  const facts = await probeRoot(root);
  const override = stackOverride ? { stack: stackOverride } : conf.profile ? { profile: conf.profile } : conf.stack ? { stack: conf.stack } : undefined;
  const detection = detectProfile(facts, override);
  const mode = conf.mode === 'auto' ? (cloudInitEnabled(facts) ? 'cloud-init' : 'standalone') : conf.mode;
  log().info(`profile: ${detection.label} (${detection.profile.id}); ${detection.reasons[detection.reasons.length - 1]}; mode ${mode}`);

  if (host.live && mode === 'standalone' && result.valid.network && result.config.interfaces.length > 0) {
    await notifyStatus('waiting for NICs');
    const missing = await waitForNics(host, result.config.interfaces.map((n) => n.mac), conf.nicWaitSeconds * 1000);
    if (missing.length > 0) log().warn(`no NIC with MAC ${missing.join(', ')} after ${conf.nicWaitSeconds} s`);
  }
  const input = await gather(host, result, detection);
  const plan =
    mode === 'cloud-init'
      ? planHandoff(
          {
            result,
            config: input.result.config,
            instanceId: instanceId(result.config, { dmiProductUuid: host.live ? await host.read('/sys/class/dmi/id/product_uuid').catch(() => null) : null }).id,
            files: input.files,
            salt: input.salt,
          },
          `${detection.label} (${detection.profile.id})`,
        )
      : planApply(input);
  for (const note of plan.notes) log().info(note);

  if (options.dryRun) {
    out(describePlan(plan));
    return result.errors.length > 0 ? ExitCode.rejected : ExitCode.ok;
  }
  const execOptions = faultInjection();
  const outcomes = await executePlan(host, plan, execOptions);
  const extras = await executeExtras(host, plan, execOptions);
  const failed = outcomes.some((o) => o.result === 'failed');
  const rejected = result.errors.length > 0;
  let exitCode: number = rejected ? ExitCode.rejected : failed || extras.some((e) => e.result === 'failed') ? ExitCode.failure : ExitCode.ok;
  logStep('cleanup', 'starting');
  execOptions.onBoundary?.('cleanup');
  let osConf: ApplyState['osConf'];
  let cleanupFailed = false;
  try {
    osConf = await cleanup(confPath, !!options.conf, rejected, failed);
    logStep('cleanup', 'done', `os.conf ${osConf}`);
  } catch (e) {
    // The settings are applied; os.conf could not be removed (a read-only partition): the next boot
    // re-reads it and finds nothing to change.
    cleanupFailed = true;
    osConf = 'kept';
    logStep('cleanup', 'failed', e instanceof Error ? e.message : String(e));
  }
  if (cleanupFailed && exitCode === ExitCode.ok) exitCode = ExitCode.failure;
  const state: ApplyState = {
    version: VERSION,
    time: new Date().toISOString(),
    // A private mount point means nothing later: name the partition instead.
    source: located && located.base.startsWith('/run/osconf/') ? `${located.how.replace(/, mounted at .*$/, '')}: ${OS_CONF_DIR}/${OS_CONF_NAME}` : confPath,
    sha256,
    osConf,
    exitCode,
    profile: plan.profile,
    mode,
    concerns: outcomes,
    extras,
    errors: result.errors.map((e) => ({ line: e.line, key: e.key, message: e.message })),
  };
  execOptions.onBoundary?.('record');
  await writeState(host, state);
  logStep('record', 'done', STATE_FILE);
  const summary = outcomes.map((o) => `${o.concern} ${o.result}`).join(', ');
  if (exitCode === ExitCode.ok) await notifyReady(`applied: ${summary}; os.conf ${osConf}`);
  else await notifyStatus(`${exitCode === ExitCode.rejected ? 'os.conf rejected' : 'failed'}: ${summary}; os.conf ${osConf}`);
  report(state, result, options, out);
  return exitCode;
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

