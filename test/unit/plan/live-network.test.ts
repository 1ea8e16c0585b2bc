// The running network read from iproute2, as JSON and as the text older iproute2 prints (CentOS 7's 4.11 has
// no -j; 4.14-4.16 print routes as text even with -j): both readings give the same addresses and routes.
import test from 'ava';
import { missingFromLive, parseLiveNetwork, parseLiveNetworkText } from '../../../src/plan/live-network.js';

const addrText = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 10.171.254.123/24 brd 10.171.254.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '3: eth1@if9    inet 42.120.74.105/24 brd 42.120.74.255 scope global eth1\\       valid_lft forever preferred_lft forever',
].join('\n');
const routeText = [
  'default via 42.120.74.1 dev eth1 proto static',
  '10.0.0.0/8 via 10.171.254.1 dev eth0 proto static onlink',
  '10.171.254.0/24 dev eth0 proto kernel scope link src 10.171.254.123',
  '192.0.2.7 via 10.171.254.1 dev eth0',
  '42.120.74.0/24 dev eth1 proto kernel scope link src 42.120.74.105',
].join('\n');

test('text output: addresses per NIC (veth peers stripped), gatewayed routes with the default as 0.0.0.0/0', (t) => {
  const live = parseLiveNetworkText(addrText, routeText);
  t.deepEqual(live.addresses, [
    { name: 'lo', cidr: '127.0.0.1/8' },
    { name: 'eth0', cidr: '10.171.254.123/24' },
    { name: 'eth1', cidr: '42.120.74.105/24' },
  ]);
  t.deepEqual(live.routes, ['0.0.0.0/0 via 42.120.74.1 dev eth1', '10.0.0.0/8 via 10.171.254.1 dev eth0', '192.0.2.7/32 via 10.171.254.1 dev eth0']);
  t.deepEqual(missingFromLive({ addresses: [{ name: 'eth0', cidr: '10.171.254.123/24' }], routes: ['0.0.0.0/0 via 42.120.74.1 dev eth1'] }, live), []);
});

test('text and JSON readings agree', (t) => {
  const addrJson = JSON.stringify([
    { ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.171.254.123', prefixlen: 24 }] },
  ]);
  const routeJson = JSON.stringify([{ dst: 'default', gateway: '42.120.74.1', dev: 'eth1' }, { dst: '10.0.0.0/8', gateway: '10.171.254.1', dev: 'eth0' }]);
  const fromText = parseLiveNetworkText(addrText.split('\n')[1]!, routeText.split('\n').slice(0, 2).join('\n'));
  t.deepEqual(fromText, parseLiveNetwork(addrJson, routeJson));
});
