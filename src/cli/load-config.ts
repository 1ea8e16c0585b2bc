// Shared by subcommands that take --conf: read the file safely and validate it into a ReadResult.
import { MAX_OS_CONF_BYTES } from '../config/parse.js';
import { readOsConf } from '../config/validate.js';
import type { ReadResult } from '../config/model.js';
import { readOsConfFile } from '../host/os-conf-file.js';

export interface LoadedConfig {
  path: string;
  result: ReadResult;
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = await readOsConfFile(path, MAX_OS_CONF_BYTES);
  return { path, result: readOsConf(file.bytes, file.size) };
}
