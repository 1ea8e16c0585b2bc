// /var/log/osconf.log and its rotated copies are 0600 under any umask (issue 16, item 12: the file winston
// re-created after a rotation was 0644 under umask 022). Real files in a temporary directory.
import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { logFileTransport } from '../../src/log.js';

for (const umask of [0o022, 0o000]) {
  test.serial(`every log file, rotated ones included, is 0600 under umask ${umask.toString(8).padStart(3, '0')}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'osconf-log-'));
    const previous = process.umask(umask);
    try {
      const path = join(dir, 'osconf.log');
      // A file left 0644 by an older version is narrowed too.
      writeFileSync(path, 'old line\n');
      chmodSync(path, 0o644);
      const logger = winston.createLogger({ transports: [logFileTransport(path, 2000)] });
      // One line at a time, each waited for on disk: winston drops lines written while it rotates.
      // A file listed may be renamed by the rotation before it is read: read as empty then, and looked at again.
      const readOrEmpty = (f: string): string => {
        try {
          return readFileSync(join(dir, f), 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
          throw e;
        }
      };
      const onDisk = (text: string): boolean => readdirSync(dir).some((f) => readOrEmpty(f).includes(text));
      for (let i = 0; i < 100; i++) {
        logger.info(`line ${i} ${'x'.repeat(40)}`);
        for (let wait = 0; wait < 5000 && !onDisk(`line ${i} `); wait++) await new Promise((r) => setTimeout(r, 1));
      }
      logger.close();
      const files = readdirSync(dir).sort();
      t.true(files.length >= 3, `rotated: ${files.join(' ')}`);
      for (const f of files) t.is((statSync(join(dir, f)).mode & 0o777).toString(8), '600', f);
    } finally {
      process.umask(previous);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
