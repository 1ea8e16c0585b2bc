// `osconf prepare`: what to remove, empty, create or enable so that an image can be captured, in the spirit
// of `cloud-init clean`, `waagent -deprovision` and virt-sysprep. Planned from a RootView (read-only), so
// --dry-run shows exactly what a real run does. A path is acted on only when no component of it is a
// symbolic link: nothing here can reach outside the root being prepared.
import { authorizedKeysFiles } from '../check/accounts.js';
import type { RootView } from '../check/root-view.js';
import { initSystem, SSH_HOST_KEY_FILE } from '../distro/facts.js';
import type { Action } from '../plan/actions.js';
import { NOCLOUD_SEED_DIR } from '../plan/handoff-plan.js';
import { GENERATED_BY } from '../render/format/yaml.js';

/** prepare's actions are apply's (one Action type, one executor); each says why (`purpose`). */
export type PrepareAction = Exclude<Action, { kind: 'write' }>;

export interface PreparePlan {
  /** Actions on the root file system. */
  actions: PrepareAction[];
  /** What could not be planned; prepare then exits 1 after doing the rest. */
  problems: string[];
}

const MAX_DEPTH = 8;
const HISTORY_FILES = ['.bash_history', '.zsh_history', '.ash_history', '.sh_history', '.python_history', '.lesshst', '.viminfo', '.mysql_history', '.psql_history', '.wget-hsts'];
const LOGIN_RECORDS = new Set(['wtmp', 'btmp', 'lastlog', 'faillog']);
const ROTATED_LOG = /(\.\d+|\.gz|\.xz|\.bz2|\.zst|\.old|-\d{8})$/;

/** The path has no symbolic link among its directories (the last component may be one). */
async function direct(view: RootView, path: string): Promise<boolean> {
  return (await view.resolve(path, false)) === path;
}

/** A directory of the root itself, reached without following any link. */
async function realDir(view: RootView, dir: string): Promise<boolean> {
  return (await direct(view, dir)) && (await view.lstat(dir))?.type === 'dir';
}

/** Every entry below `dir` (a real directory), children before their directory. */
async function walk(view: RootView, dir: string, depth = 0): Promise<Array<{ path: string; dir: boolean }>> {
  if (depth > MAX_DEPTH) return [];
  const out: Array<{ path: string; dir: boolean }> = [];
  for (const name of await view.list(dir)) {
    const path = `${dir}/${name}`;
    const info = await view.reader.lstat(path);
    if (info?.type === 'dir') {
      out.push(...(await walk(view, path, depth + 1)), { path, dir: true });
    } else if (info) out.push({ path, dir: false });
  }
  return out;
}

/** The directory's contents (and the directory itself when `self`), when it is a real directory in the root. */
async function removeTree(view: RootView, dir: string, purpose: string, self: boolean): Promise<PrepareAction[]> {
  if (!(await realDir(view, dir))) return [];
  const actions: PrepareAction[] = (await walk(view, dir)).map((e) => (e.dir ? { kind: 'remove-dir', path: e.path, purpose } : { kind: 'remove', path: e.path, purpose }));
  if (self) actions.push({ kind: 'remove-dir', path: dir, purpose });
  return actions;
}

async function removeMatching(view: RootView, dir: string, pattern: RegExp, purpose: string): Promise<PrepareAction[]> {
  if (!(await realDir(view, dir))) return [];
  const actions: PrepareAction[] = [];
  for (const name of await view.list(dir)) {
    const info = await view.reader.lstat(`${dir}/${name}`);
    if (pattern.test(name) && info && info.type !== 'dir') actions.push({ kind: 'remove', path: `${dir}/${name}`, purpose });
  }
  return actions;
}

async function removeFile(view: RootView, path: string, purpose: string): Promise<PrepareAction[]> {
  const info = (await direct(view, path)) ? await view.lstat(path) : null;
  return info && info.type !== 'dir' ? [{ kind: 'remove', path, purpose }] : [];
}

/** Empties a regular file (keeping owner and mode) when it has content. */
async function emptyFile(view: RootView, path: string, purpose: string): Promise<PrepareAction[]> {
  const info = (await direct(view, path)) ? await view.lstat(path) : null;
  return info?.type === 'file' && info.size > 0 ? [{ kind: 'empty', path, purpose }] : [];
}

async function logActions(view: RootView): Promise<PrepareAction[]> {
  if (!(await realDir(view, '/var/log'))) return [];
  const actions: PrepareAction[] = [];
  for (const entry of await walk(view, '/var/log')) {
    if (entry.dir) continue;
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    if (entry.path.startsWith('/var/log/journal/') || ROTATED_LOG.test(name) || /^cloud-init(-output)?\.log$/.test(name) || /^osconf\.log/.test(name)) {
      actions.push({ kind: 'remove', path: entry.path, purpose: 'log of the source machine' });
    } else {
      actions.push(...(await emptyFile(view, entry.path, LOGIN_RECORDS.has(name) ? 'login records of the source machine' : 'log of the source machine')));
    }
  }
  // Journal directories are named after the machine id.
  for (const name of (await realDir(view, '/var/log/journal')) ? await view.list('/var/log/journal') : []) {
    if ((await view.reader.lstat(`/var/log/journal/${name}`))?.type === 'dir') actions.push(...(await removeTree(view, `/var/log/journal/${name}`, 'journal of the source machine', true)).filter((a) => a.kind === 'remove-dir'));
  }
  return actions;
}

/** The systemd unit's [Install] WantedBy= targets. */
function wantedBy(unit: string): string[] {
  const install = unit.split(/^\[/m).find((s) => s.startsWith('Install]')) ?? '';
  return [...install.matchAll(/^\s*WantedBy\s*=\s*(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
}

async function enableActions(view: RootView, live: boolean): Promise<{ actions: PrepareAction[]; problems: string[] }> {
  const actions: PrepareAction[] = [];
  const problems: string[] = [];
  if (await view.exists('/etc/osconf/disabled')) actions.push(...(await removeFile(view, '/etc/osconf/disabled', 'osconf must run at first boot')));
  const init = await initSystem(view);
  let unitPath: string | undefined;
  for (const p of ['/etc/systemd/system/osconf.service', '/lib/systemd/system/osconf.service', '/usr/lib/systemd/system/osconf.service']) {
    if ((await view.lstat(p))?.type === 'file') {
      unitPath = p;
      break;
    }
  }
  if (init === 'systemd') {
    if (!unitPath) return { actions, problems: ['osconf.service is not installed: install the osconf package first'] };
    for (const target of wantedBy((await view.read(unitPath)) ?? '')) {
      const link = `/etc/systemd/system/${target}.wants/osconf.service`;
      if ((await view.lstat(link)) === null) {
        if (!(await direct(view, `/etc/systemd/system/${target}.wants`))) continue;
        if (!(await view.exists(`/etc/systemd/system/${target}.wants`))) actions.push({ kind: 'mkdir', path: `/etc/systemd/system/${target}.wants`, purpose: 'enable osconf at boot' });
        actions.push({ kind: 'symlink', path: link, target: unitPath, purpose: 'enable osconf at boot' });
      }
    }
    return { actions, problems };
  }
  if (!(await view.exists('/etc/init.d/osconf'))) return { actions, problems: ['/etc/init.d/osconf is not installed: install osconf first'] };
  if (init === 'openrc') {
    // The runlevel the network starts in, as install.sh picks it: boot on Alpine and Gentoo; sysinit on Debian's
    // openrc, which puts rcS services (networking among them) there; sysinit ends before boot starts (openrc(8)).
    // Already enabled there or earlier: left as it is. Enabled only later (default): added where it must start
    // (once started, a later runlevel does not start it again); check's item 2205 names that case.
    const level = (await view.lstat('/etc/runlevels/sysinit/networking')) ? 'sysinit' : 'boot';
    const order = ['sysinit', 'boot'];
    for (const l of order.slice(0, order.indexOf(level) + 1)) if (await view.lstat(`/etc/runlevels/${l}/osconf`)) return { actions, problems };
    actions.push({ kind: 'symlink', path: `/etc/runlevels/${level}/osconf`, target: '/etc/init.d/osconf', purpose: `enable osconf at boot (OpenRC ${level} runlevel, where the network starts)` });
    return { actions, problems };
  }
  const rcLinks = [...(await view.list('/etc/rcS.d')), ...(await view.list('/etc/rc3.d'))].filter((n) => /^S\d+osconf$/.test(n));
  if (rcLinks.length > 0) return { actions, problems };
  if (live) {
    const argv = (await view.exists('/usr/sbin/update-rc.d')) ? ['update-rc.d', 'osconf', 'defaults'] : ['chkconfig', '--add', 'osconf'];
    actions.push({ kind: 'exec', argv, purpose: 'enable osconf at boot (SysV init)' });
  } else {
    problems.push('osconf is not enabled in this SysV init root, and its start links are computed by the distribution: run chroot DIR update-rc.d osconf defaults (or chkconfig --add osconf)');
  }
  return { actions, problems };
}

/**
 * cloud-init's state of the source machine, as `cloud-init clean` removes it (cloudinit/cmd/clean.py,
 * remove_artifacts: every entry of /var/lib/cloud but seed/), and /run/cloud-init on a running system (the
 * generator's verdict and instance data of this boot). In seed/, only osconf's own NoCloud files go (they name
 * osconf in their first lines, render/format/yaml.ts GENERATED_BY): they hold the builder's host name,
 * addresses and instance-id; a seed the builder made on purpose stays.
 */
async function cloudInitActions(view: RootView, live: boolean): Promise<PrepareAction[]> {
  const actions: PrepareAction[] = [];
  const purpose = 'cloud-init instance state of the source machine (as cloud-init clean)';
  if (await realDir(view, '/var/lib/cloud')) {
    for (const name of await view.list('/var/lib/cloud')) {
      if (name === 'seed') continue;
      const path = `/var/lib/cloud/${name}`;
      actions.push(...((await view.reader.lstat(path))?.type === 'dir' ? await removeTree(view, path, purpose, true) : await removeFile(view, path, purpose)));
    }
  }
  if (await realDir(view, NOCLOUD_SEED_DIR)) {
    for (const name of await view.list(NOCLOUD_SEED_DIR)) {
      const path = `${NOCLOUD_SEED_DIR}/${name}`;
      if ((await view.reader.lstat(path))?.type !== 'file') continue;
      const head = ((await view.reader.readFile(path, 512))?.toString('utf8') ?? '').split('\n').slice(0, 2);
      if (head.includes(`# ${GENERATED_BY}`)) actions.push({ kind: 'remove', path, purpose: "osconf's NoCloud seed of the source machine (its host name, addresses, instance-id)" });
    }
  }
  if (live) actions.push(...(await removeTree(view, '/run/cloud-init', 'cloud-init state of this boot', true)));
  return actions;
}

export interface PrepareOptions {
  /** Preparing the running system (commands may run). */
  live: boolean;
  /** Leave every authorized_keys file in place (`--keep-authorized-keys`). */
  keepAuthorizedKeys?: boolean;
}

export async function planPrepare(view: RootView, options: PrepareOptions): Promise<PreparePlan> {
  const actions: PrepareAction[] = [];
  actions.push(...(await removeMatching(view, '/etc/ssh', SSH_HOST_KEY_FILE, 'SSH host key: every instance makes its own at first boot')));
  actions.push(...(await emptyFile(view, '/etc/machine-id', 'machine id: generated at first boot')));
  if ((await view.lstat('/var/lib/dbus/machine-id'))?.type === 'file') actions.push(...(await removeFile(view, '/var/lib/dbus/machine-id', 'machine id: generated at first boot')));
  actions.push(...(await removeFile(view, '/var/lib/systemd/random-seed', 'random seed: instances must not share it')));
  actions.push(...(await removeFile(view, '/var/lib/osconf/state.json', "osconf's record of the source machine")));
  actions.push(...(await removeFile(view, '/var/lib/osconf/last-run.json', "osconf's record of its last run on the source machine")));
  actions.push(...(await removeFile(view, '/var/lib/osconf/located', "where osconf found partition 1 on the source machine: the first boot's apply records it anew")));
  actions.push(...(await removeFile(view, '/var/lib/osconf/instance-data.json', 'what osconf configured on the source machine (its addresses and host name)')));
  if (options.live) actions.push(...(await removeFile(view, '/run/osconf/instance-data.json', 'the same, published for this boot')));
  actions.push(...(await removeFile(view, '/var/lib/osconf/digest.key', "the source machine's key for os.conf digests: instances must not share it")));
  actions.push(...(await removeTree(view, '/var/lib/osconf/backup', "osconf's backups of the source machine's files", true)));
  actions.push(...(await removeTree(view, '/var/lib/osconf/disabled', "the source machine's network configuration osconf set aside", true)));
  for (const [dir, pattern] of [
    ['/var/lib/dhcp', /\.leases?~?$/],
    ['/var/lib/dhclient', /\.leases?$/],
    ['/var/lib/dhcpcd', /\.lease6?$/],
    ['/var/lib/NetworkManager', /\.lease$|^timestamps$|^seen-bssids$/],
    ['/var/lib/wicked', /^lease-/],
  ] as const) {
    actions.push(...(await removeMatching(view, dir, pattern, 'DHCP lease of the source machine')));
  }
  actions.push(...(await removeFile(view, '/etc/udev/rules.d/70-persistent-net.rules', 'persistent NIC names bound to the source machine\'s MAC addresses')));
  const homes = ['/root', ...(await view.list('/home')).map((n) => `/home/${n}`)];
  for (const home of homes) {
    for (const name of HISTORY_FILES) actions.push(...(await removeFile(view, `${home}/${name}`, 'shell history of the source machine')));
  }
  if (!options.keepAuthorizedKeys) {
    for (const path of await authorizedKeysFiles(view)) {
      actions.push(...(await removeFile(view, path, 'SSH keys of the source machine: they would log in to every instance (--keep-authorized-keys keeps them)')));
    }
  }
  actions.push(...(await logActions(view)));
  actions.push(...(await cloudInitActions(view, options.live)));
  const enable = await enableActions(view, options.live);
  actions.push(...enable.actions);
  return { actions, problems: enable.problems };
}

/** Actions on the first partition (mounted at the given view): the directory the platform writes into, and
 * no leftover os.conf (it holds a root password). */
export async function planFirstPartition(view: RootView): Promise<PrepareAction[]> {
  const actions: PrepareAction[] = [];
  if ((await view.lstat('/aliyun_custom_image'))?.type !== 'dir') actions.push({ kind: 'mkdir', path: '/aliyun_custom_image', purpose: 'the platform writes os.conf here' });
  const purpose = 'settings (and a root password) of an earlier instance';
  for (const name of ['os.conf', 'os.conf.rejected']) {
    actions.push(...(await removeFile(view, `/aliyun_custom_image/${name}`, purpose)));
  }
  // What apply set aside (host/os-conf-file.ts): rejected under a unique name (a file, a link, a FIFO or a
  // directory), and os.conf.failed* after the retry limit (apply/retry.ts).
  if ((await view.lstat('/aliyun_custom_image'))?.type === 'dir') {
    for (const name of await view.list('/aliyun_custom_image')) {
      if (!/^os\.conf\.(rejected-|failed)/.test(name)) continue;
      const path = `/aliyun_custom_image/${name}`;
      actions.push(...((await view.reader.lstat(path))?.type === 'dir' ? await removeTree(view, path, purpose, true) : await removeFile(view, path, purpose)));
    }
  }
  return actions;
}

export function describeAction(a: PrepareAction, dryRun: boolean): string {
  const verb = (done: string, todo: string) => (dryRun ? todo : done);
  switch (a.kind) {
    case 'remove':
      return `${verb('removed', 'would remove')} ${a.path} (${a.purpose})`;
    case 'remove-dir':
      return `${verb('removed', 'would remove')} ${a.path}/ (${a.purpose})`;
    case 'move':
      return `${verb('moved', 'would move')} ${a.path} to ${a.to} (${a.purpose})`;
    case 'empty':
      return `${verb('emptied', 'would empty')} ${a.path} (${a.purpose})`;
    case 'mkdir':
      return `${verb('created', 'would create')} ${a.path}/ (${a.purpose})`;
    case 'symlink':
      return `${verb('linked', 'would link')} ${a.path} -> ${a.target} (${a.purpose})`;
    case 'exec':
      return `${verb('ran', 'would run')} ${a.argv.join(' ')} (${a.purpose})`;
    case 'set-hostname':
      return `${verb('set', 'would set')} the host name to ${a.hostname} (${a.purpose})`;
  }
}
