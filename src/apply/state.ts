// /var/lib/osconf/state.json: what the last apply did, for `osconf status` and for operators. Never holds the
// password or its hash: only results, file names and the os.conf digest.
import type { Concern } from '../config/model.js';
import type { Host } from '../host/host.js';
import type { Expectation } from '../plan/actions.js';
import type { ConcernOutcome, ExtraOutcome } from './execute.js';
import type { StepRecord } from './steps.js';

export const STATE_FILE = '/var/lib/osconf/state.json';

export interface ApplyState {
  version: string;
  time: string;
  /** Where os.conf was read. */
  source: string | null;
  sha256: string | null;
  /** What happened to os.conf: removed, kept (to retry), rejected (renamed), absent. */
  osConf: 'removed' | 'kept' | 'rejected' | 'absent' | 'left in place (--conf)' | 'kept until verified';
  exitCode: number;
  profile: string | null;
  /** standalone: osconf configured the instance; cloud-init: it handed a NoCloud seed to cloud-init. */
  mode?: 'standalone' | 'cloud-init';
  concerns: ConcernOutcome[];
  extras?: ExtraOutcome[];
  errors: Array<{ line: number | null; key: string | null; message: string }>;
  /** The apply's steps up to the record, in order, with how each ended and its duration. */
  steps?: StepRecord[];
  /** What the apply left to a stack that starts after it (boot), for the deferred verify step; absent once verified. */
  pending?: PendingVerify;
  /** What the deferred verify step (`osconf verify`) found, once it ran. */
  verify?: VerifyRecord;
}

/** The apply's deferred concerns: what the running system must show once the stack is up, and which os.conf. */
export interface PendingVerify {
  concerns: Array<{
    concern: Concern;
    /** How the apply ended for it before the check: applied (files changed) or unchanged. */
    result: 'applied' | 'unchanged';
    /** Who brings it up (`systemd-networkd.service applies them when it starts`). */
    via: string;
    expect: Expectation;
  }>;
  /**
   * The os.conf the apply read, so that the verify step removes the same file unchanged: `path` as the apply
   * saw it (a private mount point means nothing later: the step locates the partition again), `explicit` for
   * --conf (never removed), its SHA-256 and size in bytes.
   */
  osConf: { path: string; explicit: boolean; sha256: string; size: number };
}

/** One concern's check by the deferred verify step: expected and seen as readable items, and what is missing. */
export interface VerifyCheck {
  concern: Concern;
  result: 'applied' | 'failed';
  expected: string[];
  seen: string[];
  missing: string[];
}

export interface VerifyRecord {
  time: string;
  result: 'passed' | 'failed';
  checks: VerifyCheck[];
  /** How long it waited for the running system, in milliseconds. */
  durationMs: number;
  /** Why os.conf stayed although the check passed (a new os.conf on the partition). */
  note?: string;
}

export async function writeState(host: Host, state: ApplyState): Promise<void> {
  await host.mkdir('/var/lib/osconf', 0o755);
  await host.write(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
}

export async function readState(host: Host): Promise<ApplyState | null> {
  const text = await host.read(STATE_FILE);
  return text === null ? null : (JSON.parse(text) as ApplyState);
}
