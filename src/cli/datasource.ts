// `osconf datasource`: os.conf in cloud-init's formats, one view on stdout or a whole NoCloud seed directory.
import { randomBytes } from 'node:crypto';
import { arch, release } from 'node:os';
import { join, resolve } from 'node:path';
import { formatIssue } from '../config/model.js';
import { saltFromBytes, sha512Crypt } from '../config/password-hash.js';
import { instanceData, redactSensitive, renderInstanceData, type SystemInfo } from '../datasource/instance-data.js';
import { instanceId } from '../datasource/instance-id.js';
import { renderMetaData } from '../datasource/meta-data.js';
import { renderNetworkConfigV1 } from '../datasource/network-config-v1.js';
import { renderNetworkConfigV2 } from '../datasource/network-config-v2.js';
import { nocloudSeed } from '../datasource/nocloud-seed.js';
import { renderUserData } from '../datasource/user-data.js';
import { parseOsRelease } from '../distro/os-release.js';
import { ConfigRejectedError, OperationalError, UsageError } from '../errors.js';
import { NodeHost } from '../host/node-host.js';
import { readTextIfPresent } from '../host/read-text.js';
import { log } from '../log.js';
import { DATASOURCE_FORMATS, type DatasourceFormat } from './datasource-formats.js';
import { loadConfig } from './load-config.js';


export interface DatasourceOptions {
  conf: string;
  format?: string;
  nocloudDir?: string;
  instanceId?: string;
}

export async function runDatasource(options: DatasourceOptions, out: (text: string) => void): Promise<number> {
  if (!options.format && !options.nocloudDir) throw new UsageError('datasource: give --format or --nocloud-dir');
  if (options.format && !(DATASOURCE_FORMATS as readonly string[]).includes(options.format)) {
    throw new UsageError(`datasource: unknown format ${JSON.stringify(options.format)} (one of ${DATASOURCE_FORMATS.join(', ')})`);
  }
  const { path, result } = await loadConfig(options.conf);
  for (const w of result.warnings) log().warn(formatIssue(w, path));
  if (result.errors.length > 0) {
    for (const e of result.errors) log().error(formatIssue(e, path));
    throw new ConfigRejectedError(`${path}: rejected (${result.errors.length} error${result.errors.length === 1 ? '' : 's'}); nothing was written`);
  }
  const { config } = result;
  const id = instanceId(config, {
    explicit: options.instanceId ?? null,
    dmiProductUuid: await readTextIfPresent('/sys/class/dmi/id/product_uuid'),
  });
  if (id.origin === 'none') log().warn('no DMI product UUID and no NIC in os.conf: the instance-id cannot tell instances apart');
  const passwordHash = config.password ? sha512Crypt(config.password, saltFromBytes(randomBytes(16))) : null;

  if (options.nocloudDir) {
    await writeSeed(options.nocloudDir, nocloudSeed(config, id.id, passwordHash));
    log().info(`wrote a NoCloud seed to ${options.nocloudDir} (instance-id ${id.id} from ${id.origin})`);
  }
  switch (options.format as DatasourceFormat | undefined) {
    case undefined:
      break;
    case 'meta-data':
      out(renderMetaData(config, id.id));
      break;
    case 'user-data':
      out(renderUserData(passwordHash));
      break;
    case 'network-config':
      out(renderNetworkConfigV2(config));
      break;
    case 'network-config-v1':
      out(renderNetworkConfigV1(config));
      break;
    case 'instance-data':
      out(renderInstanceData(redactSensitive(instanceData({ config, instanceId: id.id, sourcePath: path, passwordHash, system: await systemInfo() }))));
      break;
  }
  return 0;
}

async function writeSeed(dir: string, files: ReturnType<typeof nocloudSeed>): Promise<void> {
  const host = new NodeHost('/');
  const base = resolve(dir);
  try {
    await host.mkdir(base, 0o755);
    for (const file of files) await host.write(join(base, file.path), file.content, { mode: file.mode });
  } catch (e) {
    throw new OperationalError(`failed to write the NoCloud seed in ${dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

async function systemInfo(): Promise<SystemInfo> {
  const text = (await readTextIfPresent('/etc/os-release')) ?? (await readTextIfPresent('/usr/lib/os-release')) ?? '';
  const osRelease = parseOsRelease(text);
  return {
    distro: osRelease.ID ?? null,
    distroVersion: osRelease.VERSION_ID ?? null,
    distroRelease: osRelease.VERSION_CODENAME ?? null,
    kernelRelease: release(),
    machine: machineName(),
    variant: osRelease.VARIANT_ID ?? osRelease.ID ?? null,
  };
}

// uname -m names, as cloud-init records them.
function machineName(): string {
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7l' };
  return names[arch()] ?? arch();
}
