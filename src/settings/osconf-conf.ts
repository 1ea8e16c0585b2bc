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

/** A problem in osconf.conf: the setting is ignored (its default applies), the rest of the file still counts. */
export interface SettingsWarning {
  /** 1-based line of the key (or section header); null when the file could not be parsed at all. */
  line: number | null;
  section: string | null;
  key: string | null;
  message: string;
}

/** The keys osconf.conf knows, per section (docs: packaging/osconf.conf, `man osconf`). */
export const SETTINGS_KEYS: Readonly<Record<string, readonly string[]>> = {
  main: ['mode'],
  source: ['uuid', 'label', 'device', 'path'],
  network: ['stack', 'profile'],
  apply: ['nic_wait'],
};

/** Where each `[section]` and `key` sits, read with ini's own line syntax (ini itself keeps no line numbers). */
function keyLines(text: string): { keys: Array<{ section: string | null; key: string; line: number }>; sections: Array<{ name: string; line: number }> } {
  const keys: Array<{ section: string | null; key: string; line: number }> = [];
  const sections: Array<{ name: string; line: number }> = [];
  let section: string | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      sections.push({ name: section, line: i + 1 });
      return;
    }
    const key = line.split('=')[0]!.trim().replace(/\[\]$/, '');
    if (key) keys.push({ section, key, line: i + 1 });
  });
  return { keys, sections };
}

/**
 * Parses osconf.conf (ini, as the `ini` package reads it). Never throws: every problem (a key outside any
 * section, an unknown section or key, a bad value) is a warning naming its line, and that setting keeps its
 * default, so a typo never stops a boot.
 */
export function parseOsconfConf(text: string): { conf: OsconfConf; warnings: SettingsWarning[] } {
  const warnings: SettingsWarning[] = [];
  let data: Record<string, unknown>;
  try {
    data = ini.parse(text) as Record<string, unknown>;
  } catch (e) {
    return { conf: DEFAULT_OSCONF_CONF, warnings: [{ line: null, section: null, key: null, message: `cannot be parsed: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const { keys, sections } = keyLines(text);
  const lineOf = (section: string, key: string): number | null => keys.find((k) => k.section === section && k.key === key)?.line ?? null;
  const warn = (section: string | null, key: string | null, message: string, line = section && key ? lineOf(section, key) : null): void => {
    warnings.push({ line, section, key, message });
  };
  for (const k of keys) {
    if (k.section === null) warn(null, k.key, `${k.key} is outside any [section]; ignored`, k.line);
    else if (SETTINGS_KEYS[k.section] && !SETTINGS_KEYS[k.section]!.includes(k.key)) {
      warn(k.section, k.key, `[${k.section}] ${k.key} is not a setting (known: ${SETTINGS_KEYS[k.section]!.join(', ')}); ignored`, k.line);
    }
  }
  for (const s of sections) {
    if (!SETTINGS_KEYS[s.name]) warn(s.name, null, `[${s.name}] is not a section (known: ${Object.keys(SETTINGS_KEYS).map((n) => `[${n}]`).join(', ')}); ignored`, s.line);
  }
  const section = (name: string): Record<string, unknown> => {
    const s = data[name];
    return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
  };
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

  const src = section('source');
  const given = (['uuid', 'label', 'device', 'path'] as const).filter((k) => str(src[k]));
  let source: SourceSpec = { kind: 'root-disk' };
  if (given.length > 1) warn('source', given[1]!, `[source] sets ${given.join(' and ')}; set one (partition 1 of the root disk is used)`);
  else if (given.length === 1) {
    const kind = given[0]!;
    const value = str(src[kind])!;
    if ((kind === 'device' || kind === 'path') && !value.startsWith('/')) warn('source', kind, `[source] ${kind}=${value} is not an absolute path; ignored`);
    else source = { kind, value };
  }

  const net = section('network');
  const conf: OsconfConf = { ...DEFAULT_OSCONF_CONF, source };
  const stack = str(net.stack);
  if (stack) {
    const normalized = stack === 'sysconfig' ? 'sysconfig-rhel' : stack;
    if ((STACKS as readonly string[]).includes(normalized)) conf.stack = normalized as Stack;
    else warn('network', 'stack', `[network] stack=${stack} is not one of sysconfig, ${STACKS.join(', ')}; detected instead`);
  }
  const profile = str(net.profile);
  if (profile) {
    if (profile in PROFILES) conf.profile = profile as ProfileId;
    else warn('network', 'profile', `[network] profile=${profile} is not one of ${Object.keys(PROFILES).join(', ')}; detected instead`);
  }
  const mode = str(section('main').mode);
  if (mode) {
    if (mode === 'auto' || mode === 'standalone' || mode === 'cloud-init') conf.mode = mode;
    else warn('main', 'mode', `[main] mode=${mode} is not one of auto, standalone, cloud-init; auto is used`);
  }
  const wait = str(section('apply').nic_wait);
  if (wait !== undefined) {
    const n = Number(wait);
    if (!Number.isInteger(n) || n < 0 || n > 600) warn('apply', 'nic_wait', `[apply] nic_wait=${wait} is not a whole number of seconds from 0 to 600; ${DEFAULT_OSCONF_CONF.nicWaitSeconds} is used`);
    else conf.nicWaitSeconds = n;
  }
  warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { conf, warnings };
}

/** `FILE:LINE: message` (the compiler convention editors jump to). */
export function formatSettingsWarning(w: SettingsWarning, file: string): string {
  return `${file}${w.line !== null ? `:${w.line}` : ''}: ${w.message}`;
}
