// osconf.conf as operators write it: every problem is a warning with its line, and the setting keeps its default.
import test from 'ava';
import { DEFAULT_OSCONF_CONF, formatSettingsWarning, parseOsconfConf } from '../../../src/settings/osconf-conf.js';

test('the shipped settings parse with no warning', (t) => {
  const { conf, warnings } = parseOsconfConf('[main]\nmode = standalone\n[source]\nlabel = BOOT\n[network]\nstack = netplan\n[apply]\nnic_wait = 5\n');
  t.deepEqual(warnings, []);
  t.deepEqual(conf, { mode: 'standalone', source: { kind: 'label', value: 'BOOT' }, stack: 'netplan', nicWaitSeconds: 5 });
});

test('a key before any section, an unknown key and an unknown section are warnings naming their lines', (t) => {
  const text = '# comment\nmode = standalone\n[main]\nmod = standalone\n[sources]\nlabel = X\n';
  const { conf, warnings } = parseOsconfConf(text);
  t.deepEqual(
    warnings.map((w) => [w.line, w.section, w.key]),
    [
      [2, null, 'mode'],
      [4, 'main', 'mod'],
      [5, 'sources', null],
    ],
  );
  t.deepEqual(conf, DEFAULT_OSCONF_CONF, 'nothing misplaced takes effect');
  t.is(formatSettingsWarning(warnings[0]!, '/etc/osconf/osconf.conf'), '/etc/osconf/osconf.conf:2: mode is outside any [section]; ignored');
});

test('a bad value keeps that setting at its default; the others still apply', (t) => {
  const { conf, warnings } = parseOsconfConf('[main]\nmode = cloudinit\n[network]\nstack = netplan\n[apply]\nnic_wait = 3.5\n[source]\ndevice = vda1\n');
  t.deepEqual(
    warnings.map((w) => [w.line, w.key]),
    [
      [2, 'mode'],
      [6, 'nic_wait'],
      [8, 'device'],
    ],
  );
  t.is(conf.mode, 'auto');
  t.is(conf.stack, 'netplan');
  t.is(conf.nicWaitSeconds, DEFAULT_OSCONF_CONF.nicWaitSeconds);
  t.deepEqual(conf.source, { kind: 'root-disk' });
});

test('two sources at once: a warning, and partition 1 of the root disk', (t) => {
  const { conf, warnings } = parseOsconfConf('[source]\nuuid = 1234-ABCD\nlabel = BOOT\n');
  t.is(warnings.length, 1);
  t.is(warnings[0]!.line, 3);
  t.deepEqual(conf.source, { kind: 'root-disk' });
});
