// Proof against the real cloud-init 22.4: its net-convert turns our network-config v1 and v2 into every output
// kind it has, and the addresses, routes and name servers in what it wrote are exactly ours. Its schema
// command accepts our user-data.
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { InstanceConfig } from '../../src/config/model.js';
import { staticRoutes } from '../../src/config/model.js';
import { readOsConf } from '../../src/config/validate.js';
import { cloudInit } from '../helpers/cloud-init.js';
import { goldenDir } from '../helpers/paths.js';
import { osconf } from '../helpers/run.js';

interface Facts {
  addresses: string[];
  routes: string[];
  nameservers: string[];
}

const netmaskBits = (mask: string): number =>
  mask.split('.').reduce((n, octet) => n + Number(octet).toString(2).replace(/0/g, '').length, 0);
const uniqSorted = (xs: string[]): string[] => [...new Set(xs)].sort();
const normalise = (f: Facts): Facts => ({ addresses: uniqSorted(f.addresses), routes: uniqSorted(f.routes), nameservers: uniqSorted(f.nameservers) });

function expectedFacts(config: InstanceConfig): Facts {
  const routes = config.interfaces.flatMap((n) => staticRoutes(n).map((r) => `${r.to} via ${r.via}`));
  if (config.defaultRoute) routes.push(`0.0.0.0/0 via ${config.defaultRoute.via}`);
  return normalise({ addresses: config.interfaces.map((n) => `${n.address}/${n.prefix}`), routes, nameservers: config.nameservers });
}

function allFiles(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => {
      const path = join(d.parentPath ?? (d as unknown as { path: string }).path, d.name);
      return { path, text: readFileSync(path, 'utf8') };
    });
}

const matches = (text: string, re: RegExp): RegExpExecArray[] => [...text.matchAll(re)];

// Readers of each output kind: what addresses, routes and name servers the files configure.
const readers: Record<string, (files: Array<{ path: string; text: string }>) => Facts> = {
  eni(files) {
    const text = files.map((f) => f.text).join('\n');
    return {
      addresses: matches(text, /^\s+address (\S+)$/gm).map((m) => m[1]!),
      routes: [
        ...matches(text, /post-up route add -net (\S+) gw (\S+)/g).map((m) => `${m[1]} via ${m[2]}`),
        ...matches(text, /post-up route add default gw (\S+)/g).map((m) => `0.0.0.0/0 via ${m[1]}`),
        ...matches(text, /^\s+gateway (\S+)$/gm).map((m) => `0.0.0.0/0 via ${m[1]}`),
      ],
      nameservers: matches(text, /dns-nameservers (.+)$/gm).flatMap((m) => m[1]!.trim().split(/\s+/)),
    };
  },
  netplan(files) {
    const facts: Facts = { addresses: [], routes: [], nameservers: [] };
    for (const f of files) {
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
    const text = files.map((f) => f.text).join('\n');
    return {
      addresses: matches(text, /^Address=(\S+)$/gm).map((m) => m[1]!),
      routes: text
        .split(/^\[/m)
        .filter((section) => section.startsWith('Route]'))
        // A [Route] without Destination= is the default route (systemd.network(5)).
        .map((section) => `${/^Destination=(\S+)$/m.exec(section)?.[1] ?? '0.0.0.0/0'} via ${/^Gateway=(\S+)$/m.exec(section)?.[1]}`),
      nameservers: matches(text, /^DNS=(.+)$/gm).flatMap((m) => m[1]!.trim().split(/\s+/)),
    };
  },
  sysconfig(files) {
    const facts: Facts = { addresses: [], routes: [], nameservers: [] };
    for (const f of files) {
      const vars = Object.fromEntries(matches(f.text, /^([A-Z0-9_]+)=(.*)$/gm).map((m) => [m[1]!, m[2]!]));
      if (/ifcfg-/.test(f.path)) {
        facts.addresses.push(`${vars.IPADDR}/${netmaskBits(vars.NETMASK!)}`);
        if (vars.GATEWAY && vars.DEFROUTE === 'yes') facts.routes.push(`0.0.0.0/0 via ${vars.GATEWAY}`);
        facts.nameservers.push(...Object.keys(vars).filter((k) => /^DNS\d$/.test(k)).map((k) => vars[k]!));
      } else if (/route-/.test(f.path)) {
        for (let i = 0; vars[`ADDRESS${i}`]; i++) {
          facts.routes.push(`${vars[`ADDRESS${i}`]}/${netmaskBits(vars[`NETMASK${i}`]!)} via ${vars[`GATEWAY${i}`]}`);
        }
      } else if (/resolv\.conf$/.test(f.path)) {
        facts.nameservers.push(...matches(f.text, /^nameserver (\S+)$/gm).map((m) => m[1]!));
      }
    }
    return facts;
  },
  'network-manager'(files) {
    const text = files.map((f) => f.text).join('\n');
    return {
      addresses: matches(text, /^address\d+=(\S+)$/gm).map((m) => m[1]!.split(',')[0]!),
      routes: [
        ...matches(text, /^route\d+=([^,\s]+),(\S+)$/gm).map((m) => `${m[1]} via ${m[2]}`),
        ...matches(text, /^gateway=(\S+)$/gm).map((m) => `0.0.0.0/0 via ${m[1]}`),
      ],
      nameservers: matches(text, /^dns=(.+)$/gm).flatMap((m) => m[1]!.split(';').filter(Boolean)),
    };
  },
};

const distroFor: Record<string, string> = { eni: 'debian', netplan: 'ubuntu', networkd: 'arch', sysconfig: 'rhel', 'network-manager': 'fedora' };
const cases = ['vpc', 'classic', 'three-nics', 'no-dns', 'routes-without-default'];

for (const name of cases) {
  for (const [format, flag] of [
    ['v2', 'network-config'],
    ['v1', 'network-config-v1'],
  ] as const) {
    test(`cloud-init net-convert renders our network-config ${format} for ${name}, every output kind`, async (t) => {
      const conf = join(goldenDir, name, 'input.conf');
      const expected = expectedFacts(readOsConf(readFileSync(conf)).config);
      const work = mkdtempSync(join(tmpdir(), 'osconf-netconvert-'));
      try {
        const view = await osconf(['datasource', '--conf', conf, '--format', flag]);
        t.is(view.code, 0, view.stderr);
        writeFileSync(join(work, 'network-config'), view.stdout);
        for (const kind of Object.keys(readers)) {
          const out = join(work, kind);
          const r = await cloudInit(['devel', 'net-convert', '-p', join(work, 'network-config'), '-k', 'yaml', '-D', distroFor[kind]!, '-O', kind, '-d', out]);
          t.is(r.code, 0, `${kind}: ${r.stderr}`);
          const files = allFiles(out).filter((f) => !/udev|NetworkManager\/conf\.d|sysconfig\/network$|route6-/.test(f.path));
          t.deepEqual(normalise(readers[kind]!(files)), expected, `${kind} from ${format}`);
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
}

test('cloud-init schema accepts our user-data, with and without a password', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'osconf-schema-'));
  try {
    for (const name of ['vpc', 'hostname-only']) {
      const view = await osconf(['datasource', '--conf', join(goldenDir, name, 'input.conf'), '--format', 'user-data']);
      t.is(view.code, 0, view.stderr);
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, view.stdout);
      const r = await cloudInit(['schema', '--config-file', file]);
      t.is(r.code, 0, r.stdout + r.stderr);
      t.regex(r.stdout, /Valid cloud-config/);
    }
    // The check is real: cloud-init refuses a user-data that breaks its schema.
    writeFileSync(join(work, 'bad.yaml'), '#cloud-config\nchpasswd:\n  users:\n    - name: root\n      pass: x\n');
    t.not((await cloudInit(['schema', '--config-file', join(work, 'bad.yaml')])).code, 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
