// ifupdown (Debian, Ubuntu 16.04) and ifupdown-ng (Alpine): /etc/network/interfaces.d/50-osconf.
// https://manpages.debian.org/bookworm/ifupdown/interfaces.5.en.html
// ENI cannot match by MAC, so stanzas use the running name of each NIC. Static routes go through iproute2
// (`ip route replace`, idempotent), never net-tools' `route`, which minimal images lack. `dns-nameservers` lines
// are written only where resolvconf's if-up.d hook hands them on (the DNS table, render/dns-owner.ts, says so);
// ifupdown itself ignores them. A gateway outside the NIC's subnet is added with `onlink` by an `up` line
// instead of `gateway`: ifupdown 0.8 adds its gateway with onlink, but other ENI implementations (ifupdown-ng,
// older ifupdown) do not, and static routes through such a gateway need it everywhere.
// The main file gets `source` of our one file by its full path when it sources nothing of interfaces.d: every
// ifupdown and ifupdown-ng reads that. A pattern (`source /etc/network/interfaces.d/*`, Debian's own line) is
// read by ifupdown only: every ifupdown-ng release up to 0.12.1, the newest, opens the pattern as a file name and
// refuses the whole configuration, loopback included (libifupdown/interface-file.c handle_source; patterns came
// after 0.12.1). `source-directory` would also bring up whatever else lies in interfaces.d, which nothing read before.
// Where ifupdown-ng reads the file (Alpine), a pattern line already there is commented out with a marker: it
// would make ifupdown-ng refuse everything, osconf's file included.
import type { NetworkFile } from './network-file.js';
import { withHeader } from './header.js';
import type { NicView } from './nic-view.js';

export const ENI_FILE = '/etc/network/interfaces.d/50-osconf';
export const ENI_MAIN = '/etc/network/interfaces';

export function renderEni(nics: NicView[], options: { nameservers: boolean }): NetworkFile[] {
  if (nics.length === 0) return [];
  const stanzas = nics.map((nic) => {
    const lines = [`auto ${nic.name}`, `iface ${nic.name} inet static`, `    address ${nic.address}`, `    netmask ${nic.netmask}`];
    if (nic.defaultVia && !nic.defaultOnLink) lines.push(`    gateway ${nic.defaultVia}`);
    if (options.nameservers && nic.nameservers.length > 0) lines.push(`    dns-nameservers ${nic.nameservers.join(' ')}`);
    for (const r of nic.routes) lines.push(`    up ip route replace ${r.to} via ${r.via} dev ${nic.name}${r.onLink ? ' onlink' : ''}`);
    if (nic.defaultVia && nic.defaultOnLink) lines.push(`    up ip route replace default via ${nic.defaultVia} dev ${nic.name} onlink`);
    return lines.join('\n');
  });
  return [{ path: ENI_FILE, mode: 0o644, content: withHeader(`${stanzas.join('\n\n')}\n`), nics: nics.map((n) => n.id) }];
}

/** The line osconf adds: our file by name, which ifupdown and every ifupdown-ng read (see the header). */
export const ENI_SOURCE_LINE = `source ${ENI_FILE}`;

/** What a line may source for our file to be read: interfaces.d by pattern or as a directory, or the file itself. */
const SOURCED = new Set(['/etc/network/interfaces.d/*', '/etc/network/interfaces.d/', '/etc/network/interfaces.d', ENI_FILE]);
const sourceWords = (line: string): string[] | null => {
  const words = line.trim().split(/\s+/);
  return words.length === 2 && (words[0] === 'source' || words[0] === 'source-directory') ? words : null;
};
const sourcesOurFile = (line: string, patterns: boolean): boolean => {
  const words = sourceWords(line);
  return words !== null && SOURCED.has(words[1]!) && (patterns || !isPatternSource(words));
};
/** A `source` line whose argument is a glob (interfaces(5) of ifupdown: wildcards are expanded; ifupdown-ng: not). */
const isPatternSource = (words: string[]): boolean => words[0] === 'source' && /[*?[]/.test(words[1]!);

/** The comment osconf puts above its source line, so that whoever removes osconf's file removes the line too. */
export const ENI_SOURCE_COMMENT = `# osconf: ${ENI_FILE} (os.conf's NICs); remove this line with that file`;

/**
 * /etc/network/interfaces as it must be for our file to take effect: a line that sources it (ENI_SOURCE_LINE,
 * under ENI_SOURCE_COMMENT, added when none does), and no other stanza for the NICs we configure (ifupdown refuses
 * two definitions of one interface). Those stanzas are commented out, not deleted, with a marker; everything else
 * is kept. `patterns`: the implementation expands `source` wildcards (ifupdown); false for ifupdown-ng (Alpine),
 * which refuses the whole configuration on one, so a pattern line is commented out with a marker instead. Null:
 * nothing to change. Source: interfaces(5) of ifupdown 0.8 and of ifupdown-ng (`source`, `source-directory`).
 */
export function editEniMain(existing: string | null, nics: NicView[], options: { patterns: boolean } = { patterns: true }): NetworkFile | null {
  if (existing === null || nics.length === 0) return null;
  let edited = commentOutEniNics(existing, new Set(nics.map((n) => n.name)), `${ENI_FILE} configures this interface`);
  if (!options.patterns) {
    const base = (edited ?? existing).replace(/\n$/, '').split('\n');
    const out = base.map((l) => {
      const words = sourceWords(l);
      return words && isPatternSource(words) ? `# ${l}  # osconf: ifupdown-ng reads no wildcards and would refuse this whole file` : l;
    });
    if (out.some((l, i) => l !== base[i])) edited = `${out.join('\n')}\n`;
  }
  const content = edited ?? `${existing.replace(/\n$/, '')}\n`;
  const lines = content.replace(/\n$/, '').split('\n');
  if (lines.some((l) => sourcesOurFile(l, options.patterns))) return edited === null ? null : { path: ENI_MAIN, mode: 0o644, content, nics: nics.map((n) => n.id) };
  return { path: ENI_MAIN, mode: 0o644, content: `${lines.join('\n')}\n\n${ENI_SOURCE_COMMENT}\n${ENI_SOURCE_LINE}\n`, nics: nics.map((n) => n.id) };
}

/**
 * /etc/network/interfaces without the source line osconf added (ENI_SOURCE_COMMENT directly above
 * ENI_SOURCE_LINE, and the blank line editEniMain put before them), for when osconf's file goes: ifupdown-ng
 * refuses a whole configuration that sources a missing file. A source line without osconf's comment is the
 * image's and stays. Null: no such pair. Shape: the file's text in, its new text out.
 */
export function dropEniSource(existing: string | null): string | null {
  if (existing === null) return null;
  const lines = existing.replace(/\n$/, '').split('\n');
  const at = lines.findIndex((l, i) => l.trim() === ENI_SOURCE_COMMENT && lines[i + 1]?.trim() === ENI_SOURCE_LINE);
  if (at < 0) return null;
  const from = at > 0 && lines[at - 1]!.trim() === '' ? at - 1 : at;
  const kept = [...lines.slice(0, from), ...lines.slice(at + 2)];
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

/**
 * `content` of an interfaces(5) file with every stanza and auto/allow line for `names` commented out, each
 * marked `# osconf: MARKER`, everything else kept; null when nothing in it names them.
 */
export function commentOutEniNics(content: string, names: ReadonlySet<string>, marker: string): string | null {
  const lines = content.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let inStanza = false;
  let changed = false;
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    const keyword = words[0] ?? '';
    const startsStanza = /^(iface|mapping|auto|allow-[\w-]+|source|source-directory|rename)$/.test(keyword) && !/^\s/.test(line);
    if (startsStanza) {
      inStanza = (keyword === 'iface' || keyword === 'mapping') && names.has(words[1] ?? '');
      if ((keyword === 'auto' || keyword.startsWith('allow-')) && words.slice(1).some((w) => names.has(w))) {
        const rest = words.slice(1).filter((w) => !names.has(w));
        out.push(`# ${line}  # osconf: ${marker}`);
        if (rest.length > 0) out.push(`${keyword} ${rest.join(' ')}`);
        changed = true;
        continue;
      }
    }
    if (inStanza && line.trim() !== '') {
      out.push(`# ${line}${startsStanza ? `  # osconf: ${marker}` : ''}`);
      changed = true;
      continue;
    }
    out.push(line);
  }
  return changed ? `${out.join('\n')}\n` : null;
}

