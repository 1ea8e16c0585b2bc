// Reads os.conf text the way a POSIX shell reads a file of assignments, without ever evaluating it
// (the lexer is shell/assignments.ts, shared with os-release). Every construct where a shell would do more
// than assign a literal is rejected with the line and key named; the password's value is never quoted.
// Why not `ini` here: ini decodes quoted values as JSON, ends values at `;` and `#`, opens sections and
// turns true/false/null into non-strings; each differs from a shell, so os.conf gets this lexer and
// `ini` reads osconf's own config file (see docs/design.md).
import { readAssignments, type Assignment } from '../shell/assignments.js';
import type { Issue } from './model.js';
import { isSecretKey, keyInfo } from './schema.js';

export const MAX_OS_CONF_BYTES = 64 * 1024;

/** One `key=value` line: the value as a shell would assign it, and its 1-based line. */
export type Entry = Assignment;

export interface ParseResult {
  /** Last assignment wins, as in a shell; insertion order is first appearance. */
  entries: Map<string, Entry>;
  warnings: Issue[];
  errors: Issue[];
}

/**
 * Parses os.conf bytes. Never throws; every problem is an issue. `fileSize` is the size on disk when the
 * caller read only a bounded prefix of a larger file. Messages quote only lines of known keys other than the
 * password (an unknown key's line may be a misspelt password's), after `redact`.
 */
export function parseOsConf(input: Uint8Array | string, fileSize?: number, redact?: (text: string) => string): ParseResult {
  const quotable = (key: string): boolean => keyInfo(key) !== null && !isSecretKey(key);
  return readAssignments(input, { maxBytes: MAX_OS_CONF_BYTES, fileSize, isSecret: isSecretKey, quotable, redact });
}
