// `osconf apply`: locate → read → validate → plan → apply per concern → clean up → record.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatIssue, type ReadResult } from '../config/model.js';
import { DEFAULT_OSCONF_CONF, OSCONF_CONF, parseOsconfConf, type OsconfConf } from '../config/osconf-conf.js';
import { readOsConf } from '../config/validate.js';
import { executeExtras, executePlan, type ConcernOutcome } from '../apply/execute.js';
import { gather, waitForNics } from '../apply/gather.js';
import { acquireLock, LOCK_FILE } from '../apply/lock.js';
import { STATE_FILE, writeState, type ApplyState } from '../apply/state.js';
import { cloudInitEnabled, detectProfile } from '../distro/detect.js';
import { probeRoot } from '../distro/probe.js';
import { ExitCode, OperationalError, UsageError, isENOENT } from '../errors.js';
import type { Host } from '../host/host.js';
import { NodeHost } from '../host/node-host.js';
import { enableLogOutputs, log, logStep, registerSecret } from '../log.js';
import { notifyReady, notifyStatus } from '../notify.js';
import { planHandoff } from '../plan/handoff-plan.js';
import { instanceId } from '../datasource/instance-id.js';
import { describePlan } from '../plan/actions.js';
import { planApply, sshHostKeys } from '../plan/apply-plan.js';
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

export const DISABLED_FLAG = '/etc/osconf/disabled';

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

/** The switch operators and image builders use to keep osconf from running at boot. */
async function disabledBy(host: Host): Promise<string | null> {
  if ((await host.info(DISABLED_FLAG)) !== null) return DISABLED_FLAG;
  const cmdline = host.live ? ((await host.read('/proc/cmdline').catch(() => null)) ?? '') : '';
  return cmdline.split(/\s+/).includes('osconf=disabled') ? 'the kernel command line (osconf=disabled)' : null;
}

export async function runApply(options: ApplyOptions, out: (text: string) => void): Promise<number> {
  const stackOverride = parseStack(options.stack);
  const root = options.root ?? '/';
  if (options.root && !options.conf) throw new UsageError('apply --root needs --conf: a sandbox root has no partitions to search');
  const lockWaitMs = options.lockWait === undefined ? 60_000 : Number(options.lockWait) * 1000;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) throw new UsageError(`--lock-wait ${options.lockWait} is not a number of seconds`);
  const host = new NodeHost(root);
  if (host.live && !options.dryRun) enableLogOutputs({ file: true, syslog: true });
  const conf = await loadOsconfConf(host, options.config);

  const disabled = await disabledBy(host);
  if (disabled && !options.conf) {
    logStep('apply', 'skipped', `disabled by ${disabled}`);
    await notifyReady(`disabled by ${disabled}`);
    return ExitCode.ok;
  }

  const release = options.dryRun ? async () => undefined : await acquireLock(join(root, LOCK_FILE), lockWaitMs);
  let located: Located | null = null;
  try {
    let confPath: string;
    if (options.conf) confPath = options.conf;
    else {
      logStep('locate', 'starting');
      located = await locate(host, conf.source);
      logStep('locate', 'done', located.how);
      confPath = join(located.base, OS_CONF_DIR, OS_CONF_NAME);
    }
    const file = await readOsConfFile(confPath).catch((e: unknown) => {
      if (e instanceof OperationalError && isENOENT(e.cause)) return null;
      throw e;
    });
    if (file === null) {
      logStep('read', 'skipped', `${confPath}: not present; nothing to apply`);
      if (host.live && !options.dryRun && (await host.info('/usr/sbin/sshd')) !== null && !(await host.list('/etc/ssh')).some((n) => /^ssh_host_.*_key$/.test(n))) {
        await executeExtras(host, { profile: '', stack: null, concerns: [], notes: [], extras: [{ step: 'ssh-host-keys', actions: [sshHostKeys()] }] });
      }
      await notifyReady('no os.conf; nothing to apply');
      if (options.json) out(`${JSON.stringify({ osConf: 'absent', source: confPath, exitCode: 0 })}\n`);
      return ExitCode.ok;
    }
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
