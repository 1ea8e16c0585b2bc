// Entry point: argv → subcommand; every error → one line on stderr and an exit code. The only process.exit.
import { Command, CommanderError, Option } from 'commander';
// Subcommands load their modules when they run (dynamic import): `--version` and `--help` load none.
import { DATASOURCE_FORMATS } from './cli/datasource-formats.js';
import { errorCode, ExitCode, OsconfError } from './errors.js';
import { flushLogs, setJsonLogs, setLogLevel, type LogLevel } from './log-settings.js';
import { VERSION } from './version.js';

const write = (text: string): void => {
  process.stdout.write(text);
};

// A reader that goes away (`osconf apply 2>&1 | head -1`) must not end a run half done (the partition left
// mounted, os.conf half applied): output to a closed pipe is dropped, the log file and syslog still get every
// line, and the exit code stays the run's own.
function dropOutputToClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
}

/** One line for a system error that escaped the typed errors: permission problems say what to do. */
function systemErrorLine(e: unknown): string | null {
  const code = errorCode(e);
  if (code !== 'EACCES' && code !== 'EPERM') return null;
  const path = typeof e === 'object' && e !== null && 'path' in e && typeof e.path === 'string' ? `${e.path}: ` : '';
  return `${path}permission denied; run osconf as root`;
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('osconf')
    .description(
      'First-boot configuration for Alibaba Cloud ECS "Customized Linux" images: reads aliyun_custom_image/os.conf ' +
        "from the system disk's first partition (never executing it) and applies it with the distribution's own tools.",
    )
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--debug', 'print stack traces and debug logs'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']).default('info'))
    .addOption(new Option('--log-json', 'log lines as JSON objects with structured fields (step, state, ...)'))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done or nothing to do, 1 operational failure, 2 usage error, 3 os.conf rejected as invalid.',
    )
    .hook('preAction', (cmd) => {
      const opts = cmd.opts<{ debug?: boolean; logLevel: LogLevel; logJson?: boolean }>();
      setLogLevel(opts.debug ? 'debug' : opts.logLevel);
      if (opts.logJson) setJsonLogs(true);
    });

  program
    .command('apply')
    .description('apply os.conf to this system (or a sandbox root): password, network, host name, DNS; then remove it')
    .option('--conf <file>', 'apply this os.conf instead of locating the first partition (it is not removed)')
    .option('--root <dir>', 'apply into an offline root (image builders, tests): files only, nothing is run')
    .option('--config <file>', `osconf's own configuration (default ${'/etc/osconf/osconf.conf'})`)
    .option('--stack <name>', 'use this network stack instead of detecting it')
    .option('--dry-run', 'print the plan as unified diffs and commands; change nothing')
    .option('--json', 'print the result as JSON')
    .option('--lock-wait <seconds>', 'how long to wait for another apply to finish (default 60)')
    .addHelpText(
      'after',
      '\nos.conf is removed only after every concern it sets succeeded; a rejected os.conf (exit 3) is renamed to\n' +
        'os.conf.rejected; after a failure (exit 1) it stays so the next boot retries. Without os.conf: exit 0.',
    )
    .action(async (opts) => setExit(await (await import('./cli/apply.js')).runApply(opts, write)));

  program
    .command('verify')
    .description("check what the last apply left to a network stack that starts after it (boot), then remove os.conf")
    .option('--config <file>', `osconf's own configuration (default ${'/etc/osconf/osconf.conf'})`)
    .option('--json', 'print the result as JSON')
    .option('--timeout <seconds>', 'how long to wait for the running system to match (default 60)')
    .option('--lock-wait <seconds>', 'how long to wait for an apply to finish (default 60)')
    .addHelpText(
      'after',
      '\nRun at boot by osconf-verify.service (or the osconf-verify init script) once the stack is up. Exit 0 when\n' +
        'nothing is pending or everything shows live (os.conf is then removed); 1 when something is missing (os.conf\n' +
        'stays; `osconf status` says what).',
    )
    .action(async (opts) => setExit(await (await import('./cli/verify.js')).runVerify(opts, write)));

  program
    .command('status')
    .description('show whether osconf is disabled, running, or how its last run ended, and what it applied')
    .option('--root <dir>', 'read the state of an offline root')
    .option('-w, --wait', 'wait while an apply or the deferred verify runs, then report')
    .option('-l, --long', 'add the boot id, the last run, each step with its duration, and every check')
    .addOption(new Option('--format <format>', 'output format').choices(['tabular', 'json', 'yaml']))
    .option('--json', 'the same as --format json')
    .addHelpText(
      'after',
      '\nExit codes (as cloud-init status): 0 done, nothing to do, not run, running or disabled; 1 failed; 2 degraded\n' +
        '(done, but os.conf had errors that refused a concern, or warnings, or the deferred check never ran).\n' +
        'The JSON and YAML forms have the same keys in every state (schema 1, docs/operators.md).',
    )
    .action(async (opts: { root?: string; json?: boolean; format?: string; long?: boolean; wait?: boolean }) =>
      setExit(await (await import('./cli/status.js')).runStatus(opts, write)),
    );

  program
    .command('query')
    .description('print what the last apply configured (instance data, no secrets), as cloud-init query does')
    .argument('[key]', 'a key, dotted for nested ones: local_hostname, addresses, routes, name_servers, network_type, stack, v1.instance_id')
    .option('--root <dir>', 'read the instance data of an offline root')
    .option('--list-keys', 'list the keys (of KEY, when given)')
    .option('-a, --all', 'print all the instance data')
    .addHelpText('after', '\nReads /run/osconf/instance-data.json (the copy in /var/lib/osconf/ when /run has none). Exit 1 for an unknown key.')
    .action(async (key: string | undefined, opts: { root?: string; listKeys?: boolean; all?: boolean }) =>
      setExit(await (await import('./cli/query.js')).runQuery(key, opts, write)),
    );

  program
    .command('show')
    .description("validate os.conf and print the instance settings it describes (password redacted); or check osconf's own configuration")
    .option('--conf <file>', 'the os.conf file to read')
    .option('--config <file>', "check osconf's own configuration file (osconf.conf): effective settings and every problem with its line")
    .option('--json', 'print the model as JSON (a stable contract, see README)')
    .addHelpText('after', '\nExit code 3 when os.conf has errors (every error names its line and key) or osconf.conf has problems\n(each names its line; at boot each is a warning and that setting keeps its default).')
    .action(async (opts: { conf?: string; config?: string; json?: boolean }) => setExit(await (await import('./cli/show.js')).runShow(opts, write)));

  program
    .command('datasource')
    .description("print os.conf in cloud-init's formats, or write a NoCloud seed directory")
    .requiredOption('--conf <file>', 'the os.conf file to read')
    .addOption(new Option('--format <format>', 'the view to print').choices([...DATASOURCE_FORMATS]))
    .option('--nocloud-dir <dir>', 'write meta-data, user-data (mode 0600) and network-config into this directory')
    .option('--instance-id <id>', 'use this instance-id instead of the DMI product UUID or the MAC addresses')
    .addHelpText(
      'after',
      '\nThe instance-id is osconf-<DMI product UUID> when the firmware provides one, else derived from the NICs\'\n' +
        'MAC addresses, so it stays the same when settings change and differs between instances.\n' +
        'user-data carries the root password only as a SHA-512 crypt hash.',
    )
    .action(async (opts: { conf: string; format?: string; nocloudDir?: string; instanceId?: string }) =>
      setExit(await (await import('./cli/datasource.js')).runDatasource(opts, write)),
    );

  program
    .command('render')
    .description("print the files osconf would write for os.conf on a distribution; touches nothing")
    .requiredOption('--conf <file>', 'the os.conf file to read')
    .option('--stack <name>', 'render for this network stack: sysconfig (rhel), sysconfig-suse, eni, netplan, networkd, network-manager')
    .option('--root <dir>', 'detect the distribution in this root and edit its files in place (default: /)')
    .option('--json', 'print {profile, stack, files:[{path, mode, content}]} as JSON')
    .addHelpText(
      'after',
      '\nWithout --stack the distribution and its network stack are detected in the root (/ by default).\n' +
        'With --stack alone nothing is read: files edited in place (/etc/hosts, resolv.conf) are shown as new.',
    )
    .action(async (opts: { conf: string; stack?: string; root?: string; json?: boolean }) => setExit(await (await import('./cli/render.js')).runRender(opts, write)));

  program
    .command('check')
    .description('check that this system, a root directory or a disk image is ready to import as a Customized Linux image')
    .option('--root <dir>', 'check an offline root directory instead of the running system')
    .option('--image <file>', 'check a raw disk image file (or a block device) without mounting it')
    .option('-p, --path <dir>', 'write image_check_report_DATE_TIME.txt and image_check_report.json here (default: the current directory)')
    .option('--json', 'print the JSON report instead of the summary')
    .addHelpText(
      'after',
      "\nItems: those of the platform guide's compliance tool (image_check) and osconf's own (first partition,\n" +
        'aliyun_custom_image/ without a leftover os.conf, osconf enabled, one network agent, no SSH host keys, sshd\n' +
        'settings, DHCP fallback, a boot loader, no authorized_keys).\n' +
        'Each is OK, FAILED or WARNING with a reason and a fix. Exit code 1 when any item FAILED.',
    )
    .action(async (opts: { root?: string; image?: string; path?: string; json?: boolean }) => setExit(await (await import('./cli/check.js')).runCheck(opts, write)));

  program
    .command('test-image')
    .description('boot a disk image under qemu (never modifying it) and prove from outside that it configures itself from os.conf')
    .argument('<disk>', 'the disk image: raw, qcow2 or vhd')
    .option('--os-conf <file>', 'boot with this os.conf (default: a generated one with a random password)')
    .addOption(new Option('--network <type>', 'the network os.conf describes (generated os.conf)').choices(['classic', 'vpc', 'both']).default('vpc'))
    .addOption(new Option('--accel <accel>', 'qemu accelerator: auto tries KVM and falls back to TCG').choices(['kvm', 'tcg', 'auto']).default('auto'))
    .option('-p, --path <dir>', 'write test_image_report_DATE_TIME.txt, test_image_report.json and serial-N.log here (default: the current directory)')
    .option('--json', 'print the JSON report instead of the summary')
    .option('--timeout <seconds>', 'bound of each boot (default 1800: software emulation takes minutes)')
    .addHelpText(
      'after',
      "\nEach boot: SSH as root with os.conf's password at os.conf's address (a forwarded 127.0.0.1 port), else a root\n" +
        'login on the serial console; host name, addresses by MAC, routes, name servers, osconf status, fresh SSH host\n' +
        'keys, os.conf removed from partition 1. Then a second boot with a changed os.conf (password, host name, address).\n' +
        'Needs qemu-system-x86, qemu-utils, mtools and e2fsprogs. Exit code 1 when any item FAILED, 2 on a usage error.',
    )
    .action(async (disk: string, opts: { osConf?: string; network?: string; accel?: string; path?: string; json?: boolean; timeout?: string }) =>
      setExit(await (await import('./cli/test-image.js')).runTestImage(disk, opts, write)),
    );

  program
    .command('prepare')
    .description("seal an image before capture: remove SSH host keys, authorized_keys, machine id, leases, logs, history, cloud-init's and osconf's state; enable osconf")
    .option('--root <dir>', 'prepare an offline root directory instead of the running system')
    .option('--first-partition <dir>', "where the image's partition 1 is mounted (default on a running system: found like apply finds it)")
    .option('--dry-run', 'list what would be removed, emptied, created or enabled; change nothing')
    .option('--yes', 'really prepare the running system (not needed with --root)')
    .option('--keep-authorized-keys', "keep root's and users' ~/.ssh/authorized_keys and authorized_keys2 (removed by default)")
    .option('--json', 'print the actions as JSON')
    .addHelpText('after', '\nEvery removal is listed. Exit code 1 when something could not be done (it is listed as "not done").')
    .action(async (opts: { root?: string; firstPartition?: string; dryRun?: boolean; yes?: boolean; keepAuthorizedKeys?: boolean; json?: boolean }) =>
      setExit(await (await import('./cli/prepare.js')).runPrepare(opts, write)),
    );

  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  const debug = argv.includes('--debug');
  if (debug) (await import('./source-maps.js')).enableSourceMaps();
  dropOutputToClosedPipes();
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (or the help / version text).
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (e instanceof OsconfError) {
      process.stderr.write(`osconf: ${e.message}\n`);
      if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    process.stderr.write(`osconf: ${systemErrorLine(e) ?? `internal error: ${e instanceof Error ? e.message : String(e)}`}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return ExitCode.failure;
  }
}

main(process.argv).then(
  async (code) => {
    await flushLogs();
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`osconf: internal error: ${String(e)}\n`);
    process.exitCode = ExitCode.failure;
  },
);
