// The host name rules: what os.conf's `hostname` may be, and what the kernel and the static files get.
// Pure; used by the validator (config/validate.ts) and the renderers (render/hostname.ts, the planner).

/** The kernel's limit on the running host name (Linux `__NEW_UTS_LEN`, POSIX `HOST_NAME_MAX` on Linux): 64 bytes. */
export const HOST_NAME_MAX = 64;
/** RFC 1123 §2.1 (after RFC 1035 §2.3.4): a label is 1 to 63 characters, a name at most 253 written without the final dot. */
export const LABEL_MAX = 63;
export const NAME_MAX = 253;

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export type HostnameCheck = { ok: true; value: string } | { ok: false; message: string };

/**
 * Checks os.conf's host name and returns it as osconf keeps it:
 * - one trailing dot (an absolute FQDN) is dropped, as hostnamectl(1) does (systemd's hostname_cleanup());
 * - RFC 1123 §2.1: dot-separated labels of letters, digits and inner hyphens, 63 characters each, 253 in all;
 * - RFC 1123 §2.1: "a valid host-name can never have the dotted-decimal form #.#.#.#, since at least the
 *   highest-level component label will be alphabetic": a name whose last label is all digits (`12345`,
 *   `10.0.0.1`) is refused, as resolvers would read it as an address;
 * - `localhost`, `localhost.localdomain` and names under them are refused (RFC 6761 §6.3; systemd's
 *   is_localhost()): the /etc/hosts line would map the loopback name to the NIC's address.
 */
export function checkHostname(text: string): HostnameCheck {
  const bad = (message: string): HostnameCheck => ({ ok: false, message });
  const name = text.endsWith('.') && !text.endsWith('..') ? text.slice(0, -1) : text;
  if (name === '') return bad('is empty');
  if (name.length > NAME_MAX) return bad(`is ${name.length} characters long; a host name has at most ${NAME_MAX}`);
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') return bad(`${show(name)} has an empty label (leading or doubled '.')`);
    if (label.length > LABEL_MAX) return bad(`label ${JSON.stringify(label.slice(0, 20) + '...')} is ${label.length} characters; at most ${LABEL_MAX}`);
    if (!LABEL.test(label)) return bad(`${show(name)} is not a valid host name (RFC 1123: letters, digits and inner hyphens in dot-separated labels)`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) {
    return bad(`${show(name)} is ${labels.length === 1 ? 'all digits' : 'numeric in its last label'}; RFC 1123 §2.1 reserves that form for addresses`);
  }
  if (/(^|\.)localhost(\.localdomain)?$/i.test(name)) return bad(`${show(name)} is the loopback name; the instance needs a name of its own`);
  return { ok: true, value: name };
}

/**
 * The name the kernel and the static host name files get: os.conf's name when it fits the kernel's 64
 * characters, else its first label, as cloud-init does with an FQDN (util.get_hostname_fqdn() splits at the
 * first dot and the distro writes the short name). /etc/hosts carries the whole name either way.
 */
export function staticHostname(name: string): string {
  return name.length <= HOST_NAME_MAX ? name : name.slice(0, name.indexOf('.'));
}

function show(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
}
