// Reads a file of shell assignments (os.conf, os-release(5)) the way a POSIX shell reads it, without ever
// evaluating it. Every construct where a shell would do more than assign a literal (substitution,
// expansion, operators, a second word run as a command) is an error naming the line and key. A quoted value
// may span lines and a backslash-newline joins lines, as in dash (POSIX.1-2017 XCU 2.2, 2.3): that logical
// line is one assignment, attributed to its key and its first line. A leaf: it imports nothing, so config/
// and distro/ both build on it.
// The messages are worded for os.conf, the file whose problems reach a person; os-release's are dropped.

export interface AssignmentIssue {
  /** 1-based line, or null for a file-level problem. */
  line: number | null;
  key: string | null;
  message: string;
}

export interface Assignment {
  key: string;
  value: string;
  line: number;
}

export interface Assignments {
  /** Last assignment wins, as in a shell; insertion order is first appearance. */
  entries: Map<string, Assignment>;
  warnings: AssignmentIssue[];
  errors: AssignmentIssue[];
}

export interface ReadOptions {
  /** Larger input (or `fileSize`) is refused whole, with one error. */
  maxBytes: number;
  /** The size on disk when the caller read only a bounded prefix of a larger file. */
  fileSize?: number;
  /** Keys whose values no message may quote (os.conf's password). */
  isSecret?: (key: string) => boolean;
  /**
   * Keys whose lines a message may quote (default: every key but a secret one). A line without a key is never
   * quoted: it may be a secret's line that could not be read (a BOM before `password=`).
   */
  quotable?: (key: string) => boolean;
  /** Applied to quoted text before it is shortened, so that no part of a secret is left (config/secret.ts). */
  redact?: (text: string) => string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
// Characters a shell treats as operators when unquoted.
const OPERATORS = new Set([';', '&', '|', '<', '>', '(', ')']);

class LineError extends Error {}

/**
 * Reads `input` (bytes or text) as assignments. Never throws: a file that is too large, has a NUL byte, is
 * not UTF-8 or has a bare carriage return gives one error and no entries; every other problem is an error
 * or warning on its line, and the lines a shell would refuse add no entry.
 */
export function readAssignments(input: Uint8Array | string, options: ReadOptions): Assignments {
  const result: Assignments = { entries: new Map(), warnings: [], errors: [] };
  const text = decode(input, result.errors, options.maxBytes, options.fileSize);
  if (text === null) return result;

  const isSecret = options.isSecret ?? ((): boolean => false);
  const quotable = options.quotable ?? ((key: string): boolean => !isSecret(key));
  const quote = (key: string | null, text: string): string | null => (key !== null && quotable(key) ? preview((options.redact ?? ((t: string): string => t))(text)) : null);
  const lines = text.split('\n').map((raw) => (raw.endsWith('\r') ? raw.slice(0, -1) : raw));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let index = 0; index < lines.length; ) {
    const first = lines[index]!;
    const trimmed = first.replace(/^[ \t]+/, '');
    if (trimmed === '' || trimmed.startsWith('#')) {
      index++;
      continue;
    }
    // A quote or a backslash-newline left open at the end of the file: dash refuses the whole file. Here only
    // the first line is judged (an error on its key) and reading goes on with the next, so a forgotten
    // closing quote costs one concern, not the lines after it.
    const last = logicalLineEnd(lines, index);
    // A quote or backslash left open runs the value on into a line that looks like a secret's assignment (a
    // typo before `password=`): the value would carry the secret, so it is refused and never quoted.
    const swallowed = last === null ? -1 : lines.slice(index + 1, last + 1).findIndex((l) => isSecret(/^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/.exec(l)?.[1] ?? ''));
    if (last !== null && swallowed >= 0) {
      const key = NAME.exec(trimmed.replace(/^export[ \t]+/, ''))?.[0] ?? null;
      result.errors.push({ line: index + 1, key, message: `its value runs on into line ${index + swallowed + 2}, which assigns a secret: a quote or backslash is not closed` });
      index = last + 1;
      continue;
    }
    const logical = last === null ? first : lines.slice(index, last + 1).join('\n');
    parseLine(logical, index + 1, result, isSecret, quote, last === null);
    index = last === null ? index + 1 : last + 1;
  }
  return result;
}

/**
 * The index of the physical line on which the logical line starting at `start` ends: past newlines inside
 * '…' and "…" and past backslash-newlines (outside single quotes), as the shell's token recognition does
 * (XCU 2.3); a `#` that starts a word begins a comment, whose quotes and backslashes do not count. Null when
 * the file ends first.
 */
export function logicalLineEnd(lines: readonly string[], start: number): number | null {
  let state: 'plain' | 'single' | 'double' = 'plain';
  // Only a newline ends a word here: a line is reached again only inside quotes or after a backslash-newline.
  let wordStart = true;
  for (let li = start; li < lines.length; li++) {
    const line = lines[li]!;
    let continued = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (state === 'single') {
        if (c === "'") state = 'plain';
        continue;
      }
      if (state === 'double') {
        if (c === '\\') {
          if (i === line.length - 1) continued = true;
          i++;
        } else if (c === '"') state = 'plain';
        continue;
      }
      if (c === ' ' || c === '\t') {
        wordStart = true;
        continue;
      }
      if (c === '#' && wordStart) break;
      wordStart = false;
      if (c === "'") state = 'single';
      else if (c === '"') state = 'double';
      else if (c === '\\') {
        if (i === line.length - 1) continued = true;
        i++;
      }
    }
    if (state === 'plain' && !continued) return li;
  }
  return null;
}

function decode(input: Uint8Array | string, errors: AssignmentIssue[], maxBytes: number, fileSize?: number): string | null {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const size = Math.max(fileSize ?? 0, bytes.length);
  if (size > maxBytes) {
    errors.push({ line: null, key: null, message: `file is ${size} bytes, over the ${maxBytes}-byte limit` });
    return null;
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    errors.push({ line: lineOfOffset(bytes, nul), key: null, message: 'contains a NUL byte (binary data, not a text file)' });
    return null;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    errors.push({ line: firstInvalidUtf8Line(bytes), key: null, message: 'is not valid UTF-8' });
    return null;
  }
  if (text.includes('\r') && /\r(?!\n)/.test(text)) {
    const offset = text.search(/\r(?!\n)/);
    errors.push({ line: text.slice(0, offset).split('\n').length, key: null, message: 'contains a bare carriage return' });
    return null;
  }
  return text;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function firstInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    if (newline === -1) return line;
    start = newline + 1;
  }
}

type Quote = (key: string | null, text: string) => string | null;

function parseLine(line: string, lineNo: number, result: Assignments, isSecret: (key: string) => boolean, quote: Quote, open = false): void {
  let rest = line.replace(/^[ \t]+/, '');
  if (rest === '' || rest.startsWith('#')) return;

  const exportMatch = /^export[ \t]+/.exec(rest);
  if (exportMatch) rest = rest.slice(exportMatch[0].length);

  const nameMatch = NAME.exec(rest);
  const key = nameMatch ? nameMatch[0] : null;
  const fail = (message: string): void => {
    result.errors.push({ line: lineNo, key, message });
  };
  if (!key) {
    if (rest.startsWith('[')) fail('section headers are not part of os.conf (it is a shell-style file of key=value lines)');
    else fail(`is not a key=value assignment${describeStart(rest)}`);
    return;
  }
  rest = rest.slice(key.length);
  const assignment = /^([ \t]*)=([ \t]*)/.exec(rest);
  const secret = isSecret(key);
  if (!assignment) {
    const quoted = quote(key, line.trim());
    fail(quoted === null ? 'is not a key=value assignment' : `is not a key=value assignment: ${quoted}`);
    return;
  }
  rest = rest.slice(assignment[0].length);
  const [, before, after] = assignment;
  if (before !== '') {
    result.warnings.push({
      line: lineNo,
      key,
      message: "has spaces around '=' (a shell would not read this line as an assignment); read as key=value",
    });
  } else if (after !== '' && rest !== '' && !rest.startsWith('#')) {
    result.warnings.push({
      line: lineNo,
      key,
      message: "has spaces after '=' (a shell would read an empty value and run the rest as a command); read as key=value",
    });
  }
  // `key=   # comment` is an empty value, as in a shell.
  if (after !== '' && rest.startsWith('#')) rest = '';

  let value: string;
  try {
    value = lexValue(rest, (text) => (secret ? null : quote(key, text)), open);
  } catch (e) {
    if (e instanceof LineError) {
      fail(e.message);
      return;
    }
    throw e;
  }

  const previous = result.entries.get(key);
  if (previous) {
    result.warnings.push({
      line: lineNo,
      key,
      message: `is set again (first on line ${previous.line}); the last value wins`,
    });
    result.entries.delete(key);
  }
  result.entries.set(key, { key, value, line: lineNo });
}

/**
 * One shell word made of unquoted, '…' and "…" parts, then optional blanks and a comment. `s` is a logical
 * line: newlines inside quotes are part of the value; a backslash-newline outside single quotes is removed
 * (XCU 2.2.1, 2.2.3). `open`: the file ended inside a quote or after a backslash (s is one line only).
 */
function lexValue(s: string, quote: (text: string) => string | null, open: boolean): string {
  let out = '';
  let i = 0;
  if (s.startsWith('~')) throw new LineError("starts with an unquoted '~' that a shell would expand to a home directory; quote the value");
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') break;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) throw new LineError('has an unterminated single quote (no closing quote before the end of the file)');
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const d = s[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\') {
          const next = s[i + 1];
          if (next === undefined) throw new LineError('ends with a backslash inside quotes at the end of the file');
          if (next === '\n') {
            i += 2;
            continue;
          }
          if (next === '$' || next === '`' || next === '"' || next === '\\') {
            out += next;
            i += 2;
            continue;
          }
          out += d;
          i++;
          continue;
        }
        if (d === '`' || (d === '$' && isExpansionStart(s[i + 1]))) throw new LineError(expansionMessage(s, i));
        out += d;
        i++;
      }
      if (!closed) throw new LineError('has an unterminated double quote (no closing quote before the end of the file)');
    } else if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) throw new LineError(open ? 'ends with a backslash at the end of the file' : 'ends with a backslash');
      if (next !== '\n') out += next;
      i += 2;
    } else if (c === '`' || (c === '$' && isExpansionStart(s[i + 1]))) {
      throw new LineError(expansionMessage(s, i));
    } else if (OPERATORS.has(c)) {
      throw new LineError(`has an unquoted '${c}', which a shell treats as an operator; quote the value`);
    } else {
      out += c;
      i++;
    }
  }
  const trailing = s.slice(i).replace(/^[ \t]+/, '');
  if (trailing !== '' && !trailing.startsWith('#')) {
    const quoted = quote(trailing);
    throw new LineError(`has text after the value${quoted === null ? '' : ` (${quoted})`} that a shell would run as a command; quote values that contain spaces`);
  }
  return out;
}

function isExpansionStart(next: string | undefined): boolean {
  return next !== undefined && /[A-Za-z_{(0-9#?*@!$-]/.test(next);
}

function expansionMessage(s: string, i: number): string {
  const what = s[i] === '`' ? 'command substitution `...`' : s[i + 1] === '(' ? 'command substitution $(...)' : 'parameter expansion $...';
  return `contains ${what}; osconf never evaluates os.conf, and values are plain data`;
}

/** What makes a line that starts with no name unreadable, named by code point, never quoting the line. */
function describeStart(rest: string): string {
  const c = rest.codePointAt(0)!;
  if (c === 0xfeff) return ' (it starts with U+FEFF, a byte order mark, as when two files are joined)';
  if (c < 0x20 || c === 0x7f || c > 0x7e) return ` (it starts with U+${c.toString(16).toUpperCase().padStart(4, '0')})`;
  return '';
}

function preview(s: string): string {
  const clean = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}...` : clean);
}
