// /etc/osconf/osconf.conf (or --config FILE) for apply and verify.
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { NodeHost } from '../host/node-host.js';
import { log } from '../log.js';
import { DEFAULT_OSCONF_CONF, formatSettingsWarning, OSCONF_CONF, parseOsconfConf, type OsconfConf } from '../settings/osconf-conf.js';

/**
 * The target's osconf.conf read through `host`, or `path` read from this machine; the defaults when the
 * target has none.
 * Problems in the file are logged as warnings (FILE:LINE) and the rest is used.
 * @throws UsageError when `path` does not exist.
 */
export async function loadSettings(host: Host, path: string | null): Promise<OsconfConf> {
  const file = path ?? OSCONF_CONF;
  const text = path ? await new NodeHost('/').read(file) : await host.read(file);
  if (text === null) {
    if (path) throw new UsageError(`--config ${path}: no such file`);
    return DEFAULT_OSCONF_CONF;
  }
  const { conf, warnings } = parseOsconfConf(text);
  for (const w of warnings) log().warn(`settings: ${formatSettingsWarning(w, file)}`);
  return conf;
}
