// SHA-512 crypt ($6$) of the root password, for /etc/shadow and cloud-init's user-data.
// The salt comes from the caller so this stays pure and testable.
import { encrypt } from 'unixcrypt';
import type { Secret } from './secret.js';

const SALT_CHARS = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 16-character crypt salt from random bytes (at least 16 of them). */
export function saltFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 16) throw new RangeError('a crypt salt needs 16 random bytes');
  return Array.from(bytes.subarray(0, 16), (b) => SALT_CHARS[b & 63]).join('');
}

export function sha512Crypt(password: Secret, salt: string): string {
  if (!/^[./0-9A-Za-z]{1,16}$/.test(salt)) throw new RangeError('invalid crypt salt');
  return encrypt(password.reveal(), `$6$${salt}`);
}
