// Checks a shadow entry's SHA-512 crypt hash against a password with an independent implementation (openssl).
import { execFileSync } from 'node:child_process';

/** `shadow` is a whole shadow file or root's line; true when root's hash is $6$ and matches the password. */
export function rootHashVerifies(shadow: string, password: string): boolean {
  const line = shadow.split('\n').find((l) => l.startsWith('root:')) ?? '';
  const hash = line.split(':')[1] ?? '';
  if (!hash.startsWith('$6$')) return false;
  return execFileSync('openssl', ['passwd', '-6', '-salt', hash.split('$')[2]!, '-stdin'], { input: password }).toString().trim() === hash;
}
