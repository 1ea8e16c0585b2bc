// KEY=value files read by a shell (ifcfg, sysconfig): values single-quoted when they need quoting, so
// nothing in a value can expand or end the assignment.
export function shellValue(value: string): string {
  if (/^[A-Za-z0-9_.:/,+@%-]*$/.test(value) && value !== '') return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Always single-quoted, as SUSE's sysconfig files write every value. */
export function quotedShellValue(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function shellAssignments(vars: Array<[string, string]>, quote: (v: string) => string = shellValue): string {
  return vars.map(([k, v]) => `${k}=${quote(v)}\n`).join('');
}

/**
 * Sets KEY in an existing KEY=value file in place: the first assignment is replaced, later duplicates are
 * removed, every other line is kept; a missing key is appended.
 */
export function setShellVar(existing: string, key: string, value: string, quote: (v: string) => string = shellValue): string {
  const line = `${key}=${quote(value)}`;
  const assignment = new RegExp(`^\\s*(export\\s+)?${key}=`);
  const lines = existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  let done = false;
  const out: string[] = [];
  for (const l of lines) {
    if (assignment.test(l)) {
      if (!done) out.push(line);
      done = true;
    } else {
      out.push(l);
    }
  }
  if (!done) out.push(line);
  return `${out.join('\n')}\n`;
}
