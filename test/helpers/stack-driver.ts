// The in-sandbox half of the real-tool property test (stacks-property.test.ts). Compiled to one standalone
// ES module (it imports only Node's own modules) and run by the Debian tools root's Node.js 18, chrooted,
// inside a NetSandbox: for one stack, it loops over many cases in one sandbox, so each case costs a stack
// run, not a fresh namespace and daemon. Per case: the case's files go into /etc, veth NICs with the case's
// MACs are created (their peers, up, in the sandbox's peer namespace, bound at /run/netns/peer), the stack
// applies the files, the driver polls until the live state equals the expectation (or a deadline), prints what
// it saw as one `@@case {json}` line, and takes everything down again.
//
//   node stack-driver.js STACK CASES.json
//
// STACK: networkd | netplan | eni | network-manager | iproute2. The test, outside, decides pass or fail; the
// expectation here only tells the driver when to stop waiting.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DriverFile {
  path: string;
  content: string;
  mode: number;
}

export interface Observed {
  /** `ADDRESS/PREFIX` per NIC (IPv4, loopback left out). */
  addresses: Record<string, string[]>;
  /** `DEST/PREFIX via GW dev NIC` for every gatewayed IPv4 route in the main table, the default one as 0.0.0.0/0, sorted. */
  routes: string[];
  /** The name servers the stack reports, in order, or null where the stack reports none (iproute2). */
  nameservers: string[] | null;
}

export interface DriverCase {
  index: number;
  nics: Array<{ name: string; mac: string }>;
  files: DriverFile[];
  /** iproute2 only: the activation commands osconf runs (src/plan/activation.ts). */
  commands?: string[][];
  expect: Observed;
}

export interface DriverResult {
  index: number;
  observed: Observed;
  /** Whatever the stack said that a human needs to see on failure: failed commands, log lines, profiles. */
  notes: string[];
  /** NetworkManager: the profile active on each NIC. */
  active?: Record<string, string>;
  timedOut: boolean;
  ms: number;
  /** Milliseconds to each phase's end, from the case's start: files and NICs, applied, settled, taken down. */
  phases: Record<'setup' | 'applied' | 'settled' | 'down', number>;
}

// Generous: on a loaded machine a stack can take seconds; a case that never gets there costs this once (below).
const DEADLINE_MS = Number(process.env.DRIVER_DEADLINE_MS ?? 60_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(argv: string[], notes?: string[], input?: string): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    notes?.push(`\`${argv.join(' ')}\`${input ? ` <<< ${JSON.stringify(input)}` : ''} exited ${err.status}: ${(err.stderr ?? '').trim() || (err.stdout ?? '').trim()}`);
    return err.stdout ?? '';
  }
}

/** Runs `ip` commands (argv without the leading `ip`) in one process: `ip -batch`, every line run (-force). */
function ipBatch(commands: string[][], notes?: string[], inPeer = false): void {
  if (commands.length === 0) return;
  const argv = ['ip', '-force', '-batch', '-'];
  // The sandbox's own peer namespace, bound into this chroot by NetSandbox.runInRoot (`ip -n` cannot: it
  // remounts / in the chroot). Nothing outside the sandbox is reachable from here.
  sh(inPeer ? ['nsenter', '--net=/run/netns/peer', ...argv] : argv, notes, commands.map((c) => `${c.join(' ')}\n`).join(''));
}

/** Addresses and routes in one `ip` run (a poll costs one process: they are the slow part in a sandbox). */
function observeIp(): Omit<Observed, 'nameservers'> {
  const [addrJson, routeJson] = sh(['ip', '-4', '-j', '-batch', '-'], undefined, 'addr show\nroute show\n').trim().split('\n');
  const addrs = JSON.parse(addrJson || '[]') as Array<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }>;
  const routes = JSON.parse(routeJson || '[]') as Array<{ dst: string; gateway?: string; dev: string }>;
  return {
    addresses: Object.fromEntries(
      addrs.filter((a) => a.ifname !== 'lo').map((a) => [a.ifname, a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`)]),
    ),
    routes: routes
      .filter((r) => r.gateway)
      .map((r) => `${r.dst === 'default' ? '0.0.0.0/0' : r.dst.includes('/') ? r.dst : `${r.dst}/32`} via ${r.gateway} dev ${r.dev}`)
      .sort(),
  };
}

const resolvConfServers = (path: string): string[] =>
  existsSync(path) ? [...readFileSync(path, 'utf8').matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!) : [];

/** The DNS= servers networkd's state files report for the case's NICs (/run/systemd/netif/links/IFINDEX). */
function networkdServers(c: DriverCase): string[] {
  return c.nics.flatMap((n) => {
    const index = readFileSync(`/sys/class/net/${n.name}/ifindex`, 'utf8').trim();
    const path = `/run/systemd/netif/links/${index}`;
    if (!existsSync(path)) return [];
    return (/^DNS=(.*)$/m.exec(readFileSync(path, 'utf8'))?.[1] ?? '').split(/\s+/).filter(Boolean);
  });
}

/** One stack: how it starts, applies a case's files, reports name servers and is taken down. */
interface Stack {
  start(): Promise<void>;
  apply(c: DriverCase, notes: string[]): Promise<void>;
  nameservers(c: DriverCase): string[] | null;
  teardown(c: DriverCase, notes: string[]): Promise<void>;
  stop(): Promise<void>;
  extra?(c: DriverCase, notes: string[], final: boolean): Record<string, string>;
}

class Networkd implements Stack {
  private daemon: ChildProcess | null = null;
  constructor(private readonly netplan: boolean) {}
  async start() {}
  async apply(c: DriverCase, notes: string[]) {
    if (this.netplan) {
      rmSync('/run/systemd/network', { recursive: true, force: true });
      sh(['netplan', 'generate'], notes);
      // netplan matches PermanentMACAddress=; veth devices have no permanent address, real NICs do.
      for (const f of existsSync('/run/systemd/network') ? readdirSync('/run/systemd/network') : []) {
        if (!f.endsWith('.network')) continue;
        const path = `/run/systemd/network/${f}`;
        writeFileSync(path, readFileSync(path, 'utf8').replace(/^PermanentMACAddress=/gm, 'MACAddress='));
      }
    }
    rmSync('/run/systemd/netif', { recursive: true, force: true });
    mkdirSync('/run/systemd/netif', { recursive: true });
    sh(['chown', 'systemd-network:', '/run/systemd/netif']);
    // Its log on stderr (no journal here), for the failure message.
    this.daemon = spawn('/lib/systemd/systemd-networkd', [], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SYSTEMD_LOG_TARGET: 'console' } });
    let log = '';
    this.daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    this.daemon.on('exit', () => {
      for (const line of log.split('\n')) if (/fail|invalid|error|ignor/i.test(line)) notes.push(`networkd: ${line}`);
    });
    void c;
  }
  nameservers(c: DriverCase) {
    return networkdServers(c);
  }
  async teardown() {
    if (this.daemon && this.daemon.exitCode === null) {
      const exited = new Promise((r) => this.daemon!.once('exit', r));
      this.daemon.kill('SIGTERM');
      await exited;
    }
    this.daemon = null;
  }
  async stop() {}
}

class Ifupdown implements Stack {
  async start() {
    mkdirSync('/run/network', { recursive: true });
  }
  async apply(_c: DriverCase, notes: string[]) {
    sh(['ifup', '-a'], notes);
  }
  nameservers() {
    // Without resolvconf, ifupdown leaves name servers to the plain /etc/resolv.conf osconf writes.
    return resolvConfServers('/etc/resolv.conf');
  }
  async teardown() {
    // No ifdown: deleting the NICs takes their addresses and routes; ifup must only forget it configured them.
    for (const f of readdirSync('/run/network')) if (/^ifstate\.eth/.test(f)) rmSync(`/run/network/${f}`, { force: true });
  }
  async stop() {}
}

class NetworkManager implements Stack {
  private daemon: ChildProcess | null = null;
  private log = '';
  private logFrom = 0;
  async start() {
    mkdirSync('/run/dbus', { recursive: true });
    sh(['dbus-daemon', '--system', '--fork']);
    this.daemon = spawn('NetworkManager', ['--no-daemon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [this.daemon.stdout!, this.daemon.stderr!]) s.on('data', (d: Buffer) => (this.log += d.toString()));
    for (let i = 0; i < 100 && !/running/.test(sh(['nmcli', '-t', '-f', 'RUNNING', 'general'])); i++) await sleep(100);
  }
  async apply(_c: DriverCase, notes: string[]) {
    this.logFrom = this.log.length;
    // conf.d (global DNS) is read at start and on `general reload`; profiles on `connection reload`.
    sh(['nmcli', 'general', 'reload'], notes);
    sh(['nmcli', 'connection', 'reload'], notes);
  }
  nameservers() {
    return resolvConfServers('/run/NetworkManager/resolv.conf');
  }
  extra(c: DriverCase, notes: string[], final: boolean) {
    const byDevice = new Map(
      sh(['nmcli', '-t', '-f', 'DEVICE,CONNECTION', 'device'])
        .split('\n')
        .map((l) => l.split(':') as [string, string]),
    );
    const active = Object.fromEntries(c.nics.map((n) => [n.name, byDevice.get(n.name) ?? '']));
    if (final) {
      for (const line of this.log.slice(this.logFrom).split('\n')) if (/invalid connection|<warn>|<error>/i.test(line)) notes.push(`NetworkManager: ${line}`);
    }
    return active;
  }
  async teardown() {
    // Deleting the NICs (after the files are gone, below) takes their activations with them.
  }
  async stop() {
    if (this.daemon && this.daemon.exitCode === null) {
      const exited = new Promise((r) => this.daemon!.once('exit', r));
      this.daemon.kill('SIGTERM');
      await exited;
    }
  }
}

class Iproute2 implements Stack {
  async start() {}
  async apply(c: DriverCase, notes: string[]) {
    // osconf runs these one by one; one `ip -batch` sends the same requests in the same order, in one process.
    const commands = c.commands ?? [];
    if (commands.some((argv) => argv[0] !== 'ip')) throw new Error(`not an ip command: ${JSON.stringify(commands)}`);
    ipBatch(commands.map((argv) => argv.slice(1)), notes);
  }
  nameservers() {
    return null;
  }
  async teardown() {}
  async stop() {}
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

async function main(): Promise<void> {
  const [stackName, casesPath] = process.argv.slice(2);
  const stacks: Record<string, () => Stack> = {
    networkd: () => new Networkd(false),
    netplan: () => new Networkd(true),
    eni: () => new Ifupdown(),
    'network-manager': () => new NetworkManager(),
    iproute2: () => new Iproute2(),
  };
  if (!stackName || !stacks[stackName] || !casesPath) throw new Error('usage: stack-driver STACK CASES.json');
  const stack = stacks[stackName]!();
  const cases = JSON.parse(readFileSync(casesPath, 'utf8')) as DriverCase[];
  const backups = new Map<string, { content: Buffer; mode: number } | null>();
  await stack.start();
  for (const c of cases) {
    const started = Date.now();
    const notes: string[] = [];
    for (const f of c.files) {
      if (!backups.has(f.path)) backups.set(f.path, existsSync(f.path) ? { content: readFileSync(f.path), mode: statSync(f.path).mode & 0o7777 } : null);
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content);
      chmodSync(f.path, f.mode);
    }
    // NetworkManager reads the profiles before the NICs appear, so it never makes its own DHCP profile for them.
    if (stackName === 'network-manager') await stack.apply(c, notes);
    ipBatch(c.nics.map((n, i) => ['link', 'add', n.name, 'address', n.mac, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', 'peer']), notes);
    // `ip -n` remounts /sys, which a chroot cannot; nsenter only enters the namespace.
    ipBatch(c.nics.map((_, i) => ['link', 'set', `p${i}`, 'up']), notes, true);
    const setup = Date.now() - started;
    if (stackName !== 'network-manager') await stack.apply(c, notes);
    const applied = Date.now() - started;
    let observed: Observed;
    let active: Record<string, string> | undefined;
    let timedOut = false;
    let polls = 0;
    for (;;) {
      observed = { ...observeIp(), nameservers: stack.nameservers(c) };
      // The stack's own report (nmcli, a slow process) only once the cheap one matches.
      active = same(observed, c.expect) ? stack.extra?.(c, notes, false) : undefined;
      const settled = same(observed, c.expect) && (!stack.extra || c.nics.every((n) => active![n.name] === `osconf ${n.name}`));
      if (settled) break;
      if (Date.now() - started - applied > DEADLINE_MS) {
        timedOut = true;
        break;
      }
      // Backing off: each poll is a process, and processes are what a loaded sandbox is slow at.
      await sleep(Math.min(50 * 2 ** polls++, 400));
    }
    const settled = Date.now() - started;
    if (stack.extra) active = stack.extra(c, notes, true);
    await stack.teardown(c, notes);
    for (const f of c.files) {
      const b = backups.get(f.path);
      if (b) {
        writeFileSync(f.path, b.content);
        chmodSync(f.path, b.mode);
      } else rmSync(f.path, { force: true });
    }
    // NetworkManager drops the removed profiles at the next case's reload; their MACs match no NIC until then.
    ipBatch(c.nics.map((n) => ['link', 'del', n.name]), notes);
    const down = Date.now() - started;
    const result: DriverResult = { index: c.index, observed, notes, active, timedOut, ms: down, phases: { setup, applied, settled, down } };
    process.stdout.write(`@@case ${JSON.stringify(result)}\n`);
    // The first case that never reached its state is the finding; the rest of the batch would only repeat it slowly.
    if (timedOut && process.env.DRIVER_KEEP_GOING !== '1') break;
  }
  await stack.stop();
}

main().catch((e) => {
  process.stderr.write(`stack-driver: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
