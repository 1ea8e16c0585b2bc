// `osconf test-image DISK`: boots the disk image under qemu (never modifying it: a copy-on-write overlay) with an
// os.conf on partition 1, and proves from outside that it configures itself: SSH as root at os.conf's address,
// then host name, addresses, routes, name servers, osconf status, fresh SSH host keys, os.conf removed; then
// a second boot with a changed os.conf. A report in check's shape (TXT and JSON) and each boot's serial log go
// to the report directory. Pure planning: test-image/plan.ts; qemu, SSH and the disk: test-image/boot.ts.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CheckItem } from '../check/items.js';
import { systemInfo } from '../check/items.js';
import { consoleSummary, jsonReport, reportTime, textReport, type ReportInput } from '../check/report.js';
import type { InstanceConfig } from '../config/model.js';
import { readOsConf } from '../config/validate.js';
import { ExitCode, UsageError } from '../errors.js';
import { registerSecret } from '../secret-registry.js';
import { VERSION } from '../version.js';
import { bootOnce, createOverlay, diagnose, diskFormat, exportRaw, imageHostKeys, readDisk, writeOsConf } from '../test-image/boot.js';
import { anyFailed, bootItems, changedOsConf, generateOsConf, slirpNets, type NetworkChoice } from '../test-image/plan.js';

export interface TestImageOptions {
  osConf?: string;
  network?: string;
  accel?: string;
  path?: string;
  json?: boolean;
  timeout?: string;
}

const secret = (password: string): void => {
  registerSecret(password);
  registerSecret(Buffer.from(password).toString('base64'));
};

/** The os.conf of the first boot: the user's (checked as osconf reads it) or a generated one. */
function firstOsConf(text: string | null, network: NetworkChoice): { text: string; password: string; config: InstanceConfig } {
  if (text === null) {
    const g = generateOsConf(network, randomBytes(64));
    return { ...g, config: readOsConf(g.text).config };
  }
  const read = readOsConf(text);
  if (read.errors.length > 0) throw new UsageError(`--os-conf: ${read.errors.map((e) => e.message).join('; ')}`);
  if (!read.config.password || !read.config.hostname || read.config.interfaces.length === 0) throw new UsageError('--os-conf needs a password, a host name and at least one NIC (the proofs log in and reach it)');
  return { text, password: read.config.password.reveal(), config: read.config };
}

export async function runTestImage(disk: string, options: TestImageOptions, out: (text: string) => void): Promise<number> {
  const network = options.network ?? 'vpc';
  if (!['classic', 'vpc', 'both'].includes(network)) throw new UsageError(`--network ${network}: classic, vpc or both`);
  const accel = options.accel ?? 'auto';
  if (!['kvm', 'tcg', 'auto'].includes(accel)) throw new UsageError(`--accel ${accel}: kvm, tcg or auto`);
  const timeoutS = options.timeout === undefined ? 1800 : Number(options.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS < 60) throw new UsageError(`--timeout ${options.timeout}: whole seconds, at least 60`);
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  // ssh2's floor (its package.json engines).
  if (major < 10 || (major === 10 && minor < 16)) throw new UsageError(`test-image needs Node.js 10.16 or later (the SSH client); this is ${process.versions.node}`);
  const userText = options.osConf ? await fs.readFile(options.osConf, 'utf8').catch((e: Error) => { throw new UsageError(`--os-conf ${options.osConf}: ${e.message}`); }) : null;
  if (!(await fs.stat(disk).then((st) => st.isFile() || st.isBlockDevice(), () => false))) throw new UsageError(`${disk}: no such disk image file`);
  const dir = resolve(options.path ?? '.');
  await fs.mkdir(dir, { recursive: true });
  const format = await diskFormat(disk);
  const work = await fs.mkdtemp(join(tmpdir(), 'osconf-test-image-'));
  const progress = (line: string) => process.stderr.write(`test-image: ${line}\n`);
  const items: CheckItem[] = [];
  let system = await systemInfo(null);
  try {
    const networks: NetworkChoice[] = network === 'both' ? ['classic', 'vpc'] : [network as NetworkChoice];
    for (const net of networks) {
      const prefix = networks.length > 1 ? `${net}_` : '';
      const overlay = join(work, `${net}.qcow2`);
      await createOverlay(resolve(disk), format, overlay);
      const raw = join(work, 'disk.raw');
      await exportRaw(overlay, raw);
      const before = await readDisk(raw);
      system = await systemInfo(before.target.root);
      const keys = await imageHostKeys(before.target);
      await fs.rm(raw, { force: true });
      if (!before.p1) throw new UsageError(`${disk}: no partition 1 (the platform writes os.conf there)`);
      const first = firstOsConf(userText, net);
      secret(first.password);
      let config = first.config;
      let nets = slirpNets(config);
      let text = first.text;
      let password = first.password;
      let firstHostKey: string | undefined;
      for (const boot of [1, 2]) {
        if (boot === 2) {
          if (anyFailed(items)) {
            items.push({ name: `${prefix}boot2`, result: 'WARNING', errorCode: '1', description: 'the second boot (changed os.conf) was not run: the first boot FAILED', comment: 'fix what the first boot found, then run test-image again' });
            break;
          }
          const changed = changedOsConf(config, nets, randomBytes(32));
          secret(changed.password);
          text = changed.text;
          password = changed.password;
          config = readOsConf(text).config;
          nets = slirpNets(config);
        }
        progress(`${net} boot ${boot}: os.conf for ${config.hostname} (${config.interfaces.map((n) => `${n.name} ${n.address}/${n.prefix}`).join(', ')}) on partition 1`);
        await writeOsConf(overlay, before.p1, text, work);
        const obs = await bootOnce({ overlay, accel: accel as 'kvm' | 'tcg' | 'auto', nets, password, serialLog: join(dir, `serial-${prefix}${boot}.log`), work, timeoutS, boot, progress });
        await exportRaw(overlay, raw);
        const after = await readDisk(raw);
        const full: Parameters<typeof bootItems>[0] = { ...obs, p1Entries: after.target.customImageEntries ?? null, p1Missing: after.target.customImageMissing };
        if (!obs.shell) full.offline = await diagnose(after.target);
        await fs.rm(raw, { force: true });
        const found = bootItems(full, { config, imageHostKeys: keys, firstHostKey });
        if (obs.ssh.ok) firstHostKey ??= obs.ssh.hostKey;
        else if (obs.shell) firstHostKey ??= obs.shell.hostKeys.split('\n').map((l) => l.trim().split(/\s+/)[1]).find(Boolean);
        items.push(...found.map((i) => ({ ...i, name: `${prefix}${i.name}` })));
      }
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  const input: ReportInput = { system, diskSizeGb: null, version: VERSION, time: reportTime(new Date()), target: `image ${resolve(disk)} booted by osconf test-image`, items };
  const textPath = join(dir, `test_image_report_${input.time}.txt`);
  await fs.writeFile(textPath, textReport(input), { mode: 0o644 });
  await fs.writeFile(join(dir, 'test_image_report.json'), jsonReport(input), { mode: 0o644 });
  if (options.json) out(jsonReport(input));
  else out(`${consoleSummary(input)}The report is generated: ${textPath}\n`);
  return anyFailed(items) ? ExitCode.failure : ExitCode.ok;
}
