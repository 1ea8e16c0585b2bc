// Generates the manual pages osconf(8) and osconf.conf(5) from the program's own tables, so that they cannot
// drift from the code: commands and options from the bundle's --help (commander's table), os.conf's keys from
// src/config/schema.ts, osconf.conf's sections, keys, stacks and profiles from src/settings/osconf-conf.ts and
// src/distro/profiles.ts, exit codes from src/errors.ts. The prose for each key and code is here; a key or code
// the code has and this file does not describe (or the reverse) stops the build.
// Usage: node scripts/man.mjs OUTDIR   (needs dist/osconf; writes OUTDIR/osconf.8 and OUTDIR/osconf.conf.5)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const repo = new URL('..', import.meta.url).pathname;
const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node scripts/man.mjs OUTDIR');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

// The tables, bundled from the TypeScript sources (pure modules: no I/O) and imported from memory.
const entry = `
export { NIC_FIELDS, REQUIRED_NIC_FIELDS } from './src/config/schema.ts';
export { SETTINGS_KEYS, OSCONF_CONF, DEFAULT_OSCONF_CONF, parseOsconfConf } from './src/settings/osconf-conf.ts';
export { STACKS, PROFILES } from './src/distro/profiles.ts';
export { ExitCode } from './src/errors.ts';
export { DATASOURCE_FORMATS } from './src/cli/datasource-formats.ts';
`;
const bundled = await build({ stdin: { contents: entry, resolveDir: repo, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'error' });
const t = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`);

// The commands and options, as the bundle's --help lists them.
const bin = join(repo, 'dist', 'osconf');
const help = (...args) => execFileSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8' });

/** commander's help → { usage, description, options: [{flags, text}], commands: [{name, text}], after }. */
function parseHelp(text) {
  const lines = text.replace(/\n+$/, '').split('\n');
  const usage = lines[0].replace(/^Usage: /, '');
  const result = { usage, description: [], options: [], commands: [], after: [] };
  let part = 'description';
  for (const line of lines.slice(1)) {
    if (line === 'Options:') part = 'options';
    else if (line === 'Commands:') part = 'commands';
    else if (line === '') {
      if (part !== 'description') part = 'after';
    } else if (part === 'options' || part === 'commands') {
      const m = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
      const list = part === 'options' ? result.options : result.commands;
      if (m) list.push({ flags: m[1], text: m[2] ?? '' });
      else list[list.length - 1].text += ` ${line.trim()}`;
    } else result[part === 'after' ? 'after' : 'description'].push(line);
  }
  result.description = result.description.join(' ').trim();
  result.after = result.after.join(' ').trim();
  return result;
}

// roff: backslashes escaped, hyphens in options as \-, no line may start with . or '.
const esc = (s) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
const para = (s) => esc(s.replace(/\s+/g, ' ').trim());
/** `--conf <file>` → bold flags, italic arguments. */
const flags = (f) =>
  f
    .split(/(<[^>]+>|\[[^\]]+\])/)
    .map((part) => (/^[<[]/.test(part) ? `\\fI${esc(part.slice(1, -1))}\\fR` : part ? `\\fB${esc(part)}\\fR` : ''))
    .join('');
const tp = (tag, text) => ['.TP', tag, para(text)];
/** A paragraph of its own (after a list or an example). */
const pp = (s) => ['.PP', para(s)];

const main = parseHelp(help());
const commands = main.commands.map((c) => c.flags.split(' ')[0]).filter((c) => c !== 'help');
const optionList = (opts) => opts.filter((o) => !o.flags.startsWith('-h, --help')).flatMap((o) => tp(flags(o.flags), o.text));

// Exit codes: the names are src/errors.ts's; the meaning of each is said here.
const exitMeaning = {
  ok: 'done, or nothing to do (no os.conf).',
  failure: 'operational failure: a file could not be read or written, a tool failed, a check found something missing (os.conf is kept, so the next boot retries; the same failure at three boots sets it aside as os.conf.failed).',
  usage: 'usage error: an unknown command or option, a missing argument, a --root that is not a directory.',
  rejected: 'os.conf rejected as invalid; every problem is listed with its line and key. At boot the file is renamed to os.conf.rejected.',
};
for (const name of Object.keys(t.ExitCode)) if (!exitMeaning[name]) throw new Error(`exit code ${name} is not described in scripts/man.mjs`);

// os.conf keys: the NIC fields are src/config/schema.ts's; their rules are said here.
const nicRule = {
  ip_addr: 'the IPv4 address of ethN, dotted quad.',
  mac_addr: 'the MAC address of ethN (six hexadecimal pairs separated by colons); osconf finds the NIC by it in /sys/class/net, whatever its name.',
  netmask: 'the dotted netmask of ethN (contiguous ones), e.g. 255.255.255.0.',
  gateway: "ethN's gateway, inside ethN's network. On the classic network it is eth1's default gateway.",
  route: 'routes through ethN, in double quotes, separated by semicolons: "CIDR GATEWAY;CIDR GATEWAY". On the classic network eth0 carries the intranet routes (10.0.0.0/8, 172.16.0.0/12) and eth1 the default route (0.0.0.0/0); on a VPC eth0_route carries the default route.',
};
for (const f of t.NIC_FIELDS) if (!nicRule[f]) throw new Error(`os.conf field ethN_${f} is not described in scripts/man.mjs`);
for (const f of Object.keys(nicRule)) if (!t.NIC_FIELDS.includes(f)) throw new Error(`scripts/man.mjs describes ethN_${f}, which os.conf does not have`);

// osconf.conf keys: the sections and keys are SETTINGS_KEYS; their meaning is said here.
const stacks = ['sysconfig', ...t.STACKS];
const settingText = {
  main: {
    mode: `who configures the instance. standalone: osconf applies everything. cloud-init: osconf writes the network settings into a NoCloud seed for cloud-init and sets the password and host name itself. auto (the default): cloud-init when it will read the seed on this boot, else standalone.`,
  },
  source: {
    uuid: 'the file system UUID of the partition that holds aliyun_custom_image/ (as blkid(8) prints it).',
    label: 'the file system label of that partition.',
    device: 'its block device, an absolute path such as /dev/vda1.',
    path: 'a directory where that partition is already mounted, such as /boot.',
  },
  network: {
    stack: `the network stack to write for, instead of detecting it: ${stacks.join(', ')} (sysconfig is sysconfig-rhel).`,
    profile: 'a whole distribution profile instead of detecting one (its stack, how the network is brought up, host name files); one of the profiles listed under PROFILES.',
  },
  apply: {
    nic_wait: `seconds (0 to 600, default ${t.DEFAULT_OSCONF_CONF.nicWaitSeconds}) to wait at boot for the NICs os.conf names to appear.`,
  },
};
for (const [section, keys] of Object.entries(t.SETTINGS_KEYS)) {
  for (const k of keys) if (!settingText[section]?.[k]) throw new Error(`osconf.conf [${section}] ${k} is not described in scripts/man.mjs`);
}
for (const [section, keys] of Object.entries(settingText)) {
  for (const k of Object.keys(keys)) if (!t.SETTINGS_KEYS[section]?.includes(k)) throw new Error(`scripts/man.mjs describes [${section}] ${k}, which osconf.conf does not have`);
}
// Every value the page names must be one the parser accepts, and the shipped example must parse cleanly.
for (const v of ['auto', 'standalone', 'cloud-init']) if (t.parseOsconfConf(`[main]\nmode = ${v}\n`).warnings.length) throw new Error(`mode = ${v} is refused`);
for (const v of stacks) if (t.parseOsconfConf(`[network]\nstack = ${v}\n`).warnings.length) throw new Error(`stack = ${v} is refused`);
const example = readFileSync(join(repo, 'packaging', 'osconf.conf'), 'utf8');
if (t.parseOsconfConf(example).warnings.length) throw new Error('packaging/osconf.conf does not parse cleanly');

const header = (name, section, title) => [`.TH ${name} ${section} "" "osconf ${pkg.version}" "${title}"`];
const files = [
  ...tp('\\fIaliyun_custom_image/os.conf\\fR', 'on the first partition of the system disk: the settings the platform writes before the instance boots. Removed once every concern it sets has been applied and verified; renamed to os.conf.rejected when invalid, to os.conf.failed when the same failure repeats at three boots.'),
  ...tp(`\\fI${esc(t.OSCONF_CONF)}\\fR`, "osconf's own configuration; see osconf.conf(5)."),
  ...tp('\\fI/etc/osconf/disabled\\fR', 'when present, osconf does nothing at boot (also: osconf=disabled on the kernel command line).'),
  ...tp('\\fI/var/lib/osconf/state.json\\fR', 'the result of the last apply and of its deferred check, shown by osconf status.'),
  ...tp('\\fI/var/lib/osconf/last\\-run.json\\fR', 'how the last apply run ended (with os.conf or without) and on which boot, shown by osconf status.'),
  ...tp('\\fI/run/osconf/instance\\-data.json\\fR', 'what the last apply configured, without secrets (a copy stays in /var/lib/osconf/), read by osconf query.'),
  ...tp('\\fI/var/lib/osconf/backup/\\fR', 'the original of each file osconf replaced, kept once.'),
  ...tp('\\fI/var/lib/osconf/disabled/\\fR', "other programs' network configuration that osconf set aside because it would override os.conf."),
  ...tp('\\fI/run/osconf/apply.lock\\fR', 'the lock that lets one apply run at a time.'),
  ...tp('\\fI/run/osconf/verify\\-pending\\fR', 'present while the last apply waits for osconf verify (it starts osconf-verify.service).'),
  ...tp('\\fI/var/log/osconf.log\\fR', 'the log of boot-time runs (mode 0600, bounded in size).'),
  ...tp('\\fIosconf.service\\fR, \\fIosconf\\-verify.service\\fR, \\fI/etc/init.d/osconf\\fR', 'run osconf apply at boot before the network, and osconf verify after it (under systemd, the apply\'s own process does that step when osconf\\-verify.service asks).'),
];

const osconf8 = [
  ...header('OSCONF', 8, 'System Administration'),
  '.SH NAME',
  'osconf \\- apply Alibaba Cloud Customized Linux instance settings from aliyun_custom_image/os.conf',
  '.SH SYNOPSIS',
  ...commands.flatMap((c) => [`.B osconf ${c}`, '.RI [ options ]', '.br']),
  '.B osconf',
  '.RB [ \\-\\-help | \\-\\-version ]',
  '.SH DESCRIPTION',
  para(main.description),
  '.PP',
  para('Before an instance of a Customized Linux image boots, Alibaba Cloud ECS writes aliyun_custom_image/os.conf onto the first partition of its system disk. At boot osconf finds that partition, reads os.conf as data (it is never executed), validates every value, and applies the root password, the network, the host name and the DNS servers with the tools of the distribution (networkd, netplan, NetworkManager, ifupdown, sysconfig, wicked, or iproute2), then checks that the running system shows them. Each concern (password, network, hostname, dns) succeeds or fails on its own.'),
  '.SH COMMANDS',
  ...commands.flatMap((c) => {
    const h = parseHelp(help(c));
    return [`.SS "${esc(h.usage)}"`, para(h.description), ...(h.options.length > 1 ? ['.PP', 'Options:', '.RS', ...optionList(h.options), '.RE'] : []), ...(h.after ? ['.PP', para(h.after)] : [])];
  }),
  '.SH GLOBAL OPTIONS',
  para('These come before the command, e.g. osconf --log-level debug apply.'),
  ...optionList(main.options),
  ...tp('\\fB\\-h\\fR, \\fB\\-\\-help\\fR', 'print help for osconf or for a command (osconf COMMAND --help).'),
  '.SH OS.CONF',
  para('A list of KEY=VALUE lines, values optionally in double quotes. osconf reads the file as data: no variable expansion, command substitution or other shell syntax is performed. Unknown keys are warnings; a line or value that is not valid rejects the concern it belongs to, and the valid concerns still apply.'),
  ...tp('\\fBhostname\\fR', 'the host name (RFC 1123 labels: letters, digits and hyphens, 63 characters each). Set as the running and static host name, with an /etc/hosts line for the instance address.'),
  ...tp('\\fBpassword\\fR', "root's password, Base64-encoded. A trailing newline in the decoded value (from echo | base64) is dropped. Written to /etc/shadow as a SHA-512 crypt hash; never logged or shown."),
  ...t.NIC_FIELDS.flatMap((f) => tp(`\\fBeth\\fIN\\fB_${esc(f)}\\fR${t.REQUIRED_NIC_FIELDS.includes(f) ? '' : ' (optional)'}`, nicRule[f])),
  ...tp('\\fBdns_nameserver\\fR', 'the DNS servers, IP addresses separated by spaces, in double quotes.'),
  ...pp(`N is 0 to 999 without leading zeros. A NIC needs ${t.REQUIRED_NIC_FIELDS.map((f) => `ethN_${f}`).join(', ')}. When any eth1 key is present the instance is on the classic network (eth0 intranet, eth1 internet); otherwise it is a VPC instance with eth0 alone.`),
  '.SH CONFIGURATION',
  para(`${t.OSCONF_CONF} (ini, optional) has the sections ${Object.entries(t.SETTINGS_KEYS).map(([s, k]) => `[${s}] (${k.join(', ')})`).join(', ')}; see osconf.conf(5). osconf show --config FILE checks it.`),
  '.SH EXIT STATUS',
  ...Object.entries(t.ExitCode).flatMap(([name, code]) => tp(`\\fB${code}\\fR`, exitMeaning[name])),
  ...pp('Errors are one line on standard error, such as "osconf: failed to open /x/os.conf: ENOENT"; --debug adds the stack trace.'),
  '.SH FILES',
  ...files,
  '.SH EXAMPLES',
  ...pp('Validate an os.conf and print the settings it describes (the password shown as (set)):'),
  '.RS\n.EX\nosconf show \\-\\-conf os.conf\n.EE\n.RE',
  ...pp('Show what an apply would change on this system, changing nothing:'),
  '.RS\n.EX\nosconf apply \\-\\-conf os.conf \\-\\-dry\\-run\n.EE\n.RE',
  ...pp('Print the files osconf would write for netplan, and a NoCloud seed for cloud-init:'),
  '.RS\n.EX\nosconf render \\-\\-conf os.conf \\-\\-stack netplan\nosconf datasource \\-\\-conf os.conf \\-\\-nocloud\\-dir /tmp/seed\n.EE\n.RE',
  ...pp('Image builders: seal a mounted image root, then check it before import (exit 1 when any item FAILED):'),
  '.RS\n.EX\nosconf prepare \\-\\-root /mnt \\-\\-first\\-partition /mnt/boot\nosconf check \\-\\-root /mnt \\-p /tmp/report\nosconf check \\-\\-image disk.raw\n.EE\n.RE',
  ...pp('Then boot the finished disk under qemu (never changing it) and prove from outside that it configures itself from os.conf (exit 1 when any item FAILED):'),
  '.RS\n.EX\nosconf test\\-image disk.raw \\-\\-network both \\-p /tmp/report\n.EE\n.RE',
  ...pp('After a boot: what the last apply did, and whether its deferred check passed:'),
  '.RS\n.EX\nosconf status\n.EE\n.RE',
  '.SH SEE ALSO',
  'osconf.conf(5), cloud-init(1), systemd.network(5), netplan(5), nm-settings-keyfile(5), interfaces(5), shadow(5)',
  '.PP',
  '/usr/share/doc/osconf/: README.md, operators.md, image-builders.md, design.md.',
  '',
];

const osconfConf5 = [
  ...header('OSCONF.CONF', 5, 'File Formats'),
  '.SH NAME',
  'osconf.conf \\- configuration file of osconf',
  '.SH SYNOPSIS',
  `.I ${esc(t.OSCONF_CONF)}`,
  '.SH DESCRIPTION',
  para("osconf's own settings, in ini syntax: [section] headers and key = value lines; lines starting with ; or # are comments. The file and every setting are optional. A problem (an unknown section or key, a bad value, a key outside any section) never stops a boot: that setting keeps its default and osconf logs a warning with the line. osconf show --config FILE prints the effective settings and every problem (exit 3 when any)."),
  ...Object.entries(t.SETTINGS_KEYS).flatMap(([section, keys]) => [`.SH [${section.toUpperCase() === section ? section : section}]`, ...(section === 'source' ? [para('Where aliyun_custom_image/ lives. Default: partition 1 of the disk that holds /, found through /proc/self/mountinfo and /sys/dev/block (through LVM and device-mapper). Set at most one key.')] : []), ...keys.flatMap((k) => ['.TP', `\\fB${esc(k)}\\fR = \\fIvalue\\fR`, para(settingText[section][k])])]),
  '.SH PROFILES',
  ...Object.entries(t.PROFILES).flatMap(([id, p]) => tp(`\\fB${esc(id)}\\fR`, p.description)),
  '.SH EXAMPLE',
  '.EX',
  esc(example.trim()),
  '.EE',
  '.SH SEE ALSO',
  'osconf(8)',
  '',
];

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'osconf.8'), osconf8.join('\n'));
writeFileSync(join(outDir, 'osconf.conf.5'), osconfConf5.join('\n'));
