// Log settings chosen on the command line, kept apart from the logger itself so that reading argv does not
// load winston: subcommands that never log (--version, --help) start faster.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const logSettings = { level: 'info' as LogLevel, json: false };

type Flusher = () => Promise<void>;
let flusher: Flusher | null = null;

export function setLogLevel(level: LogLevel): void {
  logSettings.level = level;
  onChange?.();
}

export function setJsonLogs(on: boolean): void {
  logSettings.json = on;
  onChange?.();
}

let onChange: (() => void) | null = null;

/** The logger registers how to react to changes and how to flush; nothing happens if it never loads. */
export function registerLogger(hooks: { onChange: () => void; flush: Flusher }): void {
  onChange = hooks.onChange;
  flusher = hooks.flush;
}

export async function flushLogs(): Promise<void> {
  await flusher?.();
}
