// Readiness and status for systemd (Type=notify): one message per run, at its end: READY=1 with the result as
// STATUS, or STATUS alone when the run failed (the unit then fails by its exit code). Each message costs a
// systemd-notify process (the systemd-notify package; Node has no datagram unix sockets), so no progress lines
// are sent while running. A no-op when systemd did not ask (no NOTIFY_SOCKET).
import notifyModule from 'systemd-notify';
import { log } from './log.js';

type Notify = (opts: { ready?: boolean; status?: string }) => Promise<unknown>;
const notify = notifyModule as unknown as Notify;

function wanted(): boolean {
  return typeof process.env.NOTIFY_SOCKET === 'string' && process.env.NOTIFY_SOCKET !== '';
}

/**
 * Sends one message when systemd asked. systemd-notify failing to start or exiting non-zero (sd_notify(3)
 * failed, or its barrier found systemd had not read the message within 5 s: systemd-notify(1)) is logged as a
 * warning; the waiting apply looks for itself whether READY=1 was taken (handoff.ts).
 */
async function send(message: { ready?: boolean; status: string }): Promise<void> {
  if (!wanted()) return;
  await notify(message).catch((e: unknown) => {
    const why = e instanceof Error ? e.message : String(e);
    log().warn(`systemd-notify${message.ready ? ' --ready' : ''} failed: ${why.trim() || 'no message'}`);
  });
}

/** The run's closing status without readiness (a failed run). */
export async function notifyStatus(status: string): Promise<void> {
  await send({ status });
}

/** Readiness and the run's closing status, in one message. */
export async function notifyReady(status: string): Promise<void> {
  await send({ ready: true, status });
}
