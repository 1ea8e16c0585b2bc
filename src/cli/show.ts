// `osconf show`: the validated model, password redacted, with every warning and error.
import type { ConfigIssue, InstanceConfig, ReadResult } from '../config/model.js';
import { formatIssue } from '../config/model.js';
import { promises as fs } from 'node:fs';
import { describeSystemError, ExitCode, OperationalError, UsageError } from '../errors.js';
import { formatSettingsWarning, parseOsconfConf } from '../settings/osconf-conf.js';
import { pathOption } from './paths.js';
import { loadConfig } from './load-config.js';

export interface ShowOptions {
  conf?: string;
  /** osconf's own configuration file, checked alone (or with --conf). */
  config?: string;
  json?: boolean;
}

/** The JSON contract of `show --json` (README: "show --json"). */
export function showJson(result: ReadResult): Record<string, unknown> {
  const { config } = result;
  const issue = (i: ConfigIssue) => ({ line: i.line, key: i.key, message: i.message, concerns: i.concerns });
  return {
    network: config.network,
    hostname: config.hostname,
    password: config.password ? '(set)' : null,
    nameservers: config.nameservers,
    interfaces: config.interfaces.map((n) => ({
      name: n.name,
      mac: n.mac,
      address: n.address,
      prefix: n.prefix,
      netmask: n.netmask,
      gateway: n.gateway,
      routes: n.routes.map((r) => ({ to: r.to, via: r.via })),
    })),
    defaultRoute: config.defaultRoute,
    valid: result.valid,
    warnings: result.warnings.map(issue),
    errors: result.errors.map(issue),
  };
}

export function showText(path: string, result: ReadResult): string {
  const c: InstanceConfig = result.config;
  const lines = [`${path}: ${c.network === 'classic' ? 'classic network' : 'VPC'}`];
  const row = (label: string, value: string): void => {
    lines.push(`  ${label.padEnd(14)}${value}`);
  };
  row('hostname', c.hostname ?? '(not set)');
  row('password', c.password ? '(set)' : '(not set)');
  row('nameservers', c.nameservers.length > 0 ? c.nameservers.join(' ') : '(none)');
  for (const nic of c.interfaces) {
    row(nic.name, `${nic.address}/${nic.prefix} mac ${nic.mac}${nic.gateway ? ` gateway ${nic.gateway}` : ''}`);
    for (const r of nic.routes) row('', `route ${r.to} via ${r.via}`);
  }
  row('default route', c.defaultRoute ? `via ${c.defaultRoute.via} dev ${c.defaultRoute.interface}` : '(none)');
  for (const [title, issues] of [
    ['warnings', result.warnings],
    ['errors', result.errors],
  ] as const) {
    if (issues.length === 0) continue;
    lines.push(`${title}:`);
    for (const i of issues) lines.push(`  ${formatIssue(i, path)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `show --config FILE`: the effective settings and every problem with its line. Throws OperationalError when FILE cannot be read. */
async function showSettings(file: string, json: boolean): Promise<{ text: string; problems: number; data: Record<string, unknown> }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new OperationalError(`--config ${file}: ${describeSystemError(e)}`, { cause: e });
  }
  const { conf, warnings } = parseOsconfConf(text);
  const data = { settings: conf, warnings };
  if (json) return { text: '', problems: warnings.length, data };
  const source = conf.source.kind === 'root-disk' ? 'partition 1 of the root disk' : `${conf.source.kind} ${conf.source.value}`;
  const lines = [
    `${file}: osconf settings`,
    `  mode          ${conf.mode}`,
    `  source        ${source}`,
    `  stack         ${conf.stack ?? '(detected)'}`,
    `  profile       ${conf.profile ?? '(detected)'}`,
    `  nic_wait      ${conf.nicWaitSeconds} s`,
  ];
  if (warnings.length) lines.push('warnings (each setting named is ignored, its default applies):', ...warnings.map((w) => `  ${formatSettingsWarning(w, file)}`));
  return { text: `${lines.join('\n')}\n`, problems: warnings.length, data };
}

export async function runShow(given: ShowOptions, out: (text: string) => void): Promise<number> {
  const options = { ...given, conf: pathOption(given.conf), config: pathOption(given.config) };
  if (!options.conf && !options.config) throw new UsageError('show: give --conf FILE (os.conf) or --config FILE (osconf.conf)');
  let code: number = ExitCode.ok;
  const json: Record<string, unknown> = {};
  if (options.conf) {
    const { path, result } = await loadConfig(options.conf);
    if (options.json) Object.assign(json, showJson(result));
    else out(showText(path, result));
    if (result.errors.length > 0) code = ExitCode.rejected;
  }
  if (options.config) {
    const settings = await showSettings(options.config, !!options.json);
    if (options.json) {
      if (options.conf) json.osconfConf = settings.data;
      else Object.assign(json, settings.data);
    } else out(settings.text);
    if (settings.problems > 0) code = ExitCode.rejected;
  }
  if (options.json) out(`${JSON.stringify(json, null, 2)}\n`);
  return code;
}
