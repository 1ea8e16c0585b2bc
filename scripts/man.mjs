// Generates osconf(8) from the program's own --help texts, so the man page and --help never disagree.
// Usage: node scripts/man.mjs > osconf.8   (needs dist/osconf)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const bin = new URL('../dist/osconf', import.meta.url).pathname;
const help = (...args) => execFileSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8', env: { COLUMNS: '78' } });
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// roff: escape backslashes, and lines starting with . or ' would be requests.
const roff = (text) =>
  text
    .replace(/\\/g, '\\e')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');

const main = help();
const commands = [...main.matchAll(/^ {2}(\w[\w-]*) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
const out = [
  `.TH OSCONF 8 "" "osconf ${pkg.version}" "System Administration"`,
  '.SH NAME',
  'osconf \\- apply Alibaba Cloud Customized Linux instance settings from aliyun_custom_image/os.conf',
  '.SH SYNOPSIS',
  ...commands.map((c) => `.B osconf ${c}\n.RI [ options ]\n.br`),
  '.SH DESCRIPTION',
  '.nf',
  roff(main.trim()),
  '.fi',
  '.SH COMMANDS',
  ...commands.flatMap((c) => [`.SS ${c}`, '.nf', roff(help(c).trim()), '.fi']),
  '.SH EXIT STATUS',
  '0 done or nothing to do; 1 operational failure; 2 usage error; 3 os.conf rejected as invalid.',
  '.SH FILES',
  '.TP\n.I aliyun_custom_image/os.conf\non the first partition of the system disk: the settings the platform writes.',
  '.TP\n.I /etc/osconf/osconf.conf\nosconf\'s configuration (ini): [main] mode, [source], [network], [apply].',
  '.TP\n.I /etc/osconf/disabled\nwhen present, osconf does nothing at boot (also: osconf=disabled on the kernel command line).',
  '.TP\n.I /var/lib/osconf/state.json\nthe result of the last apply and of its deferred check (osconf verify), shown by osconf status.',
  '.TP\n.I /var/lib/osconf/last-run.json\nhow the last apply run ended (with os.conf or without) and on which boot, shown by osconf status.',
  '.TP\n.I /run/osconf/instance-data.json\nwhat the last apply configured, without secrets (a copy stays in /var/lib/osconf/), read by osconf query.',
  '.TP\n.I /run/osconf/verify-pending\npresent while the last apply waits for osconf verify (what starts osconf-verify.service).',
  '.TP\n.I /var/lib/osconf/backup/\nthe originals of the files osconf replaced, kept once.',
  '.TP\n.I /var/log/osconf.log\nthe log of boot-time runs (mode 0600, bounded in size).',
  '.SH SEE ALSO',
  'cloud-init(1), systemd.network(5), nm-settings-keyfile(5), interfaces(5), netplan(5)',
  '',
];
process.stdout.write(out.join('\n'));
