// Configuration of others that the stack would apply to an os.conf NIC instead of (or besides) osconf's: an
// installer's or a cloud image's DHCP file, a catch-all, a profile bound to the NIC. Found by each stack's own
// matching rules over the registry's search path, and neutralised in the stack's own idiom:
// - ifupdown: the NIC's stanzas are commented out where they stand (as osconf already does in interfaces);
// - netplan: definitions for os.conf NICs are removed from the file (the file moves aside when nothing else
//   is left in it); a file in /lib/netplan is shadowed by an edited copy of the same name in /etc/netplan;
// - systemd-networkd: a .network file that sorts before osconf's and matches the NIC moves aside (in /etc) or
//   is masked by a link to /dev/null of the same name in /etc (in /run, /usr/lib, /lib), systemd's idiom;
// - NetworkManager: a keyfile profile bound to the NIC (interface-name or mac-address) moves aside.
// Moved files go to /var/lib/osconf/disabled/<original path>, where no stack reads, and stay there as the
// backup. Pure: contents come in, actions come out.
import { isDocument, parseDocument } from 'yaml';
import type { Stack } from '../distro/profiles.js';
import { commentOutEniNics } from '../render/eni.js';
import { isOsconfFile } from '../render/header.js';
import { ownedNic, STACK_RENDERERS } from '../render/index.js';
import type { Action } from './actions.js';

export const DISABLED_DIR = '/var/lib/osconf/disabled';

/** A NIC as the stack sees it: os.conf's name (id), the running name and the MAC (lower case). */
export interface NicRef {
  id: string;
  name: string;
  mac: string;
}

export interface ForeignFile {
  path: string;
  /** null: a symbolic link (a mask to /dev/null, or anything else osconf does not follow); it still shadows. */
  content: string | null;
}

type ReadFile = ForeignFile & {
  content: string;
  /** A file of the same name further down the search path, shadowed by this one until it goes. */
  shadows: boolean;
};

/** One file of others that applies to os.conf NICs, and what osconf does about it. */
export interface Neutralization {
  path: string;
  /** os.conf names of the NICs it applied to. */
  nics: string[];
  /** Running NICs that os.conf does not name and that the file configured too (they lose that). */
  others: string[];
  actions: Action[];
  /** One line for the log and the state: the file, the NICs, what was done. */
  message: string;
}

/** fnmatch(3) without flags, as networkd's Name= and netplan's match.name use it. */
export function globMatches(glob: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(name);
}

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const moveAside = (path: string, before: string): Action => ({ kind: 'move', path, to: `${DISABLED_DIR}${path}`, before, purpose: 'move aside: it would configure an os.conf NIC' });

/** The files a stack reads that are not osconf's own, in the stack's precedence order, shadowed ones left out. */
function effectiveFiles(stack: Stack, files: readonly ForeignFile[]): ReadFile[] {
  const shadowing = stack === 'networkd' || stack === 'netplan';
  const inOrder = STACK_RENDERERS[stack].searchPath.flatMap((dir) =>
    files.filter((x) => x.path.startsWith(`${dir.dir}/`) && !x.path.slice(dir.dir.length + 1).includes('/') && dir.name.test(base(x.path))).sort((a, b) => (a.path < b.path ? -1 : 1)),
  );
  const seen = new Set<string>();
  const out: ReadFile[] = [];
  for (const [i, f] of inOrder.entries()) {
    // networkd, netplan: a name in an earlier directory shadows the same name in later ones.
    if (shadowing && seen.has(base(f.path))) continue;
    seen.add(base(f.path));
    if (f.content === null || ownedNic(f.path).owned || isOsconfFile(f.content)) continue;
    const shadows = shadowing && inOrder.slice(i + 1).some((g) => base(g.path) === base(f.path));
    out.push({ path: f.path, content: f.content, shadows });
  }
  return out;
}

/** A file of others osconf leaves as it is, with the reason: still reported, so the operator knows. */
function leftAlone(f: ReadFile, nics: NicRef[], why: string): Neutralization {
  return { path: f.path, nics: nics.map((n) => n.id), others: [], actions: [], message: `${f.path} would configure ${nics.map((n) => n.name).join(', ')} but is left as it is: ${why}` };
}

// --- systemd-networkd: systemd.network(5) [Match] ---

/**
 * The [Match] conditions of a .network file: per key its words, each `!`-prefixed when its assignment was
 * (systemd.network(5): a list prefixed with `!` is inverted); all keys must hold; none: matches every link.
 */
function networkdMatch(content: string): Map<string, string[]> {
  const match = new Map<string, string[]>();
  let section = '';
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    if (section !== 'Match') continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    // An empty assignment resets the list, as in every systemd list setting.
    const invert = value.startsWith('!');
    const words = (invert ? value.slice(1) : value).split(/\s+/).filter(Boolean).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
    match.set(key, value === '' ? [] : [...(match.get(key) ?? []), ...words.map((w) => (invert ? `!${w}` : w))]);
  }
  return match;
}

/** systemd's list test: any inverted word that matches fails it; else it holds when a plain word matches or none is plain. */
function listHolds(words: string[], test: (word: string) => boolean): boolean {
  let positive = false;
  let hit = false;
  for (const w of words) {
    const invert = w.startsWith('!');
    const word = invert ? w.slice(1) : w;
    if (!invert) positive = true;
    if (test(word)) {
      if (invert) return false;
      hit = true;
    }
  }
  return positive ? hit : true;
}

const hex = (mac: string) => mac.toLowerCase().replace(/[^0-9a-f]/g, '');

/** Whether a [Match] fits the NIC; null when it has a condition that cannot be judged here (Driver=, Path=, ...). */
function networkdMatches(match: Map<string, string[]>, nic: NicRef): boolean | null {
  for (const [key, words] of match) {
    if (words.length === 0) continue;
    let holds: boolean;
    if (key === 'Name' || key === 'OriginalName') holds = listHolds(words, (g) => globMatches(g, nic.name));
    else if (key === 'MACAddress' || key === 'PermanentMACAddress') holds = listHolds(words, (m) => hex(m) === hex(nic.mac));
    else if (key === 'Type') holds = listHolds(words, (g) => globMatches(g, 'ether'));
    else return null;
    if (!holds) return false;
  }
  return true;
}

function networkdForeign(files: ReadFile[], nics: NicRef[], others: NicRef[], ownFiles: ReadonlyMap<string, string>): Neutralization[] {
  const etcDir = STACK_RENDERERS.networkd.owns[0]!.dir;
  const out: Neutralization[] = [];
  for (const f of files) {
    const match = networkdMatch(f.content);
    // Only a file that sorts before osconf's own can win (networkd applies the first match).
    const first = nics.filter((n) => base(f.path) < base(ownFiles.get(n.id) ?? '~'));
    const undecided = first.filter((n) => networkdMatches(match, n) === null);
    if (undecided.length > 0) out.push(leftAlone(f, undecided, 'its [Match] has conditions osconf cannot judge (Driver=, Path=, ...)'));
    const hits = first.filter((n) => networkdMatches(match, n) === true);
    if (hits.length === 0) continue;
    const lost = others.filter((n) => networkdMatches(match, n) === true).map((n) => n.name);
    const inEtc = f.path.startsWith(`${etcDir}/`);
    const mask = `${etcDir}/${base(f.path)}`;
    const maskIt: Action = { kind: 'symlink', path: mask, target: '/dev/null', purpose: `mask ${f.path}: it would configure an os.conf NIC` };
    // Moving an /etc file would uncover a vendor file of the same name: it is masked in the same place.
    const actions: Action[] = inEtc ? [moveAside(f.path, f.content), ...(f.shadows ? [maskIt] : [])] : [maskIt];
    const done = inEtc ? `moved to ${DISABLED_DIR}${f.path}${f.shadows ? `, and ${mask} -> /dev/null masks the file it shadowed` : ''}` : `masked by ${mask} -> /dev/null`;
    out.push({ path: f.path, nics: hits.map((n) => n.id), others: lost, actions, message: `${f.path} would configure ${hits.map((n) => n.name).join(', ')} before osconf's file: ${done}` });
  }
  return out;
}

// --- netplan: netplan(5) ---

interface NetplanDefinition {
  id: string;
  match: { name?: string; macaddress?: string } | null;
}

function netplanMatches(d: NetplanDefinition, nic: NicRef): boolean {
  if (d.match === null) return d.id === nic.name;
  if (d.match.macaddress !== undefined && d.match.macaddress.toLowerCase() !== nic.mac) return false;
  if (d.match.name !== undefined && !globMatches(d.match.name, nic.name)) return false;
  return d.match.macaddress !== undefined || d.match.name !== undefined;
}

/** Device ids that netplan's virtual devices refer to (bridges, bonds, VLANs, ...), across every file. */
function netplanReferences(files: ReadFile[]): Map<string, string> {
  const refs = new Map<string, string>();
  for (const f of files) {
    const doc = parseDocument(f.content);
    if (doc.errors.length > 0) continue;
    const network = (doc.toJS() as { network?: Record<string, unknown> } | null)?.network ?? {};
    for (const kind of ['bridges', 'bonds', 'vlans', 'tunnels', 'vrfs', 'dummy-devices']) {
      for (const [id, def] of Object.entries((network[kind] as Record<string, { interfaces?: unknown; link?: unknown }> | undefined) ?? {})) {
        const named = [...(Array.isArray(def?.interfaces) ? def.interfaces : []), ...(typeof def?.link === 'string' ? [def.link] : [])];
        for (const n of named) refs.set(String(n), `${kind} ${id} in ${f.path}`);
      }
    }
  }
  return refs;
}

function netplanForeign(files: ReadFile[], nics: NicRef[], others: NicRef[]): Neutralization[] {
  const out: Neutralization[] = [];
  const refs = netplanReferences(files);
  const etcDir = STACK_RENDERERS.netplan.owns[0]!.dir;
  for (const f of files) {
    const doc = parseDocument(f.content);
    if (doc.errors.length > 0 || !isDocument(doc)) continue;
    const ethernets = doc.getIn(['network', 'ethernets'], true) as { items?: Array<{ key: unknown; value: unknown }> } | undefined;
    if (!ethernets?.items) continue;
    const defs: NetplanDefinition[] = ethernets.items.map((item) => {
      const id = String((item.key as { value?: unknown })?.value ?? item.key);
      const m = doc.getIn(['network', 'ethernets', id, 'match']) as unknown;
      const match = m && typeof m === 'object' ? (JSON.parse(JSON.stringify(m)) as { name?: string; macaddress?: string }) : null;
      return { id, match };
    });
    const conflicting = defs.filter((d) => nics.some((n) => netplanMatches(d, n)));
    if (conflicting.length === 0) continue;
    const hits = nics.filter((n) => conflicting.some((d) => netplanMatches(d, n)));
    const referenced = conflicting.filter((d) => refs.has(d.id));
    if (referenced.length > 0) {
      // Removing a bridge's or bond's member would break the device, or hand it osconf's NIC: not osconf's call.
      out.push(leftAlone(f, hits, `${referenced.map((d) => `${d.id} is a member of ${refs.get(d.id)}`).join('; ')}`));
      continue;
    }
    const lost = others.filter((n) => conflicting.some((d) => netplanMatches(d, n))).map((n) => n.name);
    const ids = conflicting.map((d) => d.id).join(', ');
    let edited: string;
    try {
      for (const d of conflicting) doc.deleteIn(['network', 'ethernets', d.id]);
      const rest = doc.getIn(['network', 'ethernets']) as { items?: unknown[] } | undefined;
      if (rest?.items?.length === 0) doc.deleteIn(['network', 'ethernets']);
      edited = doc.toString();
    } catch (e) {
      // An alias into a removed definition, say: the file cannot be edited safely.
      out.push(leftAlone(f, hits, `it cannot be edited safely (${e instanceof Error ? e.message : String(e)})`));
      continue;
    }
    const network = doc.getIn(['network']) as { items?: Array<{ key: unknown }> } | undefined;
    const keysLeft = (network?.items ?? []).map((i) => String((i.key as { value?: unknown })?.value ?? i.key)).filter((k) => k !== 'version');
    let actions: Action[];
    let done: string;
    // A file with nothing else in it moves aside, unless moving it would uncover a same-named file further down.
    if (keysLeft.length === 0 && f.path.startsWith(`${etcDir}/`) && !f.shadows) {
      actions = [moveAside(f.path, f.content)];
      done = `moved to ${DISABLED_DIR}${f.path}`;
    } else {
      // netplan reads /etc before /lib by name: an edited copy in /etc shadows a file in /lib.
      const target = f.path.startsWith(`${etcDir}/`) || f.path.startsWith('/run/') ? f.path : `${etcDir}/${base(f.path)}`;
      actions = [{ kind: 'write', path: target, content: edited, mode: 0o600, before: target === f.path ? f.content : null, sensitive: 'it is another program\'s configuration' }];
      done = target === f.path ? `definition ${ids} removed` : `shadowed by ${target} without ${ids}`;
    }
    out.push({ path: f.path, nics: hits.map((n) => n.id), others: lost, actions, message: `${f.path} would configure ${hits.map((n) => n.name).join(', ')} (${ids}): ${done}` });
  }
  return out;
}

// --- ifupdown: interfaces(5) ---

function eniForeign(files: ReadFile[], nics: NicRef[], ownFile: string): Neutralization[] {
  const out: Neutralization[] = [];
  const marker = `${ownFile} configures this interface`;
  for (const f of files) {
    // The main interfaces file is the eni renderer's own edit (editEniMain).
    if (STACK_RENDERERS.eni.edits.includes(f.path)) continue;
    const edited = commentOutEniNics(f.content, new Set(nics.map((n) => n.name)), marker);
    if (edited === null) continue;
    const hits = nics.filter((n) => commentOutEniNics(f.content, new Set([n.name]), marker) !== null);
    // Still named in a stanza left active (bridge_ports, bond-slaves, vlan-raw-device): not osconf's call.
    const stillNamed = hits.filter((n) => edited.split('\n').some((l) => !/^\s*#/.test(l) && l.trim().split(/\s+/).slice(1).includes(n.name)));
    if (stillNamed.length > 0) {
      out.push(leftAlone(f, stillNamed, 'another stanza in it uses the NIC (a bridge, bond or VLAN)'));
      continue;
    }
    out.push({
      path: f.path,
      nics: hits.map((n) => n.id),
      others: [],
      actions: [{ kind: 'write', path: f.path, content: edited, mode: 0o644, before: f.content, sensitive: "it is another program's configuration" }],
      message: `${f.path} would configure ${hits.map((n) => n.name).join(', ')}: its stanzas for them are commented out`,
    });
  }
  return out;
}

// --- NetworkManager: nm-settings-keyfile(5) ---

function keyfileValue(content: string, section: string, key: string): string | null {
  let current = '';
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    const s = /^\[(.+)\]$/.exec(line);
    if (s) current = s[1]!;
    else if (current === section && line.startsWith(`${key}=`)) return line.slice(key.length + 1).trim();
  }
  return null;
}

function nmForeign(files: ReadFile[], nics: NicRef[]): Neutralization[] {
  const out: Neutralization[] = [];
  for (const f of files) {
    if (!f.path.startsWith('/etc/')) continue;
    const ifname = keyfileValue(f.content, 'connection', 'interface-name');
    const mac = (keyfileValue(f.content, 'ethernet', 'mac-address') ?? keyfileValue(f.content, '802-3-ethernet', 'mac-address'))?.toLowerCase() ?? null;
    // Profiles bound to no device compete by autoconnect-priority, which osconf's (100) wins.
    const hits = nics.filter((n) => (ifname !== null && ifname === n.name) || (mac !== null && mac === n.mac));
    if (hits.length === 0) continue;
    out.push({
      path: f.path,
      nics: hits.map((n) => n.id),
      others: [],
      actions: [moveAside(f.path, f.content)],
      message: `${f.path} is a profile for ${hits.map((n) => n.name).join(', ')}: moved to ${DISABLED_DIR}${f.path}`,
    });
  }
  return out;
}

/**
 * Everything of others that `stack` would apply to the os.conf NICs, with what to do about each. `files`: the
 * stack's search path as read (registry order and names); `ownFiles`: osconf's own file per NIC (os.conf
 * name → path), for precedence; `others`: running NICs os.conf does not name.
 */
export function findForeignConfig(
  stack: Stack,
  files: readonly ForeignFile[],
  nics: NicRef[],
  ownFiles: ReadonlyMap<string, string>,
  others: NicRef[] = [],
): Neutralization[] {
  if (nics.length === 0) return [];
  const effective = effectiveFiles(stack, files);
  try {
    switch (stack) {
      case 'networkd':
        return networkdForeign(effective, nics, others, ownFiles);
      case 'netplan':
        return netplanForeign(effective, nics, others);
      case 'eni':
        return eniForeign(effective, nics, STACK_RENDERERS.eni.files[0]!);
      case 'network-manager':
        return nmForeign(effective, nics);
      default:
        return [];
    }
  } catch (e) {
    // A file osconf cannot make sense of must never stop the rest of the apply.
    const why = e instanceof Error ? e.message : String(e);
    return [{ path: '', nics: [], others: [], actions: [], message: `the ${stack} configuration of others was not checked: ${why}` }];
  }
}
