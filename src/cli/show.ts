// `osconf show`: the validated model, password redacted, with every warning and error.
import type { ConfigIssue, InstanceConfig, ReadResult } from '../config/model.js';
import { formatIssue } from '../config/model.js';
import { ExitCode } from '../errors.js';
import { loadConfig } from './load-config.js';

export interface ShowOptions {
  conf: string;
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

export async function runShow(options: ShowOptions, out: (text: string) => void): Promise<number> {
  const { path, result } = await loadConfig(options.conf);
  out(options.json ? `${JSON.stringify(showJson(result), null, 2)}\n` : showText(path, result));
  return result.errors.length > 0 ? ExitCode.rejected : ExitCode.ok;
}
