// osconf's own configuration, /etc/osconf/osconf.conf: a real ini file, read with `ini`.
//   [source]   uuid= | label= | device= | path=   where aliyun_custom_image/ lives (default: partition 1 of the root disk)
//   [network]  stack= | profile=                   override distribution detection
//   [apply]    nic_wait=SECONDS                    how long to wait for os.conf's NICs to appear
//   [main]     mode=auto|standalone|cloud-init     who configures the instance (see README, cloud-init)
// Not in config/, which reads os.conf (the platform's file): this file names distro/'s stacks and profiles,
// so it sits in a layer above distro/.
import ini from 'ini';
import { PROFILES, STACKS, type ProfileId, type Stack } from '../distro/profiles.js';

export const OSCONF_CONF = '/etc/osconf/osconf.conf';

export type SourceSpec =
  | { kind: 'root-disk' }
  | { kind: 'uuid'; value: string }
  | { kind: 'label'; value: string }
  | { kind: 'device'; value: string }
  | { kind: 'path'; value: string };

export type Mode = 'auto' | 'standalone' | 'cloud-init';

export interface OsconfConf {
  mode: Mode;
  source: SourceSpec;
  stack?: Stack;
  profile?: ProfileId;
  nicWaitSeconds: number;
}

export const DEFAULT_OSCONF_CONF: OsconfConf = { mode: 'auto', source: { kind: 'root-disk' }, nicWaitSeconds: 30 };

/** Parses osconf.conf; problems are returned, not thrown, each naming the key. */
export function parseOsconfConf(text: string): { conf: OsconfConf; errors: string[] } {
  const errors: string[] = [];
  let data: Record<string, unknown>;
  try {
    data = ini.parse(text) as Record<string, unknown>;
  } catch (e) {
    return { conf: DEFAULT_OSCONF_CONF, errors: [`cannot be parsed: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const section = (name: string): Record<string, unknown> => {
    const s = data[name];
    return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
  };
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

  const src = section('source');
  const given = (['uuid', 'label', 'device', 'path'] as const).filter((k) => str(src[k]));
  let source: SourceSpec = { kind: 'root-disk' };
  if (given.length > 1) errors.push(`[source] sets ${given.join(' and ')}; set one`);
  else if (given.length === 1) {
    const kind = given[0]!;
    const value = str(src[kind])!;
    if ((kind === 'device' || kind === 'path') && !value.startsWith('/')) errors.push(`[source] ${kind}=${value} is not an absolute path`);
    source = { kind, value };
  }

  const net = section('network');
  const conf: OsconfConf = { ...DEFAULT_OSCONF_CONF, source };
  const stack = str(net.stack);
  if (stack) {
    const normalized = stack === 'sysconfig' ? 'sysconfig-rhel' : stack;
    if ((STACKS as readonly string[]).includes(normalized)) conf.stack = normalized as Stack;
    else errors.push(`[network] stack=${stack} is not one of sysconfig, ${STACKS.join(', ')}`);
  }
  const profile = str(net.profile);
  if (profile) {
    if (profile in PROFILES) conf.profile = profile as ProfileId;
    else errors.push(`[network] profile=${profile} is not one of ${Object.keys(PROFILES).join(', ')}`);
  }
  const mode = str(section('main').mode);
  if (mode) {
    if (mode === 'auto' || mode === 'standalone' || mode === 'cloud-init') conf.mode = mode;
    else errors.push(`[main] mode=${mode} is not one of auto, standalone, cloud-init`);
  }
  const wait = str(section('apply').nic_wait);
  if (wait !== undefined) {
    const n = Number(wait);
    if (!Number.isInteger(n) || n < 0 || n > 600) errors.push(`[apply] nic_wait=${wait} is not a whole number of seconds from 0 to 600`);
    else conf.nicWaitSeconds = n;
  }
  return { conf, errors };
}
