// Typed errors and the exit-code contract. Pure code returns issues; effect code throws these;
// main.ts alone turns them into exit codes.

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  rejected: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class OsconfError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Something on the system failed: I/O, a command, a missing tool. */
export class OperationalError extends OsconfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** The command line was wrong. */
export class UsageError extends OsconfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** os.conf was read but refused; the message names the file and what was wrong. */
export class ConfigRejectedError extends OsconfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.rejected, options);
  }
}

export function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export const isENOENT = (e: unknown): boolean => errorCode(e) === 'ENOENT';

/** `failed to read /x: ENOENT` style text for a system error. */
export function describeSystemError(e: unknown): string {
  const code = errorCode(e);
  if (code) return code;
  return e instanceof Error ? e.message : String(e);
}
