// The tests' door to scripts/sandbox.sh, the one helper that makes and enters sandboxes: every command a test
// runs as an instance (osconf, a network stack, a chroot into a tools root) gets fresh mount, UTS and network
// namespaces from it, so nothing it does can reach this machine's host name, mounts or network.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { run, type RunResult } from './run.js';

export const sandboxScript = join(repoRoot, 'scripts', 'sandbox.sh');

export interface SandboxNic {
  name: string;
  mac: string;
}

/** Where a sandboxed command's network comes from: a namespace made by `NetworkNamespace`, or a new empty one. */
export type SandboxNetwork = { netns: string } | 'none';

/**
 * A network namespace with veth NICs named and addressed like os.conf's; their peers sit in a second
 * namespace, so nothing else answers there. `prefix` names the namespaces (`osconf-t-1a2b3c4d`, `…-peer`).
 */
export class NetworkNamespace {
  readonly name: string;

  private constructor(prefix: string) {
    this.name = `${prefix}-${randomBytes(4).toString('hex')}`;
  }

  static create(prefix: string, nics: SandboxNic[]): NetworkNamespace {
    const ns = new NetworkNamespace(prefix);
    execFileSync('bash', [sandboxScript, 'net-add', ns.name, ...nics.map((n) => `${n.name}=${n.mac}`)], { stdio: 'pipe' });
    return ns;
  }

  /** `ip -j ARGS` inside the namespace, parsed. */
  ipJson<T>(...args: string[]): T {
    return JSON.parse(execFileSync('ip', ['-n', this.name, '-j', ...args]).toString()) as T;
  }

  /** `10.0.0.5/24` per NIC name (loopback left out), IPv4 only. */
  ipv4ByNic(): Record<string, string[]> {
    const addrs = this.ipJson<Array<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }>>('addr', 'show');
    return Object.fromEntries(
      addrs
        .filter((a) => a.ifname !== 'lo')
        .map((a) => [a.ifname, a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`)]),
    );
  }

  /** `DEST via GW dev NIC` for every gatewayed IPv4 route, sorted; the default route as 0.0.0.0/0. */
  gatewayRoutes(): string[] {
    return this.ipJson<Array<{ dst: string; gateway?: string; dev: string }>>('-4', 'route', 'show')
      .filter((r) => r.gateway)
      .map((r) => `${r.dst === 'default' ? '0.0.0.0/0' : r.dst} via ${r.gateway} dev ${r.dev}`)
      .sort();
  }

  destroy(): void {
    execFileSync('bash', [sandboxScript, 'net-del', this.name], { stdio: 'pipe' });
  }
}

/** argv that runs `command args` inside fresh mount and UTS namespaces and the given network. */
export function sandboxArgv(network: SandboxNetwork, command: string, args: string[]): [string, string[]] {
  const net = network === 'none' ? ['--no-network'] : ['--netns', network.netns];
  return ['bash', [sandboxScript, 'run', ...net, '--', command, ...args]];
}

/** Runs `command args` in a sandbox (see `sandboxArgv`) and collects its result. */
export function runInSandbox(
  network: SandboxNetwork,
  command: string,
  args: string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  const [cmd, argv] = sandboxArgv(network, command, args);
  return run(cmd, argv, options);
}
