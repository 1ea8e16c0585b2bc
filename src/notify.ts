// Readiness and status for systemd (Type=notify): one message per run, at its end: READY=1 with the result as
// STATUS, or STATUS alone when the run failed (the unit then fails by its exit code). Each message costs a
// systemd-notify process (the systemd-notify package; Node has no datagram unix sockets), so no progress lines
// are sent while running. A no-op when systemd did not ask (no NOTIFY_SOCKET).
import notifyModule from 'systemd-notify';

type Notify = (opts: { ready?: boolean; status?: string }) => Promise<unknown>;
const notify = notifyModule as unknown as Notify;

function wanted(): boolean {
  return typeof process.env.NOTIFY_SOCKET === 'string' && process.env.NOTIFY_SOCKET !== '';
}

/** The run's closing status without readiness (a failed run). */
export async function notifyStatus(status: string): Promise<void> {
  if (wanted()) await notify({ status }).catch(() => undefined);
}

/** Readiness and the run's closing status, in one message. */
export async function notifyReady(status: string): Promise<void> {
  if (wanted()) await notify({ ready: true, status }).catch(() => undefined);
}
