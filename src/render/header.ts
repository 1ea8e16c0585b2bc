// The first line of every file osconf writes: it names osconf and marks the file as osconf's own, so a
// later run may replace or remove it and never touches a file without it.
export const MANAGED_HEADER = '# Managed by osconf from aliyun_custom_image/os.conf; local changes are overwritten.';

export function withHeader(body: string): string {
  return `${MANAGED_HEADER}\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

export function isOsconfFile(content: string): boolean {
  return content.startsWith(`${MANAGED_HEADER}\n`);
}

/** The marker osconf appends to the lines it manages inside files it does not own (/etc/hosts). */
export const MANAGED_LINE_MARKER = '# managed by osconf';
