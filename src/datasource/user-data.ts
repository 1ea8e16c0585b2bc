// #cloud-config user-data carrying what os.conf sets that cloud-init's other inputs cannot: the root password,
// only as a SHA-512 crypt hash (chpasswd users, type hash), never as plain text.
// https://docs.cloud-init.io/en/latest/reference/modules.html#set-passwords
import { toYaml, GENERATED_BY } from '../render/format/yaml.js';

export function userDataObject(passwordHash: string | null): Record<string, unknown> {
  if (!passwordHash) return {};
  return {
    chpasswd: {
      expire: false,
      users: [{ name: 'root', type: 'hash', password: passwordHash }],
    },
  };
}

export function renderUserData(passwordHash: string | null): string {
  const body = userDataObject(passwordHash);
  // The first line must be #cloud-config for cloud-init to treat this as cloud-config.
  return toYaml(Object.keys(body).length === 0 ? {} : body, `#cloud-config\n# ${GENERATED_BY}`);
}
