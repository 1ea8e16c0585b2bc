// Readers that tell what addresses, routes and name servers a set of network configuration files sets up,
// for every format osconf and cloud-init write. Tests compare these facts with the model and with each other.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { InstanceConfig } from '../../src/config/model.js';
import { staticRoutes } from '../../src/config/model.js';

export interface Facts {
  addresses: string[];
  routes: string[];
  nameservers: string[];
}

export interface TextFile {
  path: string;
  text: string;
}

const uniqSorted = (xs: string[]): string[] => [...new Set(xs)].sort();
export const normalise = (f: Facts): Facts => ({ addresses: uniqSorted(f.addresses), routes: uniqSorted(f.routes), nameservers: uniqSorted(f.nameservers) });
const netmaskBits = (mask: string): number => mask.split('.').reduce((n, octet) => n + Number(octet).toString(2).replace(/0/g, '').length, 0);
const matches = (text: string, re: RegExp): RegExpExecArray[] => [...text.matchAll(re)];
const unquote = (v: string): string => v.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
const shellVars = (text: string): Record<string, string> =>
  Object.fromEntries(matches(text, /^([A-Z0-9_]+)=(.*)$/gm).map((m) => [m[1]!, unquote(m[2]!)]));

export function expectedFacts(config: InstanceConfig): Facts {
  const routes = config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via}`));
  if (config.defaultRoute) routes.push(`0.0.0.0/0 via ${config.defaultRoute.via}`);
  return normalise({ addresses: config.interfaces.map((n) => `${n.address}/${n.prefix}`), routes, nameservers: config.nameservers });
}

export function readTree(dir: string): TextFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => {
      const path = join(d.parentPath ?? (d as unknown as { path: string }).path, d.name);
      return { path, text: readFileSync(path, 'utf8') };
    });
}

function resolvConf(files: TextFile[]): string[] {
  return files.filter((f) => /resolv\.conf$/.test(f.path)).flatMap((f) => matches(f.text, /^nameserver (\S+)$/gm).map((m) => m[1]!));
}

export const factReaders: Record<string, (files: TextFile[]) => Facts> = {
  eni(files) {
    const text = files.filter((f) => /network\/interfaces/.test(f.path)).map((f) => f.text).join('\n');
    const addresses: string[] = [];
    for (const stanza of text.split(/^(?=iface )/m).slice(1)) {
      const address = /^\s+address (\S+)$/m.exec(stanza)?.[1];
      const netmask = /^\s+netmask (\S+)$/m.exec(stanza)?.[1];
      if (address) addresses.push(address.includes('/') ? address : `${address}/${netmaskBits(netmask ?? '255.255.255.255')}`);
    }
    return {
      addresses,
      routes: [
        ...matches(text, /route add -net (\S+) gw (\S+)/g).map((m) => `${m[1]} via ${m[2]}`),
        ...matches(text, /route add default gw (\S+)/g).map((m) => `0.0.0.0/0 via ${m[1]}`),
        ...matches(text, /ip route (?:add|replace) (\S+) via (\S+)/g).map((m) => `${m[1] === 'default' ? '0.0.0.0/0' : m[1]} via ${m[2]}`),
        ...matches(text, /^\s+gateway (\S+)$/gm).map((m) => `0.0.0.0/0 via ${m[1]}`),
      ],
      nameservers: [...matches(text, /dns-nameservers (.+)$/gm).flatMap((m) => m[1]!.trim().split(/\s+/)), ...resolvConf(files)],
    };
  },
  netplan(files) {
    const facts: Facts = { addresses: [], routes: [], nameservers: resolvConf(files) };
    for (const f of files.filter((f) => /netplan\/.*\.yaml$/.test(f.path))) {
      const doc = parseYaml(f.text) as { network: { ethernets: Record<string, any> } };
      for (const eth of Object.values(doc.network.ethernets)) {
        facts.addresses.push(...(eth.addresses ?? []));
        for (const r of eth.routes ?? []) facts.routes.push(`${r.to === 'default' ? '0.0.0.0/0' : r.to} via ${r.via}`);
        if (eth.gateway4) facts.routes.push(`0.0.0.0/0 via ${eth.gateway4}`);
        facts.nameservers.push(...(eth.nameservers?.addresses ?? []));
      }
    }
    return facts;
  },
  networkd(files) {
    const text = files.filter((f) => /\.network$/.test(f.path)).map((f) => f.text).join('\n');
    return {
      addresses: matches(text, /^Address=(\S+)$/gm).map((m) => m[1]!),
      routes: text
        .split(/^\[/m)
        .filter((section) => section.startsWith('Route]'))
        // A [Route] without Destination= is the default route (systemd.network(5)).
        .map((section) => `${/^Destination=(\S+)$/m.exec(section)?.[1] ?? '0.0.0.0/0'} via ${/^Gateway=(\S+)$/m.exec(section)?.[1]}`),
      nameservers: [...matches(text, /^DNS=(.+)$/gm).flatMap((m) => m[1]!.trim().split(/\s+/)), ...resolvConf(files)],
    };
  },
  'sysconfig-rhel'(files) {
    const facts: Facts = { addresses: [], routes: [], nameservers: resolvConf(files) };
    for (const f of files) {
      const vars = shellVars(f.text);
      if (/ifcfg-/.test(f.path)) {
        facts.addresses.push(`${vars.IPADDR}/${vars.PREFIX ?? netmaskBits(vars.NETMASK!)}`);
        if (vars.GATEWAY && vars.DEFROUTE !== 'no') facts.routes.push(`0.0.0.0/0 via ${vars.GATEWAY}`);
        facts.nameservers.push(...Object.keys(vars).filter((k) => /^DNS\d$/.test(k)).map((k) => vars[k]!));
      } else if (/route-/.test(f.path)) {
        for (let i = 0; vars[`ADDRESS${i}`]; i++) facts.routes.push(`${vars[`ADDRESS${i}`]}/${netmaskBits(vars[`NETMASK${i}`]!)} via ${vars[`GATEWAY${i}`]}`);
        facts.routes.push(...matches(f.text, /^(\S+) via (\S+)/gm).map((m) => `${m[1] === 'default' ? '0.0.0.0/0' : m[1]} via ${m[2]}`));
      }
    }
    return facts;
  },
  'sysconfig-suse'(files) {
    const facts: Facts = { addresses: [], routes: [], nameservers: resolvConf(files) };
    for (const f of files) {
      const vars = shellVars(f.text);
      if (/ifcfg-/.test(f.path)) facts.addresses.push(vars.IPADDR!.includes('/') ? vars.IPADDR! : `${vars.IPADDR}/${netmaskBits(vars.NETMASK!)}`);
      else if (/ifroute-|\/routes$/.test(f.path)) {
        // A route with no gateway ('-') is a host route to an off-link gateway, not a route os.conf lists.
        facts.routes.push(
          ...matches(f.text, /^([^#\s]\S*)\s+(\S+)\s+\S+\s+\S+/gm)
            .filter((m) => m[2] !== '-')
            .map((m) => `${m[1] === 'default' ? '0.0.0.0/0' : m[1]} via ${m[2]}`),
        );
      } else if (/network\/config$/.test(f.path) && vars.NETCONFIG_DNS_STATIC_SERVERS) {
        facts.nameservers.push(...vars.NETCONFIG_DNS_STATIC_SERVERS.split(/\s+/));
      }
    }
    return facts;
  },
  'network-manager'(files) {
    const text = files.filter((f) => /nmconnection$/.test(f.path)).map((f) => f.text).join('\n');
    return {
      addresses: matches(text, /^address\d+=(\S+)$/gm).map((m) => m[1]!.split(',')[0]!),
      routes: [
        ...matches(text, /^route\d+=([^,\s]+),(\S+)$/gm).map((m) => `${m[1]} via ${m[2]}`),
        ...matches(text, /^gateway=(\S+)$/gm).map((m) => `0.0.0.0/0 via ${m[1]}`),
      ],
      nameservers: [...matches(text, /^dns=(.+)$/gm).flatMap((m) => m[1]!.split(';').filter(Boolean)), ...resolvConf(files)],
    };
  },
};

export function factsOf(kind: string, files: TextFile[]): Facts {
  const reader = factReaders[kind];
  if (!reader) throw new Error(`no fact reader for ${kind}`);
  return normalise(reader(files));
}
