// The check report in the platform guide's two shapes: image_check_report_DATE_TIME.txt (system facts,
// then each item with its verdict, reason and advice) and image_check_report.json (platform,
// os_big_version, os_small_version, architecture, system_disk_size, version, time, check_items).
import type { CheckItem, SystemInfo } from './items.js';

export interface ReportInput {
  system: SystemInfo;
  /** Whole GB, as the guide reports it; null when the disk was not inspected. */
  diskSizeGb: number | null;
  version: string;
  /** YYYY-MM-DD_HH-MM-SS, the guide's time format. */
  time: string;
  target: string;
  items: CheckItem[];
}

export function reportTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}_${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
}

export function jsonReport(r: ReportInput): string {
  const report = {
    platform: r.system.platform,
    os_big_version: r.system.major,
    os_small_version: r.system.minor,
    architecture: r.system.architecture,
    system_disk_size: r.diskSizeGb === null ? '' : String(r.diskSizeGb),
    version: r.version,
    time: r.time,
    target: r.target,
    check_items: r.items.map((i) => ({ name: i.name, result: i.result, error_code: i.errorCode, description: i.description, comment: i.comment })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function header(r: ReportInput): string {
  return [
    'The information you need to enter when you import your image to Alibaba Cloud:',
    `Current system: ${r.system.platform}${r.system.major ? ` ${r.system.major}${r.system.minor ? `.${r.system.minor}` : ''}` : ''}`,
    `Architecture: ${r.system.architecture}`,
    `System disk size: ${r.diskSizeGb === null ? 'not checked' : `${r.diskSizeGb} GB`}`,
    '-----',
  ].join('\n');
}

const counts = (items: CheckItem[]) =>
  [`${items.filter((i) => i.result === 'OK').length} items are OK`, `${items.filter((i) => i.result === 'FAILED').length} items are failed`, `${items.filter((i) => i.result === 'WARNING').length} items are warning`].join('\n');

/** The report file: every item with its reason and advice. */
export function textReport(r: ReportInput): string {
  const body = r.items.map((i) => [`Check ${i.name}`, `${i.result}: ${i.description}`, ...(i.comment ? [i.comment] : [])].join('\n')).join('\n\n');
  return `osconf check ${r.version} of ${r.target} at ${r.time}\n${header(r)}\n${body}\n-----\n${counts(r.items)}\n`;
}

/** What the terminal shows: one line per item, then the totals. */
export function consoleSummary(r: ReportInput): string {
  const width = Math.max(...r.items.map((i) => i.name.length)) + 7;
  const lines = r.items.map((i) => `${`Check ${i.name}`.padEnd(width)} [ ${i.result} ]${i.result === 'OK' ? '' : `  ${i.description}`}`);
  return `${header(r)}\n${lines.join('\n')}\n-----\n${counts(r.items)}\n-----\n`;
}
