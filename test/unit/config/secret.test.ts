import test from 'ava';
import { inspect } from 'node:util';
import { Secret } from '../../../src/config/secret.js';
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
