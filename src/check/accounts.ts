// SSH authorized_keys files in a root: those of root and of every account in /etc/passwd whose home is a
// directory of that root. Shared by `check` (a WARNING: the builder's keys would let them into every
// instance) and `prepare` (removed unless --keep-authorized-keys).
import type { RootView } from './root-view.js';

/**
 * sshd's default AuthorizedKeysFile (sshd_config(5): ".ssh/authorized_keys .ssh/authorized_keys2", relative to
 * the user's home). A changed AuthorizedKeysFile is not followed: these two are what OpenSSH reads unless told.
 */
export const AUTHORIZED_KEYS_FILES = ['.ssh/authorized_keys', '.ssh/authorized_keys2'];

/** The home directories of /etc/passwd (passwd(5): the sixth field), root's `/root` first, each once. */
export function passwdHomes(passwd: string): string[] {
  const homes = ['/root'];
  for (const line of passwd.split('\n')) {
    const home = line.split(':')[5];
    if (line.startsWith('#') || !home?.startsWith('/') || homes.includes(home)) continue;
    homes.push(home);
  }
  return homes;
}

/**
 * Every authorized_keys file (regular file or link) in a home of /etc/passwd, as a path inside the root with
 * every directory resolved within it (a linked /home is followed inside the root, never out of it), each once,
 * in /etc/passwd's order.
 */
export async function authorizedKeysFiles(view: RootView): Promise<string[]> {
  const found: string[] = [];
  for (const home of passwdHomes((await view.read('/etc/passwd')) ?? '')) {
    const real = await view.resolve(home);
    if (real === null || (await view.reader.lstat(real))?.type !== 'dir') continue;
    for (const name of AUTHORIZED_KEYS_FILES) {
      const dir = await view.resolve(`${real === '/' ? '' : real}/.ssh`);
      if (dir === null || (await view.reader.lstat(dir))?.type !== 'dir') continue;
      const path = `${dir === '/' ? '' : dir}/${name.slice('.ssh/'.length)}`;
      const info = await view.reader.lstat(path);
      if (info && info.type !== 'dir' && !found.includes(path)) found.push(path);
    }
  }
  return found;
}
