// Fuzzing the renderers and the planner with random valid settings (the shared generator,
// test/helpers/os-conf-gen.ts; fast-check, fixed seed in CI; `npm run fuzz` for long runs): every file parses back in its own format to exactly the settings, nothing
// in a value can change a file's meaning, and no write is planned outside the files osconf manages.
import test from 'ava';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { parseOsConf } from '../../src/config/parse.js';
import { readOsConf } from '../../src/config/validate.js';
import { PROFILES } from '../../src/distro/profiles.js';
import { planApply } from '../../src/plan/apply-plan.js';
import { gather } from '../../src/apply/gather.js';
import { setLogLevel } from '../../src/log.js';
import { isManagedPath, ownedNic } from '../../src/render/index.js';
import { renderSystem } from '../../src/render/system.js';
import { CLOUD_CFG_NETWORK_OFF } from '../../src/plan/handoff-plan.js';
import { FakeHost } from '../helpers/fake-host.js';
import { RESOLVERS } from '../fixtures/resolvers.js';
import { osConfArb as osConf } from '../helpers/os-conf-gen.js';

setLogLevel('error');
const SEED = Number(process.env.OSCONF_FC_SEED ?? 20261125);
const RUNS = Number(process.env.OSCONF_FC_RUNS ?? 300);

/** The registry's managed paths (plus the cloud-init network switch); an osconf name must be for one of os.conf's NICs. */
const ALLOWED = {
  test(path: string, nicNames: string[]): boolean {
    if (path === CLOUD_CFG_NETWORK_OFF) return true;
    const { nic } = ownedNic(path);
    return isManagedPath(path) && (nic === null || nicNames.includes(nic));
  },
};

function checkFile(path: string, content: string): string | null {
  if (!content.endsWith('\n')) return `${path}: no final newline`;
  if (/\.ya?ml$/.test(path)) {
    const doc = parseYaml(content) as { network?: { ethernets?: Record<string, { addresses?: string[] }> } };
    if (!doc?.network?.ethernets) return `${path}: not a netplan document`;
  } else if (/\.(network|nmconnection)$/.test(path)) {
    for (const line of content.split('\n')) if (line !== '' && !/^(#.*|\[[A-Za-z0-9-]+\]|[A-Za-z0-9_-]+=[^\n]*)$/.test(line)) return `${path}: stray line ${JSON.stringify(line)}`;
  } else if (/\/(ifcfg|route|ifroute)-|\/sysconfig\/network(\/config)?$/.test(path)) {
    if (/ifcfg-|\/config$|\/sysconfig\/network$/.test(path)) {
      const parsed = parseOsConf(content);
      if (parsed.errors.length > 0) return `${path}: a shell would not read it as plain assignments: ${parsed.errors[0]!.message}`;
    }
  } else if (/interfaces/.test(path)) {
    for (const line of content.split('\n')) {
      if (line !== '' && !/^(#.*|auto \S+|iface \S+ inet static|source \S+| {4}(address|netmask|gateway) [0-9.]+| {4}dns-nameservers [0-9a-f.: ]+| {4}up ip route replace ([0-9./]+|default) via [0-9.]+ dev \S+( onlink)?)$/.test(line)) {
        return `${path}: unexpected line ${JSON.stringify(line)}`;
      }
    }
  }
  return null;
}

test('every renderer, fed random valid settings, writes files that parse back, and only where allowed', (t) => {
  fc.assert(
    fc.property(osConf, fc.constantFrom(...Object.values(RESOLVERS)), (text, resolver) => {
      const r = readOsConf(text);
      if (r.errors.length > 0) throw new Error(`generator made an invalid os.conf: ${JSON.stringify(r.errors)}\n${text}`);
      for (const profile of Object.values(PROFILES)) {
        for (const f of renderSystem({ config: r.config, profile, resolver }).files) {
          if (!ALLOWED.test(f.path, r.config.interfaces.map((n) => n.name))) throw new Error(`${profile.id} writes outside the allowed files: ${f.path}`);
          const problem = checkFile(f.path, f.content);
          if (problem) throw new Error(`${profile.id}: ${problem}\n${text}`);
          for (const nic of r.config.interfaces) {
            if (f.concern === 'network' && /osconf-eth|ifcfg-|50-osconf|90-osconf/.test(f.path) && f.path.includes(nic.name) && !f.content.includes(nic.address)) {
              throw new Error(`${f.path} lost ${nic.address}`);
            }
          }
        }
      }
      return true;
    }),
    // No shrinking: these generators shrink slowly, and the first counterexample is readable as it is.
    { seed: SEED, numRuns: Math.ceil(RUNS / 3), endOnFailure: true, includeErrorInReport: true },
  );
  t.pass();
});

test('the planner, fed random valid settings, plans writes only to the files osconf manages', async (t) => {
  await fc.assert(
    fc.asyncProperty(osConf, fc.constantFrom(...(Object.keys(PROFILES) as Array<keyof typeof PROFILES>)), async (text, id) => {
      const host = new FakeHost(false).put('/etc/shadow', 'root:*:1:0:99999:7:::\n').put('/etc/hosts', '127.0.0.1 localhost\n');
      const plan = planApply(await gather(host, readOsConf(text), { label: 'fuzz', profile: PROFILES[id], reasons: [] }));
      for (const c of plan.concerns) {
        for (const a of c.actions) {
          if (a.kind === 'exec' || a.kind === 'set-hostname') throw new Error(`an offline plan acts on the running system: ${a.kind}`);
          if (!ALLOWED.test(a.path, readOsConf(text).config.interfaces.map((n) => n.name))) throw new Error(`${id} plans ${a.kind} ${a.path}`);
        }
      }
      return true;
    }),
    // No shrinking: these generators shrink slowly, and the first counterexample is readable as it is.
    { seed: SEED, numRuns: Math.ceil(RUNS / 3), endOnFailure: true, includeErrorInReport: true },
  );
  t.pass();
});
