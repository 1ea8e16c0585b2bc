// No endless retry: an os.conf whose apply fails the same way at RETRY_LIMIT consecutive boots is set aside
// (renamed on the partition, never deleted), so its password does not sit there forever and no boot spends its
// time on it again. The same way: the same os.conf (keyed digest) and the same failed concerns; a boot is
// counted once however often osconf applies during it (osconf.path, by hand). Every other concern was applied
// at each of those boots, the password included where it is valid: set aside is only what keeps failing.
import type { Concern } from '../config/model.js';
import type { Host } from '../host/host.js';

/** Consecutive boots with the same failure before os.conf is set aside (docs/operators.md). */
export const RETRY_LIMIT = 3;

/** The kernel's random id of this boot (random(4): /proc/sys/kernel/random/boot_id). */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** state.json `attempts`: the failure that repeats, and the boots it was seen at. */
export interface AttemptRecord {
  /** The os.conf's keyed digest (state.ts osConfDigest). */
  digest: string;
  /** The failed concerns, sorted. */
  failed: Concern[];
  /** Boot ids at which this failure was seen, oldest first, each once. */
  boots: string[];
  /** Set once the limit was reached: where os.conf went. A later failure starts over. */
  setAside?: string;
}

/**
 * The attempt record after a failed apply: the previous one continued when the failure is the same (digest
 * and failed concerns) and it did not already end in a set-aside, else a new one. `bootId` null (no procfs):
 * every run counts as a boot of its own.
 */
export function nextAttempts(previous: AttemptRecord | undefined, digest: string, failed: readonly Concern[], bootId: string | null): AttemptRecord {
  const concerns = [...new Set(failed)].sort();
  const same = previous && !previous.setAside && previous.digest === digest && previous.failed.join() === concerns.join();
  const boots = same ? [...previous.boots] : [];
  const boot = bootId ?? `run-${boots.length + 1}`;
  if (!boots.includes(boot)) boots.push(boot);
  return { digest, failed: concerns, boots };
}

/** The failure has now been seen at RETRY_LIMIT boots. */
export function limitReached(attempts: AttemptRecord): boolean {
  return attempts.boots.length >= RETRY_LIMIT;
}

/** This boot's id, or null when it cannot be read (an offline root, no procfs). */
export async function bootId(host: Host): Promise<string | null> {
  if (!host.live) return null;
  const text = await host.read(BOOT_ID_FILE).catch(() => null);
  const id = text?.trim() ?? '';
  return /^[0-9a-f-]{8,64}$/i.test(id) ? id : null;
}

/** One line for `osconf apply` and `osconf status`. */
export function describeAttempts(a: AttemptRecord): string {
  const what = `${a.failed.join(', ')} failed the same way at ${a.boots.length}${a.setAside ? '' : ` of ${RETRY_LIMIT}`} consecutive boots`;
  return a.setAside ? `os.conf set aside as ${a.setAside}: ${what}; a new os.conf starts over` : `${what}; os.conf kept for the next boot (set aside at ${RETRY_LIMIT})`;
}
