// `osconf prepare`: seal an image before capture (see prepare/plan.ts for what and why). Every action is
// listed; --dry-run lists without changing anything. Exit 1 when something could not be done.
import { join } from 'node:path';
import { RootView } from '../check/root-view.js';
import { performAction } from '../apply/execute.js';
import { ExitCode, UsageError } from '../errors.js';
import { DirectoryReader } from '../host/directory-reader.js';
import { NodeHost } from '../host/node-host.js';
import { describeAction, planFirstPartition, planPrepare, type PrepareAction } from '../prepare/plan.js';
import { OSCONF_CONF, parseOsconfConf } from '../settings/osconf-conf.js';
import { locate, type Located } from '../source/locate.js';
import { pauseAfterPlan } from './fault-injection.js';
import { pathOption, rootOption } from './paths.js';

export interface PrepareOptions {
  yes?: boolean;
  root?: string;
  firstPartition?: string;
  dryRun?: boolean;
  /** Leave authorized_keys files in place. */
  keepAuthorizedKeys?: boolean;
  json?: boolean;
}

export async function runPrepare(given: PrepareOptions, out: (text: string) => void): Promise<number> {
  const options = { ...given, root: rootOption(given.root), firstPartition: pathOption(given.firstPartition) };
  const root = options.root ?? '/';
  // Acted on only through directories that are no links (the plan has none): one swapped in since is refused.
  const host = new NodeHost(root, { links: 'never' });
  // Like waagent -deprovision: sealing the machine you are logged into takes an explicit yes.
  if (host.live && !options.dryRun && !options.yes) {
    throw new UsageError('prepare changes this running system (its SSH host keys, authorized_keys, machine id, logs, histories): see what with --dry-run, do it with --yes');
  }
  const view = new RootView(new DirectoryReader(root));
  const plan = await planPrepare(view, { live: host.live, keepAuthorizedKeys: options.keepAuthorizedKeys === true });
  const notes: string[] = [];

  let located: Located | null = null;
  let partitionDir = options.firstPartition ?? null;
  try {
    if (!partitionDir && host.live) {
      const conf = parseOsconfConf((await host.read(OSCONF_CONF)) ?? '').conf;
      located = await locate(host, conf.source).catch((e: unknown) => {
        plan.problems.push(`first partition not prepared: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      });
      partitionDir = located?.base ?? null;
    } else if (!partitionDir) {
      notes.push('first partition not prepared: give --first-partition DIR (where partition 1 of the image is mounted)');
    }
    const partitionActions = partitionDir ? await planFirstPartition(new RootView(new DirectoryReader(partitionDir))) : [];
    const partitionHost = partitionDir ? new NodeHost(partitionDir, { links: 'never' }) : null;
    if (!options.dryRun) await pauseAfterPlan();
    const shown = (a: PrepareAction, where: string) => (where === root ? a : 'path' in a ? { ...a, path: join(where, a.path) } : a);
    const done: PrepareAction[] = [];
    for (const [targetHost, actions, where] of [
      [host, plan.actions, root],
      [partitionHost, partitionActions, partitionDir ?? ''],
    ] as const) {
      for (const action of actions) {
        if (!options.dryRun) await performAction(targetHost!, action);
        done.push(shown(action, where));
        // Each line as it is done: if a later step fails, what was already changed is on the screen.
        if (!options.json) out(`${describeAction(done.at(-1)!, options.dryRun === true)}\n`);
      }
    }
    if (options.json) {
      out(`${JSON.stringify({ root, firstPartition: partitionDir, dryRun: options.dryRun === true, actions: done, notes, problems: plan.problems }, null, 2)}\n`);
    } else {
      if (done.length === 0) out('nothing to do: the image is already prepared\n');
      for (const n of notes) out(`note: ${n}\n`);
      for (const p of plan.problems) out(`not done: ${p}\n`);
    }
  } finally {
    await located?.release();
  }
  return plan.problems.length > 0 ? ExitCode.failure : ExitCode.ok;
}
