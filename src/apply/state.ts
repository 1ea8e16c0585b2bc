// /var/lib/osconf/state.json: what the last apply did, for `osconf status` and for operators. Never holds the
// password or its hash: only results, file names and a keyed digest of os.conf. Mode 0600: its messages name
// the host's addresses. The digest is an HMAC (RFC 2104) with a per-machine random key kept 0600 beside it, so
// nobody can test password guesses against it, as they could against a plain sha256 of a small file.
import { createHmac, randomBytes } from 'node:crypto';
import type { Concern } from '../config/model.js';
import type { Host } from '../host/host.js';
import { redactRegistered } from '../secret-registry.js';
import type { Expectation } from '../plan/actions.js';
import type { ConcernOutcome, ExtraOutcome } from './execute.js';
import type { AttemptRecord } from './retry.js';
import type { StepRecord } from './steps.js';

export const STATE_FILE = '/var/lib/osconf/state.json';

export interface ApplyState {
  version: string;
  time: string;
  /** Where os.conf was read. */
  source: string | null;
  /** `hmac-sha256:HEX` of os.conf's bytes keyed with DIGEST_KEY_FILE: the same file gives the same digest. */
  digest: string | null;
  /** What happened to os.conf: removed, kept (to retry), rejected (renamed), absent, set aside (renamed) at the retry limit. */
  osConf: 'removed' | 'kept' | 'rejected' | 'absent' | 'left in place (--conf)' | 'kept until verified' | 'set aside after repeated failures';
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
  /** The failure that repeats (same os.conf, same failed concerns) and at which boots: the retry limit (retry.ts). */
  attempts?: AttemptRecord;
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id) of the boot this apply ran in; absent before schema 1 of `status`. */
  bootId?: string | null;
  /** os.conf's warnings (line, key, message), as for errors; absent in records older than `osconf status` schema 1. */
  warnings?: Array<{ line: number | null; key: string | null; message: string }>;
}

/**
 * /var/lib/osconf/last-run.json: every apply that got past the disable switch (not dry runs), with os.conf or
 * without, ended by success or by an error: what `osconf status` says about this boot. state.json keeps the
 * last apply that had an os.conf; this file says whether and how osconf ran since.
 */
export const LAST_RUN_FILE = '/var/lib/osconf/last-run.json';

export interface RunRecord {
  time: string;
  bootId: string | null;
  /** applied: an os.conf was read and recorded in state.json; absent: none to apply; failed: the run ended by an error. */
  kind: 'applied' | 'absent' | 'failed';
  exitCode: number;
  /** The error's one line (failed), else null. Never holds a secret: errors name paths and keys, never values. */
  message: string | null;
  steps: StepRecord[];
}

/** Where the kernel says which boot this is (proc(5): a random UUID per boot). */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** This boot's id as `machine` (the running system's Host, also for an offline root) reads it; null where the kernel does not say. */
export async function currentBootId(machine: Host): Promise<string | null> {
  const text = await machine.read(BOOT_ID_FILE).catch(() => null);
  return text?.trim() || null;
}

/** What the last apply configured, redacted (datasource/instance-data.ts appliedInstanceData): kept across boots. */
export const INSTANCE_DATA_RECORD = '/var/lib/osconf/instance-data.json';
/** The same for this boot, as cloud-init publishes /run/cloud-init/instance-data.json; `osconf query` reads it. */
export const INSTANCE_DATA_FILE = '/run/osconf/instance-data.json';

export async function writeRunRecord(host: Host, record: RunRecord): Promise<void> {
  await host.mkdir('/var/lib/osconf', 0o755);
  await host.write(LAST_RUN_FILE, recordText(record), { mode: 0o600 });
}

/** The last run's record, or null when no apply has run (or the record is unreadable JSON). */
export async function readRunRecord(host: Host): Promise<RunRecord | null> {
  const text = await host.read(LAST_RUN_FILE);
  if (text === null) return null;
  try {
    return JSON.parse(text) as RunRecord;
  } catch {
    return null;
  }
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
   * --conf (never removed), its keyed digest (`osConfDigest`) and size in bytes.
   */
  osConf: { path: string; explicit: boolean; digest: string; size: number };
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

export const DIGEST_KEY_FILE = '/var/lib/osconf/digest.key';

export async function writeState(host: Host, state: ApplyState): Promise<void> {
  await host.mkdir('/var/lib/osconf', 0o755);
  await host.write(STATE_FILE, recordText(state), { mode: 0o600 });
}

/**
 * A record as stored: JSON whose free text (messages, step details, errors, whatever a tool printed) has every
 * registered secret redacted, as log lines do. Digests are left whole: they are compared, and hold no secret.
 */
function recordText(record: object): string {
  return `${JSON.stringify(record, (key, value: unknown) => (typeof value === 'string' && key !== 'digest' ? redactRegistered(value) : value), 2)}\n`;
}

/**
 * `hmac-sha256:HEX` of `bytes` (RFC 2104, Node's crypto) keyed with this machine's DIGEST_KEY_FILE (32
 * random bytes as hex, mode 0600), created on first use. Equal files give equal digests on one machine.
 * @throws OperationalError (the key cannot be read or written).
 */
export async function osConfDigest(host: Host, bytes: Uint8Array): Promise<string> {
  let key = (await host.read(DIGEST_KEY_FILE))?.trim() ?? '';
  if (!/^[0-9a-f]{64}$/.test(key)) {
    key = randomBytes(32).toString('hex');
    await host.mkdir('/var/lib/osconf', 0o755);
    await host.write(DIGEST_KEY_FILE, `${key}\n`, { mode: 0o600 });
  }
  return `hmac-sha256:${createHmac('sha256', Buffer.from(key, 'hex')).update(bytes).digest('hex')}`;
}

export async function readState(host: Host): Promise<ApplyState | null> {
  const text = await host.read(STATE_FILE);
  return text === null ? null : (JSON.parse(text) as ApplyState);
}
