// Images ship no SSH host keys (a platform rule): each instance makes its own at first boot, before sshd.
import { SSH_HOST_KEY, SSHD_PATH } from '../distro/facts.js';
import type { Host } from '../host/host.js';
import type { Action } from '../plan/actions.js';

/** sshd is installed and /etc/ssh has no host key (the boot pre-check, src/boot/osconf-boot.sh, tests the same). */
export async function sshHostKeysMissing(host: Host): Promise<boolean> {
  if ((await host.info(SSHD_PATH)) === null) return false;
  return !(await host.list('/etc/ssh')).some((n) => SSH_HOST_KEY.test(n));
}

/** Generates every missing default host key type, before sshd starts (the unit is ordered before it). */
export function sshHostKeysAction(): Action {
  // Key generation is CPU-bound: an emulated machine under load took over a minute (RSA). The bound is for a
  // hang only, inside the unit's own (15 min).
  return { kind: 'exec', argv: ['ssh-keygen', '-A'], purpose: "generate this instance's SSH host keys", timeoutMs: 10 * 60_000 };
}
