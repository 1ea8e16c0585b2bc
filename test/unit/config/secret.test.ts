import test from 'ava';
import { inspect } from 'node:util';
import { Secret, secretsIn } from '../../../src/config/secret.js';
import { readOsConf } from '../../../src/config/validate.js';

test('a Secret prints as (set) however it is turned into text', (t) => {
  const s = new Secret('hunter2hunter2');
  for (const text of [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ deep: { s } }), s.toString(), '' + s]) {
    t.false(text.includes('hunter2'), text);
    t.true(text.includes('(set)'), text);
  }
  t.is(s.reveal(), 'hunter2hunter2');
});

test('a whole model in JSON or inspect never shows the password', (t) => {
  const r = readOsConf('password=cXdIcjEyMzQK\nhostname=a\n');
  for (const text of [JSON.stringify(r), inspect(r, { depth: 10 }), String(r.config.password)]) {
    t.false(text.includes('qwHr1234'));
    t.false(text.includes('cXdIcjEyMzQK'));
  }
});

// Issue 16 (4): a password line os.conf cannot read was quoted, Base64 and all, in `show`, the log and state.
const PLAIN = 'Tr0ub4dor&3-horse';
const B64 = Buffer.from(`${PLAIN}\n`).toString('base64');
const leaks = (text: string): string[] =>
  [PLAIN, B64, B64.replace(/=+$/, ''), B64.slice(0, 12), PLAIN.slice(0, 8)].filter((s) => text.includes(s));

for (const [name, conf] of [
  ['a UTF-8 BOM in the middle of the file (two files joined)', `hostname=a\n\uFEFFpassword=${B64}\n`],
  ['`local password=`', `hostname=a\nlocal password=${B64}\n`],
  ['an unknown key with text after its value', `passwd=x password=${B64}\n`],
  ['a known key with the password after its value, past the preview length', `hostname=a password=${B64}\n`],
  ['a misspelt key without =', `pasword ${B64}\n`],
  ['the password as another key\'s value', `password=${B64}\neth0_mac_addr=${B64}\n`],
  ['the plain text as another key\'s value', `password=${B64}\nhostname="${PLAIN}"\n`],
  ['the value after a comment', `hostname=a # password=${B64}\nfoo bar password=${B64}\n`],
] as const) {
  test(`no message quotes the password or its Base64: ${name}`, (t) => {
    const r = readOsConf(conf);
    const messages = [...r.errors, ...r.warnings].map((i) => i.message);
    t.true(messages.length > 0, 'the line is reported');
    t.deepEqual(leaks(JSON.stringify(r)), [], messages.join('\n'));
  });
}

test('an unreadable line is named by what is odd in it, not quoted', (t) => {
  const r = readOsConf(`dns_nameserver=1.1.1.1\n\uFEFFhostname=a\n`);
  t.deepEqual(r.errors.map((e) => e.message), ['is not a key=value assignment (it starts with U+FEFF, a byte order mark, as when two files are joined)']);
});

test('a known key other than the password is still quoted in its message', (t) => {
  const r = readOsConf('hostname=a b\n');
  t.regex(r.errors[0]!.message, /has text after the value \("b"\)/);
});

test('secretsIn finds the password by value wherever it sits, with its decoding', (t) => {
  const found = secretsIn(`x\n\uFEFFlocal password="${B64}"\n`);
  t.true(found.includes(B64));
  t.true(found.includes(B64.replace(/=+$/, '')));
  t.true(found.includes(PLAIN));
  t.deepEqual(secretsIn('hostname=a\n'), []);
});
