// What the real-stack tests render and expect: each stack's files for a config (rendered against the Debian
// tools root's own files), and the addresses and gatewayed routes `ip -j` must then show.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceConfig } from '../../src/config/model.js';
import { staticRoutes } from '../../src/config/model.js';
import { profileForStack, type Stack } from '../../src/distro/profiles.js';
import { renderSystem } from '../../src/render/system.js';
import { debianRoot } from './netns.js';

/** `ADDRESS/PREFIX` per NIC name. */
export function expectedAddresses(config: InstanceConfig): Record<string, string[]> {
  return Object.fromEntries(config.interfaces.map((n) => [n.name, [`${n.address}/${n.prefix}`]]));
}

/** `DEST via GW dev NIC` for every route os.conf asks for, the default route as 0.0.0.0/0, sorted. */
export function expectedRoutes(config: InstanceConfig): string[] {
  const routes = config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via} dev ${n.name}`));
  if (config.defaultRoute) routes.push(`0.0.0.0/0 via ${config.defaultRoute.via} dev ${config.defaultRoute.interface}`);
  return routes.sort();
}

/** The stack's network and DNS files for `config`, edited from the tools root's own files where renderers edit. */
export function filesFor(config: InstanceConfig, stack: Stack) {
  const existing = (path: string): string | null => {
    try {
      return readFileSync(join(debianRoot, path), 'utf8');
    } catch {
      return null;
    }
  };
  return renderSystem({ config, profile: profileForStack(stack), existing }).files.filter((f) => f.concern !== 'hostname');
}
