// Shared by subcommands that take --conf: read the file safely and validate it into a ReadResult.
import { readOsConf } from '../config/validate.js';
import type { ReadResult } from '../config/model.js';
import { readOsConfFile } from '../source/read-os-conf.js';

export interface LoadedConfig {
  path: string;
  result: ReadResult;
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = await readOsConfFile(path);
  return { path, result: readOsConf(file.bytes, file.size) };
}
