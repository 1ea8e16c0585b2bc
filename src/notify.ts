// Readiness and progress for systemd (Type=notify): STATUS lines while running, READY once the configuration
// is applied. Through the systemd-notify package; a no-op when systemd did not ask (no NOTIFY_SOCKET).
import notifyModule from 'systemd-notify';

type Notify = (opts: { ready?: boolean; status?: string }) => Promise<unknown>;
const notify = notifyModule as unknown as Notify;

function wanted(): boolean {
  return typeof process.env.NOTIFY_SOCKET === 'string' && process.env.NOTIFY_SOCKET !== '';
}

export async function notifyStatus(status: string): Promise<void> {
  if (wanted()) await notify({ status }).catch(() => undefined);
}

export async function notifyReady(status: string): Promise<void> {
  if (wanted()) await notify({ ready: true, status }).catch(() => undefined);
}
