// The one logger, on winston. Lines go to stderr (the journal under systemd), to /var/log/osconf.log (mode
// 0600, size-bounded) when enabled, and to syslog through logger(1) where there is no journald. Steps log as
// `<step>: starting|done|skipped|failed` with structured fields. Every registered secret (the password and its
// Base64) is replaced before any transport sees a line.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import winston from 'winston';
import Transport from 'winston-transport';
import { logSettings, registerLogger } from './log-settings.js';
import { redactRegistered } from './secret-registry.js';

export { registerSecret } from './secret-registry.js';

export type { LogLevel } from './log-settings.js';
export { setJsonLogs, setLogLevel } from './log-settings.js';
export type StepState = 'starting' | 'done' | 'skipped' | 'failed';

export const LOG_FILE = '/var/log/osconf.log';
const MAX_LOG_BYTES = 1024 * 1024;

let logger: winston.Logger | null = null;

registerLogger({
  onChange: () => {
    logger = null;
  },
  flush: flushLogger,
});


const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = (info as Record<string, unknown>)[key];
    if (typeof value === 'string') (info as Record<string, unknown>)[key] = redactRegistered(value);
  }
  info.message = redactRegistered(String(info.message));
  return info;
});

const lineFormat = winston.format.printf(({ level: lvl, message }) => `osconf: ${lvl === 'warn' ? 'warning' : lvl}: ${String(message)}`);

function formatFor(timestamped: boolean): winston.Logform.Format {
  if (logSettings.json) return winston.format.combine(redact(), winston.format.timestamp(), winston.format.json());
  return timestamped
    ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.printf(({ timestamp, level: lvl, message }) => `${String(timestamp)} ${lvl}: ${String(message)}`))
    : winston.format.combine(redact(), lineFormat);
}

/** Sends lines to syslog through logger(1): Node has no datagram sockets for /dev/log without native code. */
class LoggerCommandTransport extends Transport {
  private child: ChildProcess | null = null;

  override log(info: { level: string; message: unknown }, next: () => void): void {
    if (!this.child) {
      this.child = spawn('logger', ['-t', 'osconf', '-p', 'daemon.info'], { stdio: ['pipe', 'ignore', 'ignore'] });
      this.child.on('error', () => undefined);
      this.child.stdin?.on('error', () => undefined);
    }
    this.child.stdin?.write(`${info.level}: ${String(info.message)}\n`);
    next();
  }

  override close(): void {
    this.child?.stdin?.end();
  }
}

/**
 * winston's File transport on `path`, rotated at `maxBytes` (3 files, tailable), every file mode 0600 under
 * any umask: it may hold host names and addresses. The file is made 0600 before winston opens it (an older
 * one may be wider), and winston creates each file after a rotation with mode 0600 (its `options` go to
 * fs.createWriteStream; the umask can only narrow them).
 * @throws Error from the file system (the caller falls back to stderr only).
 */
export function logFileTransport(path: string, maxBytes: number): winston.transport {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  return new winston.transports.File({ filename: path, maxsize: maxBytes, maxFiles: 3, tailable: true, format: formatFor(true), options: { flags: 'a', mode: 0o600 } });
}

export interface LogOutputs {
  /** Append to /var/log/osconf.log (apply at boot). */
  file?: boolean;
  /** Also to syslog where journald does not run. */
  syslog?: boolean;
}

let outputs: LogOutputs = {};

/** Adds the file and syslog outputs for runs that change the system. */
export function enableLogOutputs(next: LogOutputs): void {
  outputs = next;
  logger = null;
}

export function log(): winston.Logger {
  if (!logger) {
    const transports: winston.transport[] = [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'], format: formatFor(false) })];
    if (outputs.file) {
      try {
        transports.push(logFileTransport(LOG_FILE, MAX_LOG_BYTES));
      } catch {
        // /var/log not writable (read-only root, tests): stderr still has everything.
      }
    }
    if (outputs.syslog && !existsSync('/run/systemd/journal/socket') && existsSync('/dev/log')) {
      transports.push(new LoggerCommandTransport({ format: formatFor(false) }));
    }
    logger = winston.createLogger({ level: logSettings.level, transports });
  }
  return logger;
}

/** `<step>: <state>[: detail]` with the step and state as structured fields. */
export function logStep(step: string, state: StepState, detail?: string, fields: Record<string, unknown> = {}): void {
  const lvl = state === 'failed' ? 'error' : 'info';
  log().log(lvl, `${step}: ${state}${detail ? `: ${detail}` : ''}`, { step, state, ...fields });
}

/** Waits until every transport has written what it was given (before the process exits). */
async function flushLogger(): Promise<void> {
  if (!logger) return;
  const l = logger;
  await new Promise<void>((resolve) => {
    l.on('finish', () => resolve());
    l.end();
    setTimeout(resolve, 2000).unref();
  });
  logger = null;
}
