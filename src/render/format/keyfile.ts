// Sectioned key=value files: systemd units (systemd.syntax(7)) and NetworkManager keyfiles
// (nm-settings-keyfile(5)). Sections may repeat (networkd's [Route]); order is the caller's.
export type Section = [name: string, entries: Array<[string, string]>];

export function renderSections(sections: Section[]): string {
  return sections
    .filter(([, entries]) => entries.length > 0)
    .map(([name, entries]) => `[${name}]\n${entries.map(([k, v]) => `${k}=${v}\n`).join('')}`)
    .join('\n');
}
