// `osconf query`: what the last apply configured, from the redacted instance data it wrote
// (/run/osconf/instance-data.json, else the copy kept in /var/lib/osconf), as `cloud-init query` reads
// /run/cloud-init/instance-data.json: a KEY (dotted for nested keys: v1.local_hostname), --list-keys, --all.
import type { AppliedInstanceData } from '../datasource/instance-data.js';
import { OperationalError, UsageError } from '../errors.js';
import { NodeHost } from '../host/node-host.js';
import { rootOption } from './paths.js';

export interface QueryOptions {
  root?: string;
  listKeys?: boolean;
  all?: boolean;
}

/** A value as `cloud-init query` prints it: strings bare, everything else as indented JSON. */
function render(value: unknown): string {
  return typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Prints `key` (or the keys, or everything) of the last apply's instance data; exit 0.
 * @throws UsageError (neither a key nor --list-keys nor --all; a key and --all), OperationalError (no apply has
 * recorded instance data yet; an unknown key, as cloud-init's "Undefined instance-data key").
 */
export async function runQuery(key: string | undefined, options: QueryOptions, out: (text: string) => void): Promise<number> {
  const root = rootOption(options.root) ?? '/';
  if (!key && !options.listKeys && !options.all) throw new UsageError('query needs a KEY, --list-keys or --all');
  if (key && options.all) throw new UsageError('query takes a KEY or --all, not both');
  const { INSTANCE_DATA_FILE, INSTANCE_DATA_RECORD } = await import('../apply/state.js');
  const { queryView } = await import('../datasource/instance-data.js');
  const host = new NodeHost(root);
  const text = (await host.read(INSTANCE_DATA_FILE)) ?? (await host.read(INSTANCE_DATA_RECORD));
  if (text === null) throw new OperationalError(`no instance data: osconf has not applied an os.conf here (${INSTANCE_DATA_FILE})`);
  const data = JSON.parse(text) as AppliedInstanceData;
  if (options.all) {
    out(render(data));
    return 0;
  }
  let value: unknown = queryView(data);
  let path = '';
  for (const part of key ? key.split('.') : []) {
    path = path ? `${path}.${part}` : part;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, part)) {
      throw new OperationalError(`undefined instance-data key: ${path}`);
    }
    value = (value as Record<string, unknown>)[part];
  }
  if (options.listKeys) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OperationalError(`${key} has no keys: it is a ${Array.isArray(value) ? 'list' : typeof value}`);
    out(`${Object.keys(value).sort().join('\n')}\n`);
    return 0;
  }
  out(render(value));
  return 0;
}
