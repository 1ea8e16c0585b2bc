// The items `osconf check` reports: every item of the platform guide's compliance tool (image_check), in its
// order and with its names, then osconf's own. Each reads the target through RootView and returns OK,
// FAILED (an instance from the image will not start or cannot be configured) or WARNING (it starts, but
// something will not work as the platform expects), with the reason and the fix.
import { cloudInitUsability, detectProfile, parseDatasourceList, type DetectFacts } from '../distro/detect.js';
import { parseOsRelease } from '../distro/os-release.js';
import { initSystem, probeWith, SSH_HOST_KEY, SSHD_PATH, type InitSystem } from '../distro/facts.js';
import { parseOsconfConf } from '../settings/osconf-conf.js';
import { authorizedKeysFiles } from './accounts.js';
import type { RootView } from './root-view.js';
import { STACK_RENDERERS } from '../render/index.js';

const ADMIN_CONFIG_DIRS = Object.values(STACK_RENDERERS).flatMap((r) => r.searchPath.filter((d) => d.dir.startsWith('/etc/')));
import type { CheckTarget } from './target.js';

export type CheckResult = 'OK' | 'FAILED' | 'WARNING';

export interface CheckItem {
  name: string;
  result: CheckResult;
  /** "0" when OK; otherwise a stable code for this finding (docs/image-builders.md lists them). */
  errorCode: string;
  /** What was found. */
  description: string;
  /** Why it matters and how to fix it. */
  comment: string;
}

interface Finding {
  result: CheckResult;
  code: number;
  description: string;
  comment?: string;
}

const ok = (description: string, comment = ''): Finding => ({ result: 'OK', code: 0, description, comment });
const failed = (code: number, description: string, comment: string): Finding => ({ result: 'FAILED', code, description, comment });
const warning = (code: number, description: string, comment: string): Finding => ({ result: 'WARNING', code, description, comment });

const GIB = 2 ** 30;

/** Facts several items share, read once. */
export interface SharedFacts {
  facts: DetectFacts;
  init: InitSystem;
}

export async function sharedFacts(root: RootView): Promise<SharedFacts> {
  return { facts: await probeWith(root), init: await initSystem(root) };
}

export interface FstabEntry {
  spec: string;
  mount: string;
  type: string;
}

/** fstab(5) entries, comments and blank lines left out. */
export function fstabEntries(text: string): FstabEntry[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[0] !== '' && !f[0]!.startsWith('#'))
    .map((f) => ({ spec: f[0]!, mount: f[1]!, type: f[2] ?? '' }));
}

type ItemCheck = (t: CheckTarget, root: RootView, shared: SharedFacts) => Promise<Finding>;

interface ItemSpec {
  name: string;
  /** Base of this item's error codes. */
  code: number;
  needs: 'root' | 'disk' | 'none';
  run: ItemCheck;
}

const enabled = (s: SharedFacts, ...names: string[]): string | undefined => names.find((n) => s.facts.enabled.has(n));

/** OpenRC's runlevels in the order openrc(8) starts them at boot. */
const OPENRC_LEVELS = ['sysinit', 'boot', 'default'];

/** The first of OPENRC_LEVELS a service is added to (a link in /etc/runlevels/LEVEL, rc-update(8)), or null. */
async function openrcRunlevel(root: RootView, service: string): Promise<string | null> {
  for (const level of OPENRC_LEVELS) if ((await root.list(`/etc/runlevels/${level}`)).includes(service)) return level;
  return null;
}

async function firstExisting(root: RootView, paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await root.exists(p)) return p;
  return undefined;
}

/**
 * The Node.js that runs `binary` (osconf's launcher): the interpreter its `#!` line names (execve(2)), e.g.
 * /opt/osconf/lib/node/bin/node in the standalone tarball's layout; for `#!/usr/bin/env node` or no `#!` line,
 * node in /usr/bin or /usr/local/bin (the PATH of systemd units and init scripts). `wanted` names what was
 * looked for. Reads only the first 256 bytes.
 */
async function osconfRuntime(root: RootView, binary: string): Promise<{ found: boolean; wanted: string }> {
  const head = (await root.readBytes(binary, 256))?.toString('utf8') ?? '';
  const interpreter = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (interpreter && !/\/env$/.test(interpreter[1]!)) return { found: await root.exists(interpreter[1]!), wanted: interpreter[1]! };
  const node = await firstExisting(root, ['/usr/bin/node', '/usr/local/bin/node']);
  return { found: node !== undefined, wanted: '/usr/bin/node or /usr/local/bin/node' };
}

/** Lines of sshd_config with its Include files expanded in place; the first value of a keyword wins. */
async function sshdSetting(root: RootView, keyword: string): Promise<string | null> {
  const seen = new Set<string>();
  const visit = async (path: string, depth: number): Promise<string | null> => {
    if (depth > 4 || seen.has(path)) return null;
    seen.add(path);
    for (const raw of ((await root.read(path)) ?? '').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [key, ...rest] = line.split(/\s+/);
      const lower = key!.toLowerCase();
      if (lower === 'match') return null; // settings below apply only to some connections
      if (lower === 'include') {
        for (const pattern of rest) {
          const full = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
          const dir = full.slice(0, full.lastIndexOf('/'));
          const glob = new RegExp(`^${full.slice(dir.length + 1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
          for (const name of await root.list(dir)) {
            if (!glob.test(name)) continue;
            const value = await visit(`${dir}/${name}`, depth + 1);
            if (value !== null) return value;
          }
        }
        continue;
      }
      if (lower === keyword.toLowerCase()) return rest.join(' ').toLowerCase();
    }
    return null;
  };
  return visit('/etc/ssh/sshd_config', 0);
}

const ITEMS: ItemSpec[] = [
  {
    name: 'driver',
    code: 100,
    needs: 'root',
    async run(_t, root) {
      const kernels = await root.list('/lib/modules');
      if (kernels.length === 0) return failed(101, 'no kernel modules under /lib/modules: the image has no kernel', 'install the distribution kernel (with virtio drivers)');
      const want = [
        ['virtio_blk', 'xen-blkfront'],
        ['virtio_net', 'xen-netfront'],
      ];
      const missing: string[] = [];
      for (const kernel of kernels) {
        const listed = `${(await root.read(`/lib/modules/${kernel}/modules.builtin`)) ?? ''}\n${(await root.read(`/lib/modules/${kernel}/modules.dep`)) ?? ''}`;
        const has = (name: string) => new RegExp(`/${name.replace('-', '[-_]')}\\.ko`).test(listed);
        const lacking = want.filter((alternatives) => !alternatives.some(has)).map((a) => a[0]!);
        if (lacking.length === 0) return ok(`kernel ${kernel} has virtio block and network drivers`, 'ECS runs instances on KVM with virtio devices');
        missing.push(`${kernel} lacks ${lacking.join(', ')}`);
      }
      return failed(102, `no kernel with virtio drivers: ${missing.join('; ')}`, 'install virtio drivers (virtio_blk, virtio_net) and rebuild the initramfs; without them the instance does not boot');
    },
  },
  {
    name: 'shadow',
    code: 200,
    needs: 'root',
    async run(_t, root) {
      if (!(await root.exists('/etc/shadow'))) return failed(201, '/etc/shadow is missing', 'restore /etc/shadow (pwconv); the root password is stored there');
      const attrs = await root.lockedAttributes('/etc/shadow');
      if (attrs === null) return warning(203, 'could not read the attributes of /etc/shadow', 'make sure it is not locked with chattr +i or +a');
      if (attrs.immutable || attrs.appendOnly) {
        return failed(202, `/etc/shadow is ${attrs.immutable ? 'immutable (chattr +i)' : 'append-only (chattr +a)'}`, 'run chattr -i -a /etc/shadow: the root password cannot be set otherwise');
      }
      return ok('/etc/shadow can be changed');
    },
  },
  {
    name: 'selinux',
    code: 300,
    needs: 'root',
    async run(_t, root) {
      const config = (await root.read('/etc/selinux/config')) ?? '';
      const mode = /^\s*SELINUX\s*=\s*"?(\w+)/m.exec(config)?.[1]?.toLowerCase();
      if (mode === 'enforcing') return failed(301, 'SELinux is enforcing (/etc/selinux/config)', 'set SELINUX=disabled in /etc/selinux/config as the platform guide requires');
      if (mode === 'permissive') return warning(302, 'SELinux is permissive (/etc/selinux/config)', 'the platform guide asks for SELINUX=disabled');
      return ok(mode ? `SELinux is ${mode}` : 'SELinux is not configured');
    },
  },
  {
    name: 'qemu-ga',
    code: 400,
    needs: 'root',
    async run(_t, root) {
      const found = await firstExisting(root, ['/usr/bin/qemu-ga', '/usr/sbin/qemu-ga', '/usr/local/bin/qemu-ga']);
      return found ? warning(401, `qemu guest agent installed (${found})`, 'uninstall qemu-guest-agent: it conflicts with ECS services') : ok('no qemu guest agent');
    },
  },
  {
    name: 'network',
    code: 500,
    needs: 'root',
    async run(_t, _root, s) {
      const nm = enabled(s, 'NetworkManager.service', 'NetworkManager');
      const service = enabled(s, 'networking.service', 'networking', 'network.service', 'network', 'systemd-networkd.service', 'wicked.service', 'net.eth0');
      if (!nm && !service) return failed(501, 'no network service is enabled at boot', 'enable the distribution network service (networking, network, systemd-networkd, wicked or NetworkManager)');
      if (nm) return warning(502, `NetworkManager is enabled (${nm})`, 'osconf configures NetworkManager, but the platform guide prefers the network service; expect this warning from its tool too');
      return ok(`network service enabled: ${service}`);
    },
  },
  {
    name: 'ssh',
    code: 600,
    needs: 'root',
    async run(_t, root, s) {
      if (!(await root.exists(SSHD_PATH))) return warning(601, 'sshd is not installed', 'install openssh-server: without it the instance is reachable only from the console');
      const unit = enabled(s, 'ssh.service', 'sshd.service', 'ssh.socket', 'sshd.socket', 'ssh', 'sshd');
      if (!unit) return failed(602, 'sshd is installed but not enabled at boot', 'enable the ssh service (systemctl enable ssh / sshd)');
      const rootLogin = (await sshdSetting(root, 'PermitRootLogin')) ?? 'prohibit-password (OpenSSH default)';
      const passwords = (await sshdSetting(root, 'PasswordAuthentication')) ?? 'yes';
      const problems: string[] = [];
      if (!rootLogin.startsWith('yes')) problems.push(`PermitRootLogin ${rootLogin}`);
      if (passwords !== 'yes') problems.push(`PasswordAuthentication ${passwords}`);
      if (problems.length > 0) {
        return warning(603, `sshd enabled (${unit}) but ${problems.join(', ')}: the root password from os.conf cannot log in over SSH`, 'set PermitRootLogin yes and PasswordAuthentication yes in sshd_config if instances are to be reached with the console password');
      }
      return ok(`sshd enabled (${unit}), root may log in with a password`);
    },
  },
  {
    name: 'firewall',
    code: 700,
    needs: 'root',
    async run(_t, root, s) {
      const on = ['firewalld.service', 'iptables.service', 'ip6tables.service', 'nftables.service', 'SuSEfirewall2.service', 'firewalld', 'iptables', 'nftables'].filter((n) => s.facts.enabled.has(n));
      const ufw = (await root.read('/etc/ufw/ufw.conf')) ?? '';
      if (/^\s*ENABLED\s*=\s*yes/m.test(ufw) && enabled(s, 'ufw.service', 'ufw')) on.push('ufw');
      return on.length > 0 ? warning(701, `firewall enabled at boot: ${on.join(', ')}`, 'disable it; ECS security groups filter traffic, and a host firewall can block the platform') : ok('no firewall enabled at boot');
    },
  },
  {
    name: 'filesystem',
    code: 800,
    needs: 'none',
    async run(t) {
      const fs = t.rootFs;
      if (!fs) return warning(803, 'the root file system type is unknown', 'use XFS, ext3 or ext4 for the root file system');
      if (['xfs', 'ext3', 'ext2', 'ufs', 'udf'].includes(fs.type)) return ok(`root file system is ${fs.type}`);
      if (fs.type === 'ext4') {
        return fs.features?.includes('64bit')
          ? warning(802, 'root file system is ext4 with the 64bit feature', "the guide's tool asks for ext4 without 64bit so that older resize tools can grow it (mkfs.ext4 -O ^64bit)")
          : ok('root file system is ext4');
      }
      return failed(801, `root file system is ${fs.type}`, 'use XFS, ext3 or ext4 (ext2, UFS and UDF are accepted)');
    },
  },
  {
    name: 'device_id',
    code: 900,
    needs: 'root',
    async run(_t, root) {
      const named = fstabEntries((await root.read('/etc/fstab')) ?? '').filter((e) => /^\/dev\/(sd|hd|xvd|vd|nvme)[a-z0-9]*$/.test(e.spec));
      const forRoot = named.find((n) => n.mount === '/');
      if (forRoot) return failed(901, `/etc/fstab mounts / by device name (${forRoot.spec})`, 'use UUID= or LABEL=: device names change on ECS (vda, xvda, nvme0n1)');
      if (named.length > 0) return warning(902, `/etc/fstab uses device names: ${named.map((n) => `${n.spec} on ${n.mount}`).join(', ')}`, 'use UUID= or LABEL=: device names change on ECS');
      return ok('/etc/fstab names no device by its kernel name');
    },
  },
  {
    name: 'root_account',
    code: 1000,
    needs: 'root',
    async run(_t, root) {
      const entry = ((await root.read('/etc/passwd')) ?? '').split('\n').find((l) => l.startsWith('root:'));
      if (!entry) return failed(1001, 'no root account in /etc/passwd', 'restore the root account: the platform sets its password');
      const fields = entry.split(':');
      if (fields[2] !== '0') return failed(1002, `root has uid ${fields[2]}`, 'root must have uid 0');
      if (/(nologin|false)$/.test(fields[6] ?? '')) return warning(1003, `root's shell is ${fields[6]}`, 'give root a login shell, or the console password is useless');
      return ok('root account present');
    },
  },
  {
    name: 'passwd',
    code: 1100,
    needs: 'root',
    async run(_t, root) {
      return (await root.exists('/usr/bin/passwd')) || (await root.exists('/bin/passwd')) ? ok('passwd command present') : failed(1101, 'no passwd command', 'install the passwd package (shadow-utils)');
    },
  },
  {
    name: 'partition_table',
    code: 1200,
    needs: 'disk',
    async run(t) {
      const table = t.disk!.table;
      if (table === 'mbr') return ok('MBR partition table');
      if (table === 'gpt') return failed(1201, 'GPT partition table', 'use an MBR (dos) partition table as the platform guide requires');
      return failed(1202, 'no partition table', 'partition the disk (MBR): Customized Linux images need a first partition');
    },
  },
  {
    name: 'lvm',
    code: 1300,
    needs: 'none',
    async run(t, root) {
      const lvm = t.disk?.partitions.filter((p) => p.lvmType || p.fs.type === 'LVM2_member') ?? [];
      if (lvm.length > 0) return failed(1301, `LVM on partition ${lvm.map((p) => p.number).join(', ')}`, 'use plain partitions: the platform does not support LVM on the system disk');
      if (t.root) {
        const rootSpec = fstabEntries((await root.read('/etc/fstab')) ?? '').find((e) => e.mount === '/')?.spec;
        if (rootSpec && /^\/dev\/mapper\/|^\/dev\/[^/]+\/[^/]+$/.test(rootSpec) && !rootSpec.startsWith('/dev/disk/')) {
          return failed(1302, `/ is mounted from ${rootSpec} (LVM)`, 'use a plain partition for /');
        }
      }
      if (!t.disk) return warning(1303, `LVM not checked on the disk: ${t.diskMissing}`, 'run osconf check --image on the disk image before importing it');
      return ok('no LVM');
    },
  },
  {
    name: 'lib',
    code: 1400,
    needs: 'root',
    async run(_t, root) {
      const absolute: string[] = [];
      for (const dir of ['/lib', '/lib64']) {
        const target = await root.readlink(dir);
        if (target?.startsWith('/')) absolute.push(`${dir} -> ${target}`);
      }
      return absolute.length > 0 ? failed(1401, `absolute links: ${absolute.join(', ')}`, 'make /lib and /lib64 relative links (usr/lib, usr/lib64)') : ok('/lib and /lib64 are directories or relative links');
    },
  },
  {
    name: 'disk_size',
    code: 1500,
    needs: 'disk',
    async run(t) {
      const gib = t.disk!.size / GIB;
      const shown = `${Math.round(gib * 10) / 10} GiB`;
      if (gib <= 5) return failed(1501, `system disk is ${shown}`, 'Customized Linux images need a system disk larger than 5 GiB');
      if (gib < 40 || gib > 500) return warning(1502, `system disk is ${shown}`, 'the platform recommends 40-500 GiB; set the import size from the virtual disk size, not the used space');
      return ok(`system disk is ${shown}`);
    },
  },
  {
    name: 'disk_usage',
    code: 1600,
    needs: 'none',
    async run(t) {
      if (!t.blocks || t.blocks.total === 0) return warning(1602, 'disk usage unknown', 'leave free space for the drivers and services ECS installs');
      const used = Math.round(((t.blocks.total - t.blocks.free) / t.blocks.total) * 100);
      return used >= 90 ? warning(1601, `root file system ${used}% full`, 'free space: ECS installs drivers and services at first boot') : ok(`root file system ${used}% full`);
    },
  },
  {
    name: 'inode_usage',
    code: 1700,
    needs: 'none',
    async run(t) {
      if (!t.inodes || t.inodes.total === 0) return ok('the file system has no inode limit');
      const used = Math.round(((t.inodes.total - t.inodes.free) / t.inodes.total) * 100);
      return used >= 90 ? warning(1701, `${used}% of inodes used`, 'free inodes: ECS installs drivers and services at first boot') : ok(`${used}% of inodes used`);
    },
  },
  // osconf's own items.
  {
    name: 'first_partition',
    code: 2000,
    needs: 'disk',
    async run(t) {
      const p1 = t.disk!.partitions.find((p) => p.number === 1);
      if (!p1) return failed(2001, 'the disk has no partition 1', 'the platform writes os.conf to the first partition: create it (FAT32, ext2/3/4 or UFS)');
      const fs = p1.fs;
      const kind = fs.variant ?? fs.type;
      if (p1.lvmType || fs.type === 'LVM2_member') return failed(2002, 'partition 1 is an LVM physical volume', 'the platform cannot write os.conf into LVM: make partition 1 FAT32, ext2/3/4 or UFS');
      if (!['ext2', 'ext3', 'ext4', 'ufs'].includes(fs.type) && fs.variant !== 'FAT32') {
        return failed(2003, `partition 1 is ${kind}`, 'the platform writes os.conf only to FAT32, ext2, ext3, ext4 or UFS');
      }
      if (fs.readOnly) return failed(2004, `partition 1 (${kind}) is read-only`, 'the platform must write os.conf there: make it writable');
      return ok(`partition 1 is ${kind}, ${Math.round(p1.size / 2 ** 20)} MiB`);
    },
  },
  {
    name: 'aliyun_custom_image',
    code: 2100,
    needs: 'none',
    async run(t, root) {
      const left = await settingsLeftovers(t, root);
      if (left.found.length > 0) {
        return failed(2103, `settings of an earlier instance left in the image (they hold a root password): ${left.found.join(', ')}`, 'run osconf prepare (it removes them) or delete them: anyone with the image reads the password');
      }
      const entries = t.firstPartitionEntries;
      if (!entries) return warning(2102, `aliyun_custom_image/ not checked: ${t.firstPartitionMissing}`, 'create aliyun_custom_image/ at the top of partition 1 (osconf prepare does)');
      const dir = entries.find((e) => e.name === 'aliyun_custom_image');
      if (!dir?.directory) return warning(2101, 'partition 1 has no aliyun_custom_image/ directory', 'create it (osconf prepare does): the platform writes os.conf there');
      if (left.missing) return warning(2104, `aliyun_custom_image/ is on partition 1, but its contents were not checked: ${left.missing}`, 'make sure no os.conf, os.conf.rejected* or os.conf.failed* is left in it (osconf prepare removes them)');
      return ok('aliyun_custom_image/ is on partition 1, without a leftover os.conf');
    },
  },
  {
    name: 'osconf',
    code: 2200,
    needs: 'root',
    async run(_t, root, s) {
      const binary = await firstExisting(root, ['/usr/bin/osconf', '/usr/local/bin/osconf']);
      if (!binary) return failed(2201, 'osconf is not installed', 'install the osconf package: nothing else applies os.conf at boot');
      if (await root.exists('/etc/osconf/disabled')) return failed(2202, 'osconf is disabled (/etc/osconf/disabled)', 'remove /etc/osconf/disabled');
      const unit = enabled(s, 'osconf.service', 'osconf');
      const netLevel = s.init === 'openrc' ? await openrcRunlevel(root, 'networking') : null;
      if (!unit) return failed(2203, `osconf is installed (${binary}) but not enabled for ${s.init}`, `run osconf prepare, or enable it (systemctl enable osconf.service, update-rc.d osconf defaults, rc-update add osconf ${netLevel ?? 'boot'})`);
      if (netLevel) {
        const own = await openrcRunlevel(root, 'osconf');
        if (own && OPENRC_LEVELS.indexOf(own) > OPENRC_LEVELS.indexOf(netLevel)) {
          return failed(2205, `osconf starts in the OpenRC runlevel ${own}, after networking's (${netLevel}): the network would be up before os.conf is applied`, `rc-update del osconf ${own} && rc-update add osconf ${netLevel} (or run osconf prepare)`);
        }
      }
      const runtime = await osconfRuntime(root, binary);
      if (!runtime.found) return failed(2204, `no node executable for osconf (${runtime.wanted})`, 'install nodejs (10 or later), or osconf from the standalone tarball (it carries its own)');
      return ok(`osconf installed (${binary}) and enabled (${unit}, ${s.init})`);
    },
  },
  {
    name: 'network_agent',
    code: 2300,
    needs: 'root',
    async run(_t, root, s) {
      const settings = parseOsconfConf((await root.read('/etc/osconf/osconf.conf')) ?? '').conf;
      const mode = settings.mode;
      const enabledNow = cloudInitUsability(s.facts);
      if (!enabledNow.usable) {
        if (mode === 'cloud-init') return failed(2302, `mode = cloud-init, but ${enabledNow.reason}`, 'nothing would apply os.conf (osconf exits 1 and keeps it): set mode = auto in /etc/osconf/osconf.conf, or install and enable cloud-init');
        return ok('osconf is the only configuration agent');
      }
      if (mode === 'standalone') return failed(2301, 'cloud-init is enabled and osconf runs standalone: both configure the network', 'set mode = auto (or cloud-init) in /etc/osconf/osconf.conf, or disable cloud-init');
      const stack = detectProfile(s.facts, settings.profile ? { profile: settings.profile } : settings.stack ? { stack: settings.stack } : undefined).profile.stack;
      const cloudInit = cloudInitUsability(s.facts, undefined, stack);
      if (!cloudInit.usable) {
        if (mode === 'cloud-init') return failed(2302, `mode = cloud-init, but ${cloudInit.reason}`, 'osconf exits 1 and keeps os.conf: install net-tools, or set mode = auto');
        return warning(2304, `cloud-init is enabled, but ${cloudInit.reason}`, 'osconf (mode auto) configures the instance itself and keeps cloud-init off the network; install net-tools to hand the network to cloud-init');
      }
      // ds-identify looks for a datasource before osconf writes its seed: only NoCloud alone in the list
      // enables cloud-init without looking (cloud-init 22.4 ds-identify: "single entry in datasource_list").
      const list = await configuredDatasourceList(root);
      if (!list || list.filter((d) => d !== 'None').join() !== 'NoCloud') {
        const found = list ? `datasource_list is [ ${list.join(', ')} ]` : 'no datasource_list in /etc/cloud/cloud.cfg(.d)';
        const effect = mode === 'cloud-init' ? 'at first boot ds-identify finds no seed yet, cloud-init is disabled or reads another datasource, and osconf (mode = cloud-init) exits 1' : 'at first boot ds-identify finds no seed yet: cloud-init is disabled or reads another datasource, and osconf runs standalone on every boot';
        const fix = `put "datasource_list: [ NoCloud, None ]" in /etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg: ${effect}`;
        return mode === 'cloud-init' ? failed(2303, `cloud-init enabled, but ${found}`, fix) : warning(2303, `cloud-init enabled, but ${found}`, fix);
      }
      return ok(`cloud-init enabled with NoCloud; osconf mode ${mode} hands the network to it`);
    },
  },
  {
    name: 'ssh_host_keys',
    code: 2400,
    needs: 'root',
    async run(_t, root) {
      const keys = (await root.list('/etc/ssh')).filter((n) => SSH_HOST_KEY.test(n));
      if (keys.length > 0) return failed(2401, `SSH host keys are baked in: ${keys.join(', ')}`, 'run osconf prepare: every instance must make its own keys (osconf generates them at first boot)');
      return ok('no SSH host keys in the image; osconf generates them at first boot');
    },
  },
  {
    name: 'dhcp_fallback',
    code: 2500,
    needs: 'root',
    async run(_t, root, s) {
      const texts = async (dir: string, pattern: RegExp) => Promise.all((await root.list(dir)).filter((n) => pattern.test(n)).map(async (n) => ({ path: `${dir}/${n}`, text: (await root.read(`${dir}/${n}`)) ?? '' })));
      // What the image's administrator configured: every stack's search path under /etc (the registry).
      const candidates = (await Promise.all(ADMIN_CONFIG_DIRS.map((d) => texts(d.dir, d.name)))).flat();
      const dhcp = candidates.find(({ text }) => /inet\s+dhcp|dhcp4:\s*(true|yes)|^\s*DHCP\s*=\s*(yes|ipv4|true)|BOOTPROTO=["']?dhcp|method\s*=\s*auto/im.test(text));
      if (dhcp) return ok(`DHCP configured in ${dhcp.path}`);
      if (enabled(s, 'NetworkManager.service', 'NetworkManager')) {
        const conf = (await root.read('/etc/NetworkManager/NetworkManager.conf')) ?? '';
        if (!/^\s*no-auto-default\s*=\s*\*/m.test(conf)) return ok('NetworkManager configures unconfigured NICs with DHCP');
      }
      return warning(2501, 'no DHCP configuration found', 'configure DHCP on eth0: an instance without os.conf (or with an unreadable one) then still gets a network');
    },
  },
  {
    name: 'boot_loader',
    code: 2600,
    needs: 'disk',
    async run(t) {
      // What counts is in target.ts (BootLoaderFacts): BIOS boot code in the MBR, or an EFI system partition
      // with an EFI/ directory. Whether that code finds a kernel is not checked.
      const b = t.bootLoader;
      if (!b) return warning(2699, 'boot loader not checked: the disk was not read', 'run osconf check --image on the disk image before importing it');
      const esp = b.efiSystemPartitions.find((e) => e.efiDirectory);
      const found = [...(b.mbrBootCode ? ['boot code in the MBR (BIOS)'] : []), ...(esp ? [`EFI system partition ${esp.number} with EFI/ (UEFI)`] : [])];
      if (found.length > 0) return ok(found.join('; '));
      const fix = 'install the boot loader on the disk (grub-install --target=i386-pc /dev/DISK for BIOS; for UEFI an EFI system partition with grub-install --target=x86_64-efi): an instance from this image does not start';
      if (b.efiSystemPartitions.length > 0) return failed(2602, `no boot code in the MBR, and EFI system partition ${b.efiSystemPartitions.map((e) => e.number).join(', ')} has no EFI/ directory`, fix);
      return failed(2601, 'no boot loader: the MBR boot code area is all zero and there is no EFI system partition', fix);
    },
  },
  {
    name: 'authorized_keys',
    code: 2700,
    needs: 'root',
    async run(_t, root) {
      const files = await authorizedKeysFiles(root);
      if (files.length > 0) return warning(2701, `SSH authorized_keys in the image: ${files.join(', ')}`, 'run osconf prepare (it removes them unless --keep-authorized-keys): these keys log in to every instance made from the image');
      return ok('no SSH authorized_keys in the image');
    },
  },
];

/** An earlier instance's os.conf, as the platform wrote it or as apply set it aside (rejected, failed). */
const LEFTOVER = /^os\.conf(\.rejected.*|\.failed.*)?$/;

/**
 * Leftover os.conf files: on partition 1 when its aliyun_custom_image/ was read; otherwise in the root, where
 * partition 1 is the root file system (/aliyun_custom_image) or mounted at /boot. `missing`: why partition 1's
 * directory was not read, when it was not.
 */
async function settingsLeftovers(t: CheckTarget, root: RootView | null): Promise<{ found: string[]; missing?: string }> {
  if (t.customImageEntries) return { found: t.customImageEntries.filter((n) => LEFTOVER.test(n)).map((n) => `partition 1: aliyun_custom_image/${n}`) };
  const found: string[] = [];
  for (const dir of root ? ['/aliyun_custom_image', '/boot/aliyun_custom_image'] : []) {
    for (const name of await root!.list(dir)) if (LEFTOVER.test(name)) found.push(`${dir}/${name}`);
  }
  return { found, missing: t.customImageMissing };
}

export const ITEM_NAMES = ITEMS.map((i) => i.name);

/** Runs every item; those whose input is missing say what was not checked. */
export async function runChecks(t: CheckTarget): Promise<CheckItem[]> {
  const shared = t.root ? await sharedFacts(t.root) : null;
  const results: CheckItem[] = [];
  for (const item of ITEMS) {
    let finding: Finding;
    if (item.needs === 'root' && (!t.root || !shared)) finding = warning(item.code + 99, `not checked: ${t.rootMissing}`, 'check the root file system with osconf check --root');
    else if (item.needs === 'disk' && !t.disk) finding = warning(item.code + 99, `not checked: ${t.diskMissing}`, 'run osconf check --image on the disk image before importing it');
    else finding = await item.run(t, t.root!, shared!);
    results.push({ name: item.name, result: finding.result, errorCode: String(finding.code), description: finding.description, comment: finding.comment ?? '' });
  }
  return results;
}

/** Platform and version for the report header, from os-release. */
const ELF_MACHINES: Record<number, string> = { 0x03: 'i386', 0x28: 'arm', 0x3e: 'x86_64', 0xb7: 'aarch64', 0xf3: 'riscv64' };

/** The image's architecture, from the ELF header of its /bin/sh (not the machine running the check). */
async function architecture(root: RootView): Promise<string> {
  const elf = await root.readBytes('/bin/sh', 64).catch(() => null);
  if (!elf || elf.length < 20 || elf.subarray(0, 4).toString('latin1') !== '\x7fELF') return 'unknown';
  return ELF_MACHINES[elf.readUInt16LE(18)] ?? `elf-machine-${elf.readUInt16LE(18)}`;
}

export interface SystemInfo {
  platform: string;
  major: string;
  minor: string;
  architecture: string;
}

export async function systemInfo(root: RootView | null): Promise<SystemInfo> {
  const text = root ? ((await root.read('/etc/os-release')) ?? (await root.read('/usr/lib/os-release'))) : null;
  const os = text ? parseOsRelease(text) : {};
  let version = os.VERSION_ID ?? '';
  // Debian's os-release gives only the major version; debian_version has the point release.
  if (root && /^\d+$/.test(version)) {
    const point = (await root.read('/etc/debian_version'))?.trim();
    if (point && point.startsWith(`${version}.`)) version = point;
  }
  const [major = '', minor = ''] = version.split('.');
  return { platform: os.NAME?.replace(/ GNU\/Linux$/, '') ?? 'unknown', major, minor, architecture: root ? await architecture(root) : 'unknown' };
}

/** The datasource_list cloud-init's configuration sets: the last one in cloud.cfg, then cloud.cfg.d/*.cfg in name order, as ds-identify's check_config reads them; null when none. */
async function configuredDatasourceList(root: RootView): Promise<string[] | null> {
  const files = ['/etc/cloud/cloud.cfg', ...(await root.list('/etc/cloud/cloud.cfg.d')).filter((n) => n.endsWith('.cfg')).sort().map((n) => `/etc/cloud/cloud.cfg.d/${n}`)];
  let list: string[] | null = null;
  for (const f of files) list = parseDatasourceList((await root.read(f)) ?? '') ?? list;
  return list;
}
