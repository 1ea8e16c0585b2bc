import test from 'ava';
import { MAX_OS_CONF_BYTES, parseOsConf } from '../../../src/config/parse.js';

const values = (text: string | Uint8Array) => {
  const r = parseOsConf(text);
  return { values: Object.fromEntries([...r.entries.values()].map((e) => [e.key, e.value])), r };
};

// What a POSIX shell assigns for each line (checked by hand against dash/bash semantics).
const accepted: Array<[string, string, Record<string, string>]> = [
  ['plain', 'hostname=web1\n', { hostname: 'web1' }],
  ['double quotes', 'dns_nameserver="7.7.7.7 8.8.8.8"\n', { dns_nameserver: '7.7.7.7 8.8.8.8' }],
  ['single quotes', "dns_nameserver='7.7.7.7 8.8.8.8'\n", { dns_nameserver: '7.7.7.7 8.8.8.8' }],
  ['adjacent quoted parts join', 'hostname=we"b"\'1\'\n', { hostname: 'web1' }],
  ['CRLF line ends', 'hostname=web1\r\nfoo=bar\r\n', { hostname: 'web1', foo: 'bar' }],
  ['UTF-8 BOM', '\uFEFFhostname=web1\n', { hostname: 'web1' }],
  ['comments and blank lines', '# comment\n\n   \nhostname=web1 # trailing comment\n', { hostname: 'web1' }],
  ['hash inside a word is literal', 'x=a#b\n', { x: 'a#b' }],
  ['export prefix', 'export hostname=web1\n', { hostname: 'web1' }],
  ['leading blanks', '   \thostname=web1\n', { hostname: 'web1' }],
  ['no final newline', 'hostname=web1', { hostname: 'web1' }],
  ['empty value', 'hostname=\n', { hostname: '' }],
  ['empty quoted value', 'hostname=""\n', { hostname: '' }],
  ['semicolon inside quotes', 'eth0_route="10.0.0.0/8 10.0.0.1;0.0.0.0/0 10.0.0.1"\n', { eth0_route: '10.0.0.0/8 10.0.0.1;0.0.0.0/0 10.0.0.1' }],
  ['dollar in single quotes is literal', "x='$(id)'\n", { x: '$(id)' }],
  ['escaped dollar in double quotes', 'x="\\$(id)"\n', { x: '$(id)' }],
  ['backslash before other chars in double quotes stays', 'x="a\\nb"\n', { x: 'a\\nb' }],
  ['unquoted backslash escapes', 'x=a\\ b\n', { x: 'a b' }],
  ['true/false/null stay strings', 'a=true\nb=false\nc=null\n', { a: 'true', b: 'false', c: 'null' }],
  ['JSON-looking quotes are not JSON', 'x="\\u0041"\n', { x: '\\u0041' }],
  ['lone dollar is literal', 'x=a$\n', { x: 'a$' }],
  // A quoted value may span lines; a backslash-newline joins lines (dash; XCU 2.2.1-2.2.3).
  ['double-quoted value over two lines', 'password="cXdI\ncjEyMzQK"\nhostname=a\n', { password: 'cXdI\ncjEyMzQK', hostname: 'a' }],
  ['single-quoted value over three lines', "x='a\nb\nc'\ny=1\n", { x: 'a\nb\nc', y: '1' }],
  ['CRLF inside a multi-line value reads as LF', 'x="a\r\nb"\r\ny=1\r\n', { x: 'a\nb', y: '1' }],
  ['backslash-newline joins an unquoted value', 'x=ab\\\ncd\ny=1\n', { x: 'abcd', y: '1' }],
  ['backslash-newline inside double quotes is removed', 'x="ab\\\ncd"\n', { x: 'abcd' }],
  ['backslash-newline in single quotes stays', "x='ab\\\ncd'\n", { x: 'ab\\\ncd' }],
  ['a quote inside a comment opens nothing', "x=a # it's\ny=2\n", { x: 'a', y: '2' }],
  ['a joined line is one word: # after it is literal', 'x=a\\\n#b\n', { x: 'a#b' }],
];

for (const [name, text, expected] of accepted) {
  test(`reads like a shell: ${name}`, (t) => {
    const { values: got, r } = values(text);
    t.deepEqual(r.errors, []);
    t.deepEqual(got, expected);
  });
}

const rejected: Array<[string, string, number | null, string | null, RegExp]> = [
  ['command substitution $()', 'hostname=$(reboot)\n', 1, 'hostname', /command substitution \$\(\.\.\.\)/],
  ['command substitution in double quotes', 'hostname="$(reboot)"\n', 1, 'hostname', /command substitution/],
  ['backticks', 'hostname=`reboot`\n', 1, 'hostname', /command substitution `/],
  ['parameter expansion', 'hostname=${HOME}\n', 1, 'hostname', /parameter expansion/],
  ['variable', 'hostname="$HOME"\n', 1, 'hostname', /parameter expansion/],
  ['unquoted semicolon', 'eth0_route=10.0.0.0/8 1.1.1.1;x\n', 1, 'eth0_route', /text after the value/],
  ['unquoted operator', 'hostname=a;reboot\n', 1, 'hostname', /unquoted ';'/],
  ['pipe', 'hostname=a|b\n', 1, 'hostname', /unquoted '\|'/],
  ['second word runs as a command', 'hostname=a reboot\n', 1, 'hostname', /text after the value \("reboot"\)/],
  ['unterminated double quote', 'hostname="abc\n', 1, 'hostname', /unterminated double quote/],
  ['unterminated single quote', "hostname='abc\n", 1, 'hostname', /unterminated single quote/],
  ['backslash at the end of the file', 'hostname=abc\\\n', 1, 'hostname', /ends with a backslash at the end of the file/],
  ['section header', '[main]\nhostname=a\n', 1, null, /section headers/],
  ['a command line', 'rm -rf /\n', 1, 'rm', /not a key=value assignment/],
  ['tilde expansion', 'hostname=~root\n', 1, 'hostname', /'~'/],
  ['NUL byte', 'hostname=a\nx=\0\n', 2, null, /NUL byte/],
  ['bare carriage return', 'hostname=a\rb\n', 1, null, /carriage return/],
];

for (const [name, text, line, key, message] of rejected) {
  test(`rejects: ${name}`, (t) => {
    const r = parseOsConf(text);
    t.is(r.errors.length, 1, JSON.stringify(r.errors));
    t.is(r.errors[0]!.line, line);
    t.is(r.errors[0]!.key, key);
    t.regex(r.errors[0]!.message, message);
  });
}

test('rejects invalid UTF-8 and names the line', (t) => {
  const bytes = new Uint8Array([...Buffer.from('hostname=a\nx=b'), 0xc3, 0x28, 0x0a]);
  const r = parseOsConf(bytes);
  t.deepEqual(r.errors.map((e) => [e.line, e.message]), [[2, 'is not valid UTF-8']]);
});

test('rejects files over the size limit, using the size on disk when given', (t) => {
  const big = 'x'.repeat(MAX_OS_CONF_BYTES + 1);
  t.regex(parseOsConf(big).errors[0]!.message, /65537 bytes, over the 65536-byte limit/);
  t.regex(parseOsConf('hostname=a\n', 10 * 1024 * 1024).errors[0]!.message, /10485760 bytes/);
});

test('duplicate keys: the last wins, with a warning naming both lines', (t) => {
  const r = parseOsConf('hostname=a\nhostname=b\n');
  t.is(r.entries.get('hostname')!.value, 'b');
  t.is(r.entries.get('hostname')!.line, 2);
  t.deepEqual(r.warnings.map((w) => [w.line, w.key]), [[2, 'hostname']]);
  t.regex(r.warnings[0]!.message, /first on line 1/);
});

test("spaces around '=' are read as key=value, with a warning", (t) => {
  const r = parseOsConf('hostname = web1\n');
  t.deepEqual(r.errors, []);
  t.is(r.entries.get('hostname')!.value, 'web1');
  t.regex(r.warnings[0]!.message, /spaces around '='/);
});

test('messages about the password line never quote its text', (t) => {
  for (const text of ['password=abc secretword\n', 'password: secretword\n', 'password="secretword\n']) {
    const r = parseOsConf(text);
    t.true(r.errors.length > 0);
    t.false(JSON.stringify(r.errors).includes('secretword'), text);
  }
});

test('a quote left open at the end of the file refuses only its key; the lines after it are read', (t) => {
  const r = parseOsConf('hostname="abc\neth0_ip_addr=10.0.0.5\ndns_nameserver=1.1.1.1\n');
  t.deepEqual(r.errors.map((e) => [e.line, e.key]), [[1, 'hostname']]);
  t.regex(r.errors[0]!.message, /unterminated double quote/);
  t.deepEqual([...r.entries.keys()], ['eth0_ip_addr', 'dns_nameserver']);
});

test('an error inside a multi-line value is on its key and first line; the value\'s lines are not read as lines', (t) => {
  const r = parseOsConf('hostname="a$(reboot)\nb"\nx=1\n');
  t.deepEqual(r.errors.map((e) => [e.line, e.key]), [[1, 'hostname']]);
  t.deepEqual([...r.entries.entries()].map(([k, e]) => [k, e.line]), [['x', 3]]);
});

test('a value left open into a line that assigns the password is refused on its own line and never quotes it', (t) => {
  for (const text of ['hostname=a\\\npassword=cXdIcjEyMzQK\n', 'dns_nameserver="1.1.1.1\npassword=cXdIcjEyMzQK\n"\n']) {
    const r = parseOsConf(text);
    t.is(r.errors.length, 1, text);
    t.is(r.errors[0]!.line, 1);
    t.regex(r.errors[0]!.message, /runs on into line 2, which assigns a secret/);
    t.false(JSON.stringify(r).includes('cXdIcjEyMzQK'));
  }
});
