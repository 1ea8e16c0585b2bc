// Paths the tests share. Tests run from the repository root (ava's project directory).
import { join } from 'node:path';

export const repoRoot = process.cwd();
export const examplesDir = join(repoRoot, 'examples');
export const goldenDir = join(repoRoot, 'test', 'golden');
export const osconfBin = join(repoRoot, 'dist', 'osconf');
export const toolsDir = process.env.OSCONF_TOOLS_DIR ?? join(repoRoot, '.tools');
