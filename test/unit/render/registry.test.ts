// The renderer registry is the one place a stack's paths are written: every file a renderer produces is one
// the registry declares (with the NIC its name says), and no module outside src/render/ spells a stack's
// directory or file itself.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readOsConf } from '../../../src/config/validate.js';
import { PROFILES } from '../../../src/distro/profiles.js';
import { EDITED_FILES, FIXED_STACK_FILES, ownedNic, STACK_RENDERERS } from '../../../src/render/index.js';
import { renderSystem } from '../../../src/render/system.js';
import { goldenDir, repoRoot } from '../../helpers/paths.js';

const config = readOsConf(readFileSync(join(goldenDir, 'three-nics', 'input.conf'))).config;

test('every network file of every profile is declared by its stack, and names the NIC it configures', (t) => {
  for (const profile of Object.values(PROFILES)) {
    if (!profile.stack) continue;
    const entry = STACK_RENDERERS[profile.stack];
    const files = renderSystem({ config, profile, existing: (p) => (p === '/etc/network/interfaces' ? 'auto lo\niface lo inet loopback\n' : null) }).files.filter((f) => f.concern === 'network');
    t.true(files.length > 0, profile.id);
    for (const f of files) {
      const { owned, nic } = ownedNic(f.path);
      const declared = owned && entry.owns.some((o) => f.path.startsWith(`${o.dir}/`));
      t.true(declared || entry.edits.includes(f.path), `${profile.id}: ${f.path} is not in the registry`);
      t.true(f.nics !== undefined && f.nics.length > 0, `${f.path} names its NICs`);
      if (nic !== null) t.deepEqual(f.nics, [config.interfaces.find((n) => n.name === nic)!.name], `${f.path} is for ${nic}`);
      if (FIXED_STACK_FILES.includes(f.path)) t.deepEqual(f.nics, config.interfaces.map((n) => n.name));
    }
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('no module outside src/render/ writes a stack path of its own', (t) => {
  const paths = new Set<string>();
  for (const r of Object.values(STACK_RENDERERS)) {
    for (const o of r.owns) paths.add(o.dir);
    for (const d of r.searchPath) if (d.dir.startsWith('/etc/')) paths.add(d.dir);
    for (const p of [...r.files, ...r.edits]) paths.add(p);
  }
  t.true(paths.size >= 8);
  // Detection looks for a stack's presence (its tools and directories): evidence, not where osconf writes.
  // Profiles name EL6's host name file /etc/sysconfig/network, a file where SUSE has its stack directory.
  const exempt = new Set(['src/distro/detect.ts', 'src/distro/profiles.ts']);
  const offences: string[] = [];
  for (const file of sources(join(repoRoot, 'src'))) {
    const rel = relative(repoRoot, file);
    if (rel.startsWith('src/render/') || exempt.has(rel)) continue;
    const text = readFileSync(file, 'utf8');
    for (const p of paths) if (text.includes(`'${p}`) || text.includes(`"${p}`) || text.includes(`\`${p}`)) offences.push(`${rel}: ${p}`);
  }
  t.deepEqual(offences, []);
  t.true(EDITED_FILES.includes('/etc/network/interfaces'));
});
