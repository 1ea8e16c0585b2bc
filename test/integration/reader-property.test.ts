// Property tests for the reader: it never throws, never runs anything, and reads values exactly as a POSIX
// shell (dash, Debian's /bin/sh) would.
import test from 'ava';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOsConf } from '../../src/config/parse.js';
import { readOsConf } from '../../src/config/validate.js';

const SEED = Number(process.env.OSCONF_FC_SEED ?? 20261125);
const RUNS = Number(process.env.OSCONF_FC_RUNS ?? 300);

const marker = join(tmpdir(), `osconf-must-not-exist-${process.pid}`);
const hostileFragments = [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `;touch ${marker}`,
  `&& touch ${marker}`,
  `| touch ${marker}`,
  '${IFS}',
  '"',
  "'",
  '\\',
  '\n',
  '\r\n',
  '\0',
  '\uFEFF',
  '[section]',
  'export ',
  '#',
  '=',
  'eth1_ip_addr=',
  'password=',
  'true',
  'null',
];
const osConfLike = fc
  .array(fc.oneof(fc.constantFrom(...hostileFragments), fc.string({ maxLength: 12 }), fc.constantFrom('hostname=', 'eth0_route="', '10.0.0.0/8 ', 'cXdIcjEyMzQK')), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

test('the reader never throws and always returns a model or issues, for any text', (t) => {
  fc.assert(
    fc.property(fc.oneof(osConfLike, fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
      const r = readOsConf(text);
      if (r.errors.length === 0) {
        for (const nic of r.config.interfaces) {
          if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(nic.mac) || nic.prefix < 1 || nic.prefix > 32) return false;
        }
        if ((r.config.interfaces.length > 0) !== (r.config.defaultRoute !== null)) return false;
      } else if (Object.values(r.valid).every(Boolean)) {
        return false; // an error always invalidates some concern
      }
      return true;
    }),
    { seed: SEED, numRuns: RUNS * 3 },
  );
  t.false(existsSync(marker), 'something in os.conf was executed');
});

test('the reader never throws on arbitrary bytes', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const r = readOsConf(bytes);
      return Array.isArray(r.errors) && Array.isArray(r.warnings);
    }),
    { seed: SEED, numRuns: RUNS * 3 },
  );
  t.pass();
});

// --- differential test against dash ------------------------------------------------------------------------
const SAFE = 'abcXYZ019.:/,=@%^*+?[]{}!-_#'.split('');
const unquoted = fc.array(fc.constantFrom(...SAFE), { minLength: 1, maxLength: 6 }).map((cs) => ({ raw: cs.join(''), value: cs.join('') }));
// Quoted values may span lines ('\n' inside quotes), and a backslash-newline joins lines outside single
// quotes: dash reads either as one assignment (a Base64 password wrapped by an editor, say).
const singleQuoted = fc
  .array(fc.constantFrom(...SAFE, ' ', ';', '"', '\\', '$', '`', '&', '|', '(', ')', '~', '\t', '\n', '#'), { maxLength: 8 })
  .map((cs) => ({ raw: `'${cs.join('')}'`, value: cs.join('') }));
const doubleQuoted = fc
  .array(
    fc.oneof(
      fc.constantFrom(...SAFE, ' ', ';', "'", '&', '|', '(', ')', '~', '\t', '\n', '#').map((c) => ({ raw: c, value: c })),
      fc.constant({ raw: '\\\n', value: '' }),
      fc.constantFrom('\\\\', '\\"', '\\$', '\\`').map((e) => ({ raw: e, value: e[1]! })),
      fc.constantFrom('\\a', '\\n', '\\ ', '\\;').map((e) => ({ raw: e, value: e })),
      fc.constantFrom('$ ', '$,', '$.', '$/').map((e) => ({ raw: e, value: e })),
    ),
    { maxLength: 8 },
  )
  .map((parts) => ({ raw: `"${parts.map((p) => p.raw).join('')}"`, value: parts.map((p) => p.value).join('') }));
const escaped = fc.constantFrom(...SAFE, ' ', ';', '"', "'", '\\', '$', '`', '&', '|', '(', ')').map((c) => ({ raw: `\\${c}`, value: c }));
const joined = fc.constant({ raw: '\\\n', value: '' });
const shellValue = fc
  .array(fc.oneof(unquoted, singleQuoted, doubleQuoted, escaped, joined), { maxLength: 4 })
  .map((parts) => ({ raw: parts.map((p) => p.raw).join(''), value: parts.map((p) => p.value).join('') }))
  // A leading '~' is tilde expansion (refused); a trailing backslash-newline would join the next line.
  .filter((v) => !v.raw.replace(/^(\\\n)+/, '').startsWith('~') && !v.raw.endsWith('\\\n'));
const line = fc.record({
  value: shellValue,
  exported: fc.boolean(),
  indent: fc.constantFrom('', ' ', '\t'),
  comment: fc.constantFrom('', ' # note', '\t#x', " # it's \"quoted\" \\"),
});

test('values read exactly as dash reads them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-dash-'));
  try {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), fc.boolean(), (lines, crlf) => {
        const keys = lines.map((_, i) => `k${i}`);
        const text = lines
          .map((l, i) => `${l.indent}${l.exported ? 'export ' : ''}${keys[i]}=${l.value.raw}${l.comment}`)
          .join(crlf ? '\r\n' : '\n');
        const parsed = parseOsConf(`${text}\n`);
        if (parsed.errors.length > 0) return false;
        const ours = keys.map((k) => parsed.entries.get(k)?.value);
        const expectedByConstruction = lines.map((l) => l.value.value);
        if (JSON.stringify(ours) !== JSON.stringify(expectedByConstruction)) return false;
        if (crlf) return true; // dash keeps \r in values; CRLF handling is ours alone
        // dash with no PATH, in a scratch directory: only assignments are expected to run.
        const conf = join(dir, 'os.conf');
        writeFileSync(conf, `${text}\n`);
        const printed = execFileSync('/bin/dash', ['-c', `. ./os.conf && printf '%s\\0' ${keys.map((k) => `"$${k}"`).join(' ')}`], {
          cwd: dir,
          env: { PATH: '/nonexistent' },
        }).toString('utf8');
        const theirs = printed.split('\0').slice(0, keys.length);
        return JSON.stringify(ours) === JSON.stringify(theirs);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    t.pass();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
