// A plan is data: the files to write or remove and the commands to run, per concern. Planners (apply's and
// prepare's) return it; only the executor (apply/execute.ts) performs it, and --dry-run prints it (redacted).
import { createTwoFilesPatch } from 'diff';
import type { Concern } from '../config/model.js';

export type Action =
  | {
      kind: 'write';
      path: string;
      content: string;
      /** Mode for a new file; an existing file keeps its own mode and owner. */
      mode: number;
      before: string | null;
      /** Content that must not be printed: true (it holds a password hash) or why. */
      sensitive?: boolean | string;
    }
  /** `before`: the content to back up first (apply); prepare removes without a backup. */
  | { kind: 'remove'; path: string; before?: string; purpose?: string }
  /** Move a file of others where its stack no longer reads it; `to` keeps it (the first time) as the backup. */
  | { kind: 'move'; path: string; to: string; before: string; purpose: string }
  | { kind: 'remove-dir'; path: string; purpose: string }
  /** Truncate to nothing, keeping owner and mode (logs, machine-id). */
  | { kind: 'empty'; path: string; purpose: string }
  | { kind: 'mkdir'; path: string; purpose: string }
  | { kind: 'symlink'; path: string; target: string; purpose: string }
  /**
   * The running (kernel) host name, set as sethostname(2) does through /proc/sys/kernel/hostname (proc(5)),
   * with no child process and no D-Bus; `fallback` (hostname(1)) where the kernel refuses the write.
   */
  | { kind: 'set-hostname'; hostname: string; purpose: string; fallback: string[] }
  | {
      kind: 'exec';
      argv: string[];
      purpose: string;
      allowFailure?: boolean;
      /** Run instead when argv fails or cannot run (hostnamectl early at boot, before D-Bus). */
      fallback?: string[];
      /** How long the command may run, in milliseconds (default: the Host's bound for every command). */
      timeoutMs?: number;
    };

export interface NicExpectation {
  name: string;
  cidr: string;
}

/** What the running system must show after the network is brought up. */
export interface NetworkExpectation {
  addresses: NicExpectation[];
  /** `DEST via GW dev NIC`, DEST `0.0.0.0/0` for the default route. */
  routes: string[];
}

/** Where the resolver in charge reports its name servers: `resolvectl dns`, or resolv.conf read through the Host. */
export type NameserverSource = 'resolved' | 'resolv.conf';

/** What the resolver in charge must report once the name servers are applied. */
export interface DnsExpectation {
  nameservers: string[];
  source: NameserverSource;
}

/** What the running system must answer once the host name is applied. */
export interface HostnameExpectation {
  /** The running host name (`hostname`, the kernel's). */
  hostname: string;
  /** The names whose first answer from `getent ahosts` (getaddrinfo) must be `address`: the name and its first label. */
  names: string[];
  address: string;
}

/** What verify (apply/verify.ts) checks on the running system after a concern was applied. */
export type Expectation = ({ kind: 'network' } & NetworkExpectation) | ({ kind: 'dns' } & DnsExpectation) | ({ kind: 'hostname' } & HostnameExpectation);

export type ConcernState = 'change' | 'unchanged' | 'refused' | 'not-set' | 'failed';

export interface ConcernPlan {
  concern: Concern;
  state: ConcernState;
  /** Why it is refused, failed or unchanged; notes for the log. */
  reason?: string;
  actions: Action[];
  verify?: Expectation;
  /** What the operator must know (configuration of others neutralised): logged as warnings, kept in the state. */
  warnings?: string[];
  /**
   * Bringing it up is left to a stack (or resolver) that starts after osconf (boot): nothing of it can be seen
   * live yet. `verify` then holds what the deferred verify step (`osconf verify`) checks once it is up.
   */
  deferred?: boolean;
}

export interface ApplyPlan {
  profile: string;
  stack: string | null;
  concerns: ConcernPlan[];
  notes: string[];
  /** Actions every concern depends on (cloud-init mode's seed scaffolding), done first. */
  preamble?: Action[];
}

function describeAction(a: Action): string {
  if (a.kind === 'exec') return `$ ${a.argv.join(' ')}${a.fallback ? ` || ${a.fallback.join(' ')}` : ''}    # ${a.purpose}`;
  if (a.kind === 'remove') return `remove ${a.path}`;
  if (a.kind === 'remove-dir') return `remove ${a.path}/`;
  if (a.kind === 'move') return `move ${a.path} to ${a.to}    # ${a.purpose}`;
  if (a.kind === 'empty') return `empty ${a.path}`;
  if (a.kind === 'mkdir') return `create ${a.path}/`;
  if (a.kind === 'symlink') return `link ${a.path} -> ${a.target}`;
  if (a.kind === 'set-hostname') return `set the kernel's host name to ${a.hostname} (/proc/sys/kernel/hostname)    # ${a.purpose}`;
  if (a.sensitive) return `write ${a.path} (content withheld: ${a.sensitive === true ? 'it holds a password hash' : a.sensitive})`;
  return createTwoFilesPatch(a.before === null ? '/dev/null' : `a${a.path}`, `b${a.path}`, a.before ?? '', a.content, '', '', { context: 3 })
    .replace(/^=+\n/, '')
    .replace(/\t$/gm, '')
    .trimEnd();
}

/**
 * The plan as JSON (`apply --dry-run --json`): the plan's own shape, with every write's `before` dropped (it
 * is the system's, not osconf's) and the content of sensitive writes replaced by `withheld: REASON`.
 */
export function planJson(plan: ApplyPlan): Record<string, unknown> {
  const action = (a: Action): Record<string, unknown> => {
    if (a.kind !== 'write') return { ...a, ...('before' in a ? { before: undefined } : {}) };
    const { before: _before, sensitive, content, ...rest } = a;
    return sensitive ? { ...rest, withheld: sensitive === true ? 'it holds a password hash' : sensitive } : { ...rest, content };
  };
  return {
    dryRun: true,
    profile: plan.profile,
    stack: plan.stack,
    notes: plan.notes,
    ...(plan.preamble?.length ? { preamble: plan.preamble.map(action) } : {}),
    concerns: plan.concerns.map((c) => ({ ...c, actions: c.actions.map(action) })),
  };
}

/** The plan as a reviewer reads it: unified diffs and commands, with sensitive content withheld. */
export function describePlan(plan: ApplyPlan): string {
  const out: string[] = [`# profile ${plan.profile}, stack ${plan.stack ?? 'none'}`];
  for (const note of plan.notes) out.push(`# note: ${note}`);
  if (plan.preamble?.length) out.push('', '## prepare', ...plan.preamble.map(describeAction));
  for (const c of plan.concerns) {
    out.push('', `## ${c.concern}: ${c.state}${c.reason ? ` (${c.reason})` : ''}`, ...(c.warnings ?? []).map((w) => `# warning: ${w}`), ...c.actions.map(describeAction));
  }
  return `${out.join('\n')}\n`;
}
