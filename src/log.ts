// The one logger: winston to stderr. Messages are plain lines (`osconf: warning: ...`); secrets never reach it
// because the model holds the password as a Secret, which prints as "(set)".
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

let logger: winston.Logger | null = null;
let level: LogLevel = 'info';

export function setLogLevel(next: LogLevel): void {
  level = next;
  if (logger) logger.level = next;
}

export function log(): winston.Logger {
  if (!logger) {
    logger = winston.createLogger({
      level,
      format: winston.format.printf(({ level: lvl, message }) => `osconf: ${lvl === 'warn' ? 'warning' : lvl}: ${String(message)}`),
      transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
    });
  }
  return logger;
}
