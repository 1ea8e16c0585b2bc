// A value that must never reach a log, a state file, JSON output or a test snapshot by accident.
// Every way Node turns an object into text prints "(set)"; only reveal() gives the value.

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');
export const REDACTED = '(set)';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspectSymbol](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

// What follows `password=` anywhere on a line (after a BOM, `local `, `export `, inside a comment): the value up
// to its closing quote, or up to a blank or shell operator when unquoted.
const PASSWORD_VALUE = /password[ \t]*=[ \t]*(?:"([^"]{0,4096})"?|'([^']{0,4096})'?|([^\s;&|<>()#"']{1,4096}))/gi;
/** Shorter text is too common to replace in messages (it would hide words, not secrets). */
export const MIN_SECRET_LENGTH = 4;

/**
 * Every text that may be a root password in this os.conf, by value rather than by key: the value after each
 * `password=` wherever it sits (a line os.conf cannot read, an unknown key such as `local password=`), as
 * written, without line breaks, without Base64 padding, and its Base64 decoding (`base64 -d`, trailing
 * newlines dropped as `$(...)` does). Texts shorter than MIN_SECRET_LENGTH are left out. Longest first, so
 * that redaction replaces a value before any part of it.
 */
export function secretsIn(input: Uint8Array | string): string[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const found = new Set<string>();
  // exec in a loop, not matchAll: Node 10 has no matchAll.
  PASSWORD_VALUE.lastIndex = 0;
  for (let m = PASSWORD_VALUE.exec(text); m !== null; m = PASSWORD_VALUE.exec(text)) {
    const raw = m[1] ?? m[2] ?? m[3] ?? '';
    const joined = raw.replace(/\\?\r?\n/g, '');
    for (const v of [raw, joined, joined.replace(/=+$/, '')]) found.add(v);
    if (/^[A-Za-z0-9+/]+=*$/.test(joined)) {
      const decoded = Buffer.from(joined, 'base64').toString('utf8').replace(/\n+$/, '');
      found.add(decoded);
      for (const line of decoded.split('\n')) found.add(line);
    }
  }
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` (at least MIN_SECRET_LENGTH long) replaced by `replacement`. */
export function redactSecrets(text: string, secrets: readonly string[], replacement = REDACTED): string {
  let clean = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH) clean = clean.split(s).join(replacement);
  return clean;
}
