// The secrets of this run (the password and its Base64 as os.conf holds them), registered once read, so that
// no log line (log.ts) and no stored record (apply/state.ts) carries them. Without winston: status loads it.
import { redactSecrets } from './config/secret.js';

const secrets = new Set<string>();

/** Text that must never appear in a log line or a stored record (matched literally). */
export function registerSecret(text: string): void {
  secrets.add(text);
}

/** `text` with every registered secret replaced (config/secret.ts redactSecrets), longest first. */
export function redactRegistered(text: string): string {
  return secrets.size === 0 ? text : redactSecrets(text, [...secrets].sort((a, b) => b.length - a.length), '(redacted)');
}
