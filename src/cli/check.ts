// `osconf check`: is this system, root directory or disk image ready to be imported as a Customized Linux
// image? Writes image_check_report_DATE_TIME.txt and image_check_report.json (the platform tool's shapes)
// and exits 1 when any item FAILED. Reports are never written through a link placed at their names (a shared
// report directory): each is a temp file created exclusively beside it, then renamed over the name.
import { join, resolve } from 'node:path';
import { imageTarget, rootTarget, runningTarget } from '../check/gather.js';
import { runChecks, systemInfo } from '../check/items.js';
import { consoleSummary, jsonReport, reportTime, textReport, type ReportInput } from '../check/report.js';
import { ExitCode, OperationalError, UsageError, describeSystemError } from '../errors.js';
import { NodeHost } from '../host/node-host.js';
import { VERSION } from '../version.js';
import { rootOption } from './paths.js';

export interface CheckOptions {
  root?: string;
  image?: string;
  path?: string;
  json?: boolean;
}

export async function runCheck(options: CheckOptions, out: (text: string) => void): Promise<number> {
  if (options.root && options.image) throw new UsageError('give --root or --image, not both');
  rootOption(options.root);
  const target = options.image ? await imageTarget(options.image) : options.root ? await rootTarget(options.root) : await runningTarget();
  const items = await runChecks(target);
  const input: ReportInput = {
    system: await systemInfo(target.root),
    diskSizeGb: target.disk ? Math.round(target.disk.size / 2 ** 30) : null,
    version: VERSION,
    time: reportTime(new Date()),
    target: options.image ? `image ${resolve(options.image)}` : options.root ? `root ${resolve(options.root)}` : 'the running system',
    items,
  };
  const dir = resolve(options.path ?? '.');
  const textPath = join(dir, `image_check_report_${input.time}.txt`);
  const files = new NodeHost('/');
  try {
    await files.write(textPath, textReport(input), { mode: 0o644 });
    await files.write(join(dir, 'image_check_report.json'), jsonReport(input), { mode: 0o644 });
  } catch (e) {
    throw new OperationalError(`failed to write the report in ${dir}: ${describeSystemError(e instanceof OperationalError && e.cause !== undefined ? e.cause : e)}`, { cause: e });
  }
  if (options.json) out(jsonReport(input));
  else out(`${consoleSummary(input)}The report is generated: ${textPath}\n`);
  return items.some((i) => i.result === 'FAILED') ? ExitCode.failure : ExitCode.ok;
}
