// The bring-up commands for gateways outside the NIC's subnet (iproute2's `onlink`) and NetworkManager's
// configuration reload when its global DNS file changes.
import test from 'ava';
import { readOsConf } from '../../../src/config/validate.js';
import { activation, iproute2Activation } from '../../../src/plan/activation.js';
import { nicViews } from '../../../src/render/nic-view.js';

const offLink = readOsConf(
  [
    'eth0_ip_addr=203.0.113.77',
    'eth0_mac_addr=02:00:5e:00:00:77',
    'eth0_netmask=255.255.255.255',
    'eth0_gateway=203.0.113.1',
    'eth0_route="10.0.0.0/8 203.0.113.1;172.16.0.0/12 203.0.113.99"',
    '',
  ].join('\n'),
).config;

const argv = (actions: ReturnType<typeof iproute2Activation>): string[] => actions.map((a) => (a.kind === 'exec' ? a.argv.join(' ') : a.kind));

test('iproute2: routes through a gateway outside the subnet say onlink (ip-route(8)), others do not', (t) => {
  const commands = argv(iproute2Activation(nicViews(offLink)));
  t.true(commands.includes('ip route replace 10.0.0.0/8 via 203.0.113.1 dev eth0 onlink'), commands.join('\n'));
  t.true(commands.includes('ip route replace default via 203.0.113.1 dev eth0 onlink'), commands.join('\n'));
  const onSubnet = readOsConf('eth0_ip_addr=10.0.0.5\neth0_mac_addr=02:00:5e:00:00:05\neth0_netmask=255.255.255.0\neth0_gateway=10.0.0.1\n').config;
  t.true(argv(iproute2Activation(nicViews(onSubnet))).includes('ip route replace default via 10.0.0.1 dev eth0'));
});

test('NetworkManager: a changed global DNS file is reloaded before the connections, and may fail on old NM', (t) => {
  const services = { systemd: true, active: new Set(['NetworkManager.service']) };
  const nics = nicViews(offLink);
  const withDns = activation('network-manager', nics, services, true).actions;
  t.deepEqual(argv(withDns).slice(0, 2), ['nmcli general reload', 'nmcli connection reload']);
  t.true(withDns[0]!.kind === 'exec' && withDns[0]!.allowFailure);
  t.false(argv(activation('network-manager', nics, services).actions).includes('nmcli general reload'));
});

test('ifupdown at boot: left to networking.service when it starts later and the NIC has no address yet; brought up here otherwise', (t) => {
  const nics = nicViews(offLink);
  const boot = { systemd: true, active: new Set<string>(), enabled: new Set(['networking.service']) };
  const none = { addresses: [], routes: [] };
  const deferred = activation('ifupdown', nics, boot, false, none);
  t.true(deferred.deferred);
  t.deepEqual(deferred.actions, []);
  t.is(deferred.via, 'networking.service applies them when it starts');
  // An address the initramfs (or anything) gave the NIC would stay beside os.conf's under `ifup`: osconf takes it down itself.
  const addressed = activation('ifupdown', nics, boot, false, { addresses: [{ name: 'eth0', cidr: '192.0.2.9/24' }], routes: [] });
  t.falsy(addressed.deferred);
  t.deepEqual(argv(addressed.actions), ['ifdown --force eth0', 'ip -4 addr flush dev eth0 scope global', 'ifup eth0']);
  // networking.service already ran (a re-run after boot), is not enabled, or systemd is not PID 1: osconf brings the NIC up.
  for (const services of [
    { systemd: true, active: new Set(['networking.service']), enabled: new Set(['networking.service']) },
    { systemd: true, active: new Set<string>(), enabled: new Set<string>() },
    { systemd: false, active: new Set<string>(), enabled: new Set(['networking.service']) },
  ]) {
    t.falsy(activation('ifupdown', nics, services, false, none).deferred);
  }
  t.falsy(activation('ifupdown', nics, boot, false, null).deferred, 'running addresses unknown: not deferred');
});
