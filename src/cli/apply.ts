// `osconf apply`: locate → read → validate → plan → apply per concern → clean up → record. This module does
// what every boot does (configuration, lock, locating and reading os.conf); the rest loads only when there is
// an os.conf (apply-run.ts).
import { join } from 'node:path';
import { DEFAULT_OSCONF_CONF, OSCONF_CONF, parseOsconfConf, type OsconfConf } from '../settings/osconf-conf.js';
import { acquireLock, LOCK_FILE } from '../apply/lock.js';
import { sshHostKeysMissing } from '../apply/ssh-host-keys.js';
import { ExitCode, OperationalError, UsageError, isENOENT } from '../errors.js';
import type { Host } from '../host/host.js';
import { NodeHost } from '../host/node-host.js';
import { enableLogOutputs, logStep } from '../log.js';
import { notifyReady } from '../notify.js';
import { locate, OS_CONF_DIR, OS_CONF_NAME, type Located } from '../source/locate.js';
import { readOsConfFile } from '../source/read-os-conf.js';
import { parseStack } from './stack-option.js';

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
      if (host.live && !options.dryRun && (await sshHostKeysMissing(host))) {
        const [{ executeExtras }, { sshHostKeys }] = await Promise.all([import('../apply/execute.js'), import('../plan/apply-plan.js')]);
        await executeExtras(host, { profile: '', stack: null, concerns: [], notes: [], extras: [{ step: 'ssh-host-keys', actions: [sshHostKeys()] }] });
      }
      await notifyReady('no os.conf; nothing to apply');
      if (options.json) out(`${JSON.stringify({ osConf: 'absent', source: confPath, exitCode: 0 })}\n`);
      return ExitCode.ok;
    }
    const { applyFile } = await import('./apply-run.js');
    return await applyFile({ options, out, host, root, conf, stackOverride, located, confPath, file });
  } finally {
    await located?.release();
    await release();
  }
}
