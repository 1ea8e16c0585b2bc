// root's entry in /etc/shadow: check whether the current hash already matches, and set a new SHA-512 crypt
// hash in place (last-change day updated, every other field and line kept). shadow(5).
import { verify } from 'unixcrypt';
import type { Secret } from '../config/secret.js';

export const SHADOW = '/etc/shadow';

function rootLine(lines: string[]): number {
  return lines.findIndex((l) => l.startsWith('root:'));
}

/** True when root's current hash verifies against the password (only SHA-256/512 crypt can be checked). */
export function rootPasswordMatches(shadow: string, password: Secret): boolean {
  const lines = shadow.split('\n');
  const i = rootLine(lines);
  if (i === -1) return false;
  const hash = lines[i]!.split(':')[1] ?? '';
  if (!/^\$[56]\$/.test(hash)) return false;
  try {
    return verify(password.reveal(), hash);
  } catch {
    return false;
  }
}

/** The shadow file with root's hash replaced; null when there is no root entry. */
export function setRootHash(shadow: string, hash: string, today: number): string | null {
  const lines = shadow.split('\n');
  const i = rootLine(lines);
  if (i === -1) return null;
  const fields = lines[i]!.split(':');
  while (fields.length < 9) fields.push('');
  fields[1] = hash;
  fields[2] = String(today);
  lines[i] = fields.join(':');
  return lines.join('\n');
}
