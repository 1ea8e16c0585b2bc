// The planner and executor on an in-memory host: what each concern does, idempotence, refusals, the
// difference after a change, stale files, and which commands bring the network up.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify } from 'unixcrypt';
import { executePlan } from '../../../src/apply/execute.js';
import { gather } from '../../../src/apply/gather.js';
import { readOsConf } from '../../../src/config/validate.js';
import { detectProfile } from '../../../src/distro/detect.js';
import { PROFILES, type ProfileId } from '../../../src/distro/profiles.js';
import { describePlan } from '../../../src/plan/actions.js';
import { planApply } from '../../../src/plan/apply-plan.js';
import { setLogLevel } from '../../../src/log.js';
import { OperationalError } from '../../../src/errors.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { examplesDir } from '../../helpers/paths.js';

setLogLevel('error');
const vpcText = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');
const classicText = readFileSync(join(examplesDir, 'classic.conf'), 'utf8');
const SHADOW = 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';
const detection = (id: ProfileId) => ({ label: 'test', profile: PROFILES[id], reasons: [] });

function offlineHost(): FakeHost {
  return new FakeHost(false).put('/etc/shadow', SHADOW, 0o640).put('/etc/hosts', '127.0.0.1 localhost\n').put('/etc/resolv.conf', 'search corp\nnameserver 1.1.1.1\n');
}

async function applyOnce(host: FakeHost, text: string, id: ProfileId = 'arch') {
  const plan = planApply(await gather(host, readOsConf(text), detection(id)));
  return { plan, outcomes: await executePlan(host, plan) };
}

test('offline: every concern writes its files; the shadow hash verifies; nothing is run', async (t) => {
  const host = offlineHost();
  const { outcomes } = await applyOnce(host, vpcText);
  t.deepEqual(outcomes.map((o) => [o.concern, o.result]), [
    ['password', 'applied'],
    ['network', 'applied'],
    ['hostname', 'applied'],
    ['dns', 'applied'],
  ]);
  const rootHash = host.files.get('/etc/shadow')!.content.split('\n')[0]!.split(':');
  t.true(verify('qwHr1234', rootHash[1]!));
  t.is(rootHash[2], '20000', 'last-change day updated');
  t.is(host.files.get('/etc/shadow')!.content.split('\n')[1], 'daemon:*:19000:0:99999:7:::');
  t.is(host.files.get('/etc/shadow')!.mode, 0o640, 'mode kept');
  t.is(host.files.get('/etc/resolv.conf')!.content, 'search corp\nnameserver 7.7.7.7\nnameserver 8.8.8.8\n');
  t.truthy(host.files.get('/etc/systemd/network/10-osconf-eth0.network'));
  t.deepEqual(host.ran, []);
  t.is(host.files.get('/var/lib/osconf/backup/etc/shadow')!.content, SHADOW, 'original kept once');
});

test('a second run with the same settings writes nothing and runs nothing', async (t) => {
  const host = offlineHost();
  await applyOnce(host, vpcText);
  const writes = host.writes.length;
  const { outcomes } = await applyOnce(host, vpcText);
  t.true(outcomes.every((o) => o.result === 'unchanged'));
  t.is(host.writes.length, writes);
});

test('new settings apply exactly the difference, and the backup keeps the first original', async (t) => {
  const host = offlineHost();
  await applyOnce(host, vpcText);
  const first = host.writes.length;
  const changed = vpcText.replace('hostname=iZ23r29djmjZ', 'hostname=renamed');
  const { outcomes } = await applyOnce(host, changed);
  t.deepEqual(outcomes.map((o) => o.result), ['unchanged', 'unchanged', 'applied', 'unchanged']);
  // The second run writes the host name's two files and nothing else (backups of originals aside).
  t.deepEqual(host.writes.slice(first).filter((w) => !w.startsWith('/var/lib/osconf/backup/')).sort(), ['/etc/hostname', '/etc/hosts']);
  t.is(host.files.get('/var/lib/osconf/backup/etc/hosts')!.content, '127.0.0.1 localhost\n');
});

test("a NIC that leaves os.conf loses osconf's files, never anyone else's", async (t) => {
  const host = offlineHost().put('/etc/systemd/network/20-admin.network', '[Match]\nName=eth9\n');
  await applyOnce(host, classicText);
  t.truthy(host.files.get('/etc/systemd/network/10-osconf-eth1.network'));
  const vpcOnly = classicText.split('\n').filter((l) => !l.startsWith('eth1_')).join('\n');
  const { plan } = await applyOnce(host, vpcOnly.replace('eth0_route="', 'eth0_route="0.0.0.0/0 10.171.254.1;'));
  t.false(host.files.has('/etc/systemd/network/10-osconf-eth1.network'));
  t.truthy(host.files.get('/etc/systemd/network/20-admin.network'));
  t.true(plan.concerns.find((c) => c.concern === 'network')!.actions.some((a) => a.kind === 'remove'));
});

test("a stack change removes osconf's ENI file and the source line it added, before the file; the image's lines stay", async (t) => {
  const image = 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/eth9\n';
  const host = offlineHost().put('/etc/network/interfaces', image);
  await applyOnce(host, classicText, 'debian-ifupdown');
  t.regex(host.files.get('/etc/network/interfaces')!.content, /^source \/etc\/network\/interfaces\.d\/50-osconf$/m);
  const { plan } = await applyOnce(host, classicText, 'debian-networkd');
  t.false(host.files.has('/etc/network/interfaces.d/50-osconf'));
  t.is(host.files.get('/etc/network/interfaces')!.content, image, 'back to the image\'s own file');
  const paths = plan.concerns.find((c) => c.concern === 'network')!.actions.flatMap((a) => ('path' in a ? [`${a.kind} ${a.path}`] : []));
  t.true(paths.includes('write /etc/network/interfaces'), paths.join('\n'));
  t.true(paths.indexOf('write /etc/network/interfaces') < paths.indexOf('remove /etc/network/interfaces.d/50-osconf'), paths.join('\n'));
  // A third run has nothing left to undo.
  const again = await applyOnce(host, classicText, 'debian-networkd');
  t.is(again.outcomes.find((o) => o.concern === 'network')!.result, 'unchanged');
});

test("osconf's source line left behind without its file (removed by hand, or by an older osconf) goes at the next run", async (t) => {
  const image = 'auto lo\niface lo inet loopback\n';
  const host = offlineHost().put('/etc/network/interfaces', image);
  await applyOnce(host, classicText, 'debian-ifupdown');
  host.files.delete('/etc/network/interfaces.d/50-osconf');
  await applyOnce(host, classicText, 'debian-networkd');
  t.is(host.files.get('/etc/network/interfaces')!.content, image);
});

test('concerns with errors are refused; the valid ones still apply', async (t) => {
  const host = offlineHost();
  const { outcomes } = await applyOnce(host, vpcText.replace('eth0_netmask=255.255.255.0', 'eth0_netmask=255.0.255.0'));
  t.deepEqual(outcomes.map((o) => [o.concern, o.result]), [
    ['password', 'applied'],
    ['network', 'refused'],
    ['hostname', 'applied'],
    ['dns', 'applied'],
  ]);
  t.false([...host.files.keys()].some((p) => p.startsWith('/etc/systemd/network/')));
  t.regex(outcomes[1]!.message!, /line 5/);
});

test('live: NICs resolved by MAC, brought up with the stack when it runs, iproute2 otherwise, then verified', async (t) => {
  const ipAddr = JSON.stringify([{ ifname: 'ens5', addr_info: [{ family: 'inet', local: '10.171.254.123', prefixlen: 24 }] }]);
  const ipRoute = JSON.stringify([{ dst: 'default', gateway: '10.171.254.1', dev: 'ens5' }]);
  let configured = false;
  const host = new FakeHost(true, {
    ip: (argv) => {
      if (argv[1] === '-j') return { code: 0, stdout: configured ? (argv[3] === 'addr' ? ipAddr : ipRoute) : '[]', stderr: '' };
      if (argv.includes('default')) configured = true;
      return { code: 0, stdout: '', stderr: '' };
    },
    hostname: () => ({ code: 0, stdout: '', stderr: '' }),
  })
    .put('/etc/shadow', SHADOW, 0o640)
    .put('/sys/class/net/ens5/address', '00:8C:FA:5E:14:23\n')
    .put('/sys/class/net/lo/address', '00:00:00:00:00:00\n');
  const { plan, outcomes } = await applyOnce(host, vpcText);
  t.deepEqual(outcomes.map((o) => o.result), ['applied', 'applied', 'applied', 'applied'], JSON.stringify(outcomes));
  const network = plan.concerns.find((c) => c.concern === 'network')!;
  t.regex(network.reason!, /iproute2/);
  t.truthy(host.files.get('/etc/systemd/network/10-osconf-eth0.network'));
  const commands = host.ran.map((r) => r.argv.join(' '));
  t.true(commands.includes('ip addr add 10.171.254.123/24 dev ens5'));
  t.true(commands.includes('ip route replace default via 10.171.254.1 dev ens5'));
  t.true(commands.includes('sethostname iZ23r29djmjZ'), 'the kernel call, no hostname(1) process');
  t.false(commands.some((c) => c.includes('qwHr1234')));
});

test('live: where the kernel refuses /proc/sys/kernel/hostname, hostname(1) sets the running name', async (t) => {
  const host = new FakeHost(true, {
    ip: (argv) => ({ code: 0, stdout: argv[1] === '-j' ? '[]' : '', stderr: '' }),
    hostname: () => ({ code: 0, stdout: '', stderr: '' }),
  }).put('/etc/shadow', SHADOW, 0o640);
  host.setHostnameError = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  const { outcomes } = await applyOnce(host, vpcText);
  t.is(outcomes.find((o) => o.concern === 'hostname')!.result, 'applied');
  t.deepEqual(host.ran.map((r) => r.argv.join(' ')).filter((c) => /hostname/.test(c)), ['sethostname iZ23r29djmjZ', 'hostname iZ23r29djmjZ']);
});

test('live: the stack runs, so its own tool brings NICs up; hostnamectl only while systemd-hostnamed runs', async (t) => {
  const ok = { code: 0, stdout: '', stderr: '' };
  const planWith = async (active: string[]) => {
    const host = new FakeHost(true, {
      systemctl: (argv) => ({
        code: 0,
        stdout: argv
          .slice(4)
          .map((u) => `Id=${u}\nActiveState=${active.includes(u) ? 'active' : 'inactive'}\nUnitFileState=${u === 'NetworkManager.service' ? 'enabled' : ''}\n`)
          .join('\n'),
        stderr: '',
      }),
      nmcli: () => ok,
      ip: (argv) => ({ code: 0, stdout: argv[1] === '-j' ? '[]' : '', stderr: '' }),
      hostnamectl: () => ok,
    }).put('/sys/class/net/eth0/address', '00:8c:fa:5e:14:23\n');
    host.dirs.add('/run/systemd/system');
    const plan = planApply(await gather(host, readOsConf(vpcText), detection('rhel-9')));
    return plan.concerns.flatMap((c) => c.actions.flatMap((a) => (a.kind === 'exec' ? [a.argv.join(' ')] : a.kind === 'set-hostname' ? [`sethostname ${a.hostname}`] : [])));
  };
  const nm = ['nmcli connection reload', 'nmcli connection up uuid a134d100-f35c-5d6d-aacd-341896aed1cc ifname eth0'];
  t.deepEqual(await planWith(['NetworkManager.service', 'systemd-hostnamed.service']), [...nm, 'hostnamectl --static --transient set-hostname iZ23r29djmjZ']);
  // hostnamed has not started (early boot) or has exited after its idle time: the kernel call, no D-Bus round trip.
  t.deepEqual(await planWith(['NetworkManager.service']), [...nm, 'sethostname iZ23r29djmjZ']);
});

test('live: a NIC whose MAC is absent fails the network concern and nothing of it is written', async (t) => {
  const host = new FakeHost(true, { ip: () => ({ code: 0, stdout: '[]', stderr: '' }), hostname: () => ({ code: 0, stdout: '', stderr: '' }) }).put('/etc/shadow', SHADOW);
  const { outcomes } = await applyOnce(host, vpcText);
  t.is(outcomes[1]!.result, 'failed');
  t.regex(outcomes[1]!.message!, /no NIC has the MAC address of eth0 \(00:8c:fa:5e:14:23\)/);
  t.false([...host.files.keys()].some((p) => p.includes('osconf-eth0')));
});

test('a failing command fails its concern with the command and its message; later concerns still run', async (t) => {
  const host = new FakeHost(true, {
    ip: (argv) => (argv[1] === '-j' ? { code: 0, stdout: '[]', stderr: '' } : { code: 2, stdout: '', stderr: 'RTNETLINK answers: Operation not permitted' }),
    hostname: () => ({ code: 0, stdout: '', stderr: '' }),
  })
    .put('/etc/shadow', SHADOW)
    .put('/sys/class/net/eth0/address', '00:8c:fa:5e:14:23\n');
  const { outcomes } = await applyOnce(host, vpcText);
  t.is(outcomes[1]!.result, 'failed');
  t.regex(outcomes[1]!.message!, /^ip link set dev eth0 up exited with 2: RTNETLINK answers: Operation not permitted/);
  t.is(outcomes[2]!.result, 'applied');
});

test('the dry-run description shows diffs and commands, never the password or its hash', async (t) => {
  const host = offlineHost();
  const plan = planApply(await gather(host, readOsConf(vpcText), detection('debian-ifupdown')));
  const text = describePlan(plan);
  t.regex(text, /\+\+\+ b\/etc\/network\/interfaces\.d\/50-osconf/);
  t.regex(text, /write \/etc\/shadow \(content withheld/);
  t.false(text.includes('qwHr1234'));
  t.false(text.includes('$6$'));
  t.deepEqual(host.writes, []);
});

test('detection feeds the planner: an explicit profile wins', (t) => {
  const facts = { osRelease: { ID: 'debian', VERSION_ID: '12' }, paths: new Set(['/sbin/ifup']), enabled: new Set<string>(), nmPlugins: null };
  t.is(detectProfile(facts, { profile: 'rhel-7' }).profile.stack, 'sysconfig-rhel');
});

test('standalone with cloud-init installed: cloud-init is told to leave the network alone', async (t) => {
  const host = offlineHost().put('/usr/bin/cloud-init', '#!/usr/bin/python3\n', 0o755);
  const { plan } = await applyOnce(host, vpcText);
  const network = plan.concerns.find((c) => c.concern === 'network')!;
  t.true(network.actions.some((a) => a.kind === 'write' && a.path === '/etc/cloud/cloud.cfg.d/99-osconf-network-disabled.cfg'));
  t.regex(host.files.get('/etc/cloud/cloud.cfg.d/99-osconf-network-disabled.cfg')!.content, /^network: \{config: disabled\}$/m);
});

/** One cloud-init-mode apply (planApply with a hand-off) on `host`, written with the executor. */
async function handOffOnce(host: FakeHost, text: string, id: ProfileId = 'debian-ifupdown') {
  const plan = planApply(await gather(host, readOsConf(text), detection(id)), { instanceId: 'iid-1' });
  return { plan, outcomes: await executePlan(host, plan) };
}

test('cloud-init mode: osconf sets the password and host name itself; the network goes to cloud-init in the seed, no hash in it', async (t) => {
  const host = offlineHost().put('/usr/bin/cloud-init', '#!/usr/bin/python3\n', 0o755).put('/etc/cloud/cloud.cfg.d/99-osconf-network-disabled.cfg', 'network: {config: disabled}\n');
  const { plan, outcomes } = await handOffOnce(host, vpcText);
  t.deepEqual(outcomes.map((o) => [o.concern, o.result]), [
    ['password', 'applied'],
    ['network', 'applied'],
    ['hostname', 'applied'],
    ['dns', 'applied'],
  ]);
  t.true(verify('qwHr1234', host.files.get('/etc/shadow')!.content.split(':')[1]!), 'root password set by osconf');
  t.is(host.files.get('/etc/hostname')!.content, 'iZ23r29djmjZ\n');
  t.is(host.files.get('/etc/resolv.conf')!.content, 'search corp\nnameserver 7.7.7.7\nnameserver 8.8.8.8\n', 'Debian ifupdown without resolvconf: resolv.conf is written by osconf');
  t.regex(host.files.get('/var/lib/cloud/seed/nocloud/network-config')!.content, /macaddress: 00:8c:fa:5e:14:23/);
  t.regex(host.files.get('/var/lib/cloud/seed/nocloud/meta-data')!.content, /^instance-id: iid-1$/m);
  const userData = host.files.get('/var/lib/cloud/seed/nocloud/user-data')!;
  t.is(userData.mode, 0o600);
  t.regex(userData.content, /^#cloud-config/);
  t.notRegex(userData.content, /password|chpasswd/, 'no password for cloud-init: set_passwords runs once per instance');
  const snippet = host.files.get('/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg')!.content;
  t.regex(snippet, /^datasource_list: \[ NoCloud, None \]$/m);
  t.regex(snippet, /^preserve_hostname: true$/m);
  t.regex(snippet, /^ {4}when: \[boot-new-instance, boot\]$/m);
  t.regex(snippet, /^ {4}renderers: \[ eni \]$/m);
  t.false(host.files.has('/etc/cloud/cloud.cfg.d/99-osconf-network-disabled.cfg'), "standalone mode's network switch removed");
  t.false([...host.files.keys()].some((p) => p.startsWith('/etc/network/interfaces.d/')), 'no network files of osconf');
  t.regex(plan.notes.join('\n'), /cloud-init configures the network/);
});

test('cloud-init mode: a second run changes nothing; a changed password reaches /etc/shadow with the same instance-id', async (t) => {
  const host = offlineHost();
  await handOffOnce(host, vpcText);
  const writes = host.writes.length;
  const second = await handOffOnce(host, vpcText);
  t.deepEqual(second.plan.preamble, []);
  t.true(second.outcomes.every((o) => o.result === 'unchanged'));
  t.is(host.writes.length, writes);
  const changed = vpcText.replace(/^password=.*$/m, `password=${Buffer.from('SecondPass456').toString('base64')}`);
  const third = await handOffOnce(host, changed);
  t.deepEqual(third.outcomes.map((o) => `${o.concern} ${o.result}`), ['password applied', 'network unchanged', 'hostname unchanged', 'dns unchanged']);
  t.true(verify('SecondPass456', host.files.get('/etc/shadow')!.content.split(':')[1]!));
  t.regex(host.files.get('/var/lib/cloud/seed/nocloud/meta-data')!.content, /^instance-id: iid-1$/m);
});

test('cloud-init mode with resolved behind networkd: the name servers travel in the network-config, osconf writes no DNS file', async (t) => {
  const host = offlineHost().put('/etc/systemd/system/multi-user.target.wants/systemd-resolved.service', '');
  host.files.delete('/etc/resolv.conf');
  await host.symlink('../run/systemd/resolve/stub-resolv.conf', '/etc/resolv.conf');
  const { plan } = await handOffOnce(host, vpcText, 'debian-networkd');
  const dns = plan.concerns.find((c) => c.concern === 'dns')!;
  t.is(dns.state, 'unchanged');
  t.regex(dns.reason ?? '', /NoCloud network-config/);
  t.regex(host.files.get('/var/lib/cloud/seed/nocloud/network-config')!.content, /7\.7\.7\.7/);
  t.regex(host.files.get('/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg')!.content, /renderers: \[ networkd \]/);
});

test('live at boot: an enabled stack that has not started yet applies the files itself; osconf does not touch the NICs', async (t) => {
  const ok = { code: 0, stdout: '', stderr: '' };
  const host = new FakeHost(true, {
    systemctl: (argv) => ({
      code: 0,
      stdout: argv.slice(4).map((u) => `Id=${u}\nActiveState=inactive\nUnitFileState=${u === 'NetworkManager.service' ? 'enabled' : 'disabled'}\n`).join('\n'),
      stderr: '',
    }),
    ip: (argv) => ({ code: 0, stdout: argv[1] === '-j' ? '[]' : '', stderr: '' }),
    hostnamectl: () => ok,
  }).put('/sys/class/net/eth0/address', '00:8c:fa:5e:14:23\n');
  host.dirs.add('/run/systemd/system');
  const plan = planApply(await gather(host, readOsConf(vpcText), detection('rhel-9')));
  const network = plan.concerns.find((c) => c.concern === 'network')!;
  t.is(network.reason, 'NetworkManager.service applies them when it starts');
  t.false(network.actions.some((a) => a.kind === 'exec'));
  t.true(network.deferred, 'checked by osconf verify once NetworkManager is up, not now');
  t.deepEqual(network.verify, { kind: 'network', addresses: [{ name: 'eth0', cidr: '10.171.254.123/24' }], routes: ['0.0.0.0/0 via 10.171.254.1 dev eth0'] });
});

/** A live Debian 12 with systemd-resolved (the package's resolv.conf link), under systemd; `active`: running units. */
function debianResolved(opts: { reports: () => string; networkUp?: boolean; active?: string[] }): FakeHost {
  const ok = { code: 0, stdout: '', stderr: '' };
  const active = opts.active ?? ['systemd-resolved.service'];
  const ipAddr = JSON.stringify([{ ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.171.254.123', prefixlen: 24 }] }]);
  const ipRoute = JSON.stringify([
    { dst: 'default', gateway: '10.171.254.1', dev: 'eth0' },
    { dst: '10.0.0.0/8', gateway: '10.171.254.1', dev: 'eth0' },
    { dst: '100.64.0.0/10', gateway: '10.171.254.1', dev: 'eth0' },
  ]);
  const host = new FakeHost(
    true,
    {
      systemctl: (argv) => ({
        code: 0,
        stdout: argv
          .slice(4)
          .map((u) => `Id=${u}\nActiveState=${active.includes(u) ? 'active' : 'inactive'}\nUnitFileState=${u === 'systemd-resolved.service' || active.includes(u) ? 'enabled' : 'disabled'}\n`)
          .join('\n'),
        stderr: '',
      }),
      resolvectl: () => ({ code: 0, stdout: opts.reports(), stderr: '' }),
      ip: (argv) => ({ code: 0, stdout: argv[1] === '-j' ? (opts.networkUp ? (argv[3] === 'addr' ? ipAddr : ipRoute) : '[]') : '', stderr: '' }),
      ifdown: () => ok,
      ifup: () => ok,
      networkctl: () => ok,
      hostnamectl: () => ok,
    },
    'iZ23r29djmjZ',
  )
    .put('/etc/shadow', SHADOW)
    .put('/sys/class/net/eth0/address', '00:8c:fa:5e:14:23\n')
    .put('/run/systemd/resolve/stub-resolv.conf', 'nameserver 127.0.0.53\noptions edns0 trust-ad\n');
  host.symlinks.add('/etc/resolv.conf');
  host.linkTargets.set('/etc/resolv.conf', '../run/systemd/resolve/stub-resolv.conf');
  host.dirs.add('/run/systemd/system');
  return host;
}

const vpcDns = vpcText.replace(/^password=.*$/m, '').replace(/^hostname=.*$/m, '');
const describeActions = (c: { actions: Array<{ kind: string; path?: string; argv?: string[] }> }) => c.actions.map((a) => (a.argv ? a.argv.join(' ') : `${a.kind} ${a.path}`));

test('Debian 12, ifupdown, systemd-resolved (the issue): a resolved drop-in, resolved restarted, then asked', async (t) => {
  const host = debianResolved({ reports: () => 'Global:\nLink 2 (eth0):\n' });
  const plan = planApply(await gather(host, readOsConf(vpcDns), detection('debian-ifupdown')));
  const network = plan.concerns.find((c) => c.concern === 'network')!;
  const eni = network.actions.find((a) => a.kind === 'write' && a.path === '/etc/network/interfaces.d/50-osconf');
  t.notRegex(eni?.kind === 'write' ? eni.content : 'missing', /dns-nameservers/, "not for Debian 12's if-up.d/resolved hook, which loses them");
  const dns = plan.concerns.find((c) => c.concern === 'dns')!;
  t.is(dns.state, 'change', 'not "unchanged: set through the network stack" while resolved reports nothing');
  t.deepEqual(describeActions(dns), ['write /etc/systemd/resolved.conf.d/90-osconf.conf', 'systemctl try-reload-or-restart systemd-resolved.service']);
  t.deepEqual(dns.verify, { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] });
  t.false(dns.actions.some((a) => a.kind === 'write' && a.path === '/etc/resolv.conf'), 'the stub link is never written');
});

test('at boot, resolved not started yet: the drop-in only, nothing to check now; the drop-in goes when DNS goes elsewhere', async (t) => {
  const host = debianResolved({ reports: () => '', active: [] });
  const plan = planApply(await gather(host, readOsConf(vpcDns), detection('debian-ifupdown')));
  const dns = plan.concerns.find((c) => c.concern === 'dns')!;
  t.deepEqual(describeActions(dns), ['write /etc/systemd/resolved.conf.d/90-osconf.conf']);
  t.regex(dns.reason!, /systemd-resolved reads it when it starts/);
  t.true(dns.deferred, 'resolved is enabled: osconf verify asks it once it has started');
  t.deepEqual(dns.verify, { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] });
  t.false(host.ran.some((r) => r.argv[0] === 'resolvectl'), 'resolved is not asked (nor started by D-Bus activation) before it runs');
  await executePlan(host, plan);
  host.symlinks.delete('/etc/resolv.conf');
  host.put('/etc/resolv.conf', 'nameserver 1.1.1.1\n');
  const after = planApply(await gather(host, readOsConf(vpcDns), detection('debian-ifupdown')));
  t.deepEqual(describeActions(after.concerns[3]!), ['write /etc/resolv.conf', 'remove /etc/systemd/resolved.conf.d/90-osconf.conf']);
});

test('networkd and resolved: name servers per link; a resolver that lost them is repaired by reconfiguring the NIC', async (t) => {
  let reports = 'Global:\nLink 2 (eth0): 1.1.1.1\n';
  const active = ['systemd-resolved.service', 'systemd-networkd.service'];
  const host = debianResolved({ reports: () => reports, networkUp: true, active });
  const first = planApply(await gather(host, readOsConf(vpcDns), detection('debian-networkd')));
  t.regex((first.concerns[1]!.actions[0] as { content: string }).content, /^DNS=7\.7\.7\.7$/m);
  t.deepEqual(first.concerns[3]!.actions, [], 'through the stack: no file of its own');
  t.deepEqual(first.concerns[3]!.verify, { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] });
  await executePlan(host, first);
  // The files are as os.conf says and the addresses are up, but resolved does not report our servers.
  const drifted = planApply(await gather(host, readOsConf(vpcDns), detection('debian-networkd')));
  t.deepEqual(describeActions(drifted.concerns[1]!), ['networkctl reload', 'networkctl reconfigure eth0']);
  t.is(drifted.concerns[3]!.state, 'change');
  reports = 'Global:\nLink 2 (eth0): 7.7.7.7 8.8.8.8\n';
  const settled = planApply(await gather(host, readOsConf(vpcDns), detection('debian-networkd')));
  t.deepEqual(settled.concerns.map((c) => c.state), ['not-set', 'unchanged', 'not-set', 'unchanged']);
  t.is(settled.concerns[3]!.reason, 'the resolver already reports them');
});

test('offline: SUSE name servers go to netconfig as the DNS concern; an unknown resolv.conf link fails DNS and says why', async (t) => {
  const suse = offlineHost().put('/etc/sysconfig/network/config', 'NETCONFIG_DNS_POLICY="auto"\n');
  suse.files.delete('/etc/resolv.conf');
  const { plan } = await applyOnce(suse, vpcText, 'suse');
  const dns = plan.concerns.find((c) => c.concern === 'dns')!;
  t.deepEqual(dns.actions.map((a) => (a.kind === 'write' ? a.path : a.kind)), ['/etc/sysconfig/network/config']);
  t.false(plan.concerns.find((c) => c.concern === 'network')!.actions.some((a) => a.kind === 'write' && a.path.endsWith('/config')));

  const odd = offlineHost();
  odd.files.delete('/etc/resolv.conf');
  odd.symlinks.add('/etc/resolv.conf');
  odd.linkTargets.set('/etc/resolv.conf', '/run/connman/resolv.conf');
  const { outcomes } = await applyOnce(odd, vpcText, 'debian-ifupdown');
  t.is(outcomes[3]!.result, 'failed');
  t.regex(outcomes[3]!.message!, /links to \/run\/connman\/resolv\.conf.*osconf knows no way/);
});

test('live: a changed host name is checked on the running system afterwards', async (t) => {
  const host = debianResolved({ reports: () => '' });
  const renamed = vpcText.replace('hostname=iZ23r29djmjZ', 'hostname=node-a.corp.example.com');
  const plan = planApply(await gather(host, readOsConf(renamed), detection('debian-ifupdown')));
  t.deepEqual(plan.concerns.find((c) => c.concern === 'hostname')!.verify, {
    kind: 'hostname',
    hostname: 'node-a.corp.example.com',
    names: ['node-a.corp.example.com', 'node-a'],
    address: '10.171.254.123',
  });
});

test('at boot with the files already in place (a console password reset): networkd starts next, so DNS is not checked before it', async (t) => {
  // resolved runs (it starts early), networkd is enabled but waits for osconf; the NIC has no address yet.
  const host = debianResolved({ reports: () => 'Global:\n', active: ['systemd-resolved.service'] });
  host.commands.systemctl = (argv) => ({
    code: 0,
    stdout: argv
      .slice(4)
      .map((u) => `Id=${u}\nActiveState=${u === 'systemd-resolved.service' ? 'active' : 'inactive'}\nUnitFileState=${u === 'systemd-resolved.service' || u === 'systemd-networkd.service' ? 'enabled' : 'disabled'}\n`)
      .join('\n'),
    stderr: '',
  });
  const first = planApply(await gather(host, readOsConf(vpcDns), detection('debian-networkd')));
  await executePlan(host, first);
  const again = planApply(await gather(host, readOsConf(vpcDns), detection('debian-networkd')));
  const network = again.concerns[1]!;
  t.is(network.state, 'unchanged');
  t.true(network.deferred);
  t.regex(network.reason!, /systemd-networkd\.service applies them when it starts/);
  t.true(again.concerns[3]!.deferred, 'the servers show only once networkd has started: osconf verify asks then');
  t.deepEqual(again.concerns[3]!.verify, { kind: 'dns', source: 'resolved', nameservers: ['7.7.7.7', '8.8.8.8'] });
  t.deepEqual(network.verify, { kind: 'network', addresses: [{ name: 'eth0', cidr: '10.171.254.123/24' }], routes: ['0.0.0.0/0 via 10.171.254.1 dev eth0'] });
});

test('host names compare case-insensitively (RFC 4343): a lowercased running name is not set again', async (t) => {
  const host = debianResolved({ reports: () => '', active: [] });
  host.commands.hostnamectl = () => ({ code: 0, stdout: '', stderr: '' });
  const lower = new FakeHost(true, host.commands, 'iz23r29djmjz');
  for (const [p, f] of host.files) lower.files.set(p, f);
  const plan = planApply(await gather(lower, readOsConf(vpcText.replace(/^password=.*$/m, '')), detection('debian-networkd')));
  t.false(plan.concerns[2]!.actions.some((a) => a.kind === 'exec'), 'no hostnamectl when only the case differs');
});

test('a file osconf cannot read fails only the concern that needs it, with the reason (issue 16, item 4)', async (t) => {
  class OddShadow extends FakeHost {
    override async read(path: string): Promise<string | null> {
      if (path === '/etc/shadow') throw new OperationalError('failed to read /etc/shadow: not a regular file');
      return super.read(path);
    }
  }
  const host = new OddShadow(false).put('/etc/shadow', SHADOW, 0o640).put('/etc/hosts', '127.0.0.1 localhost\n').put('/etc/resolv.conf', 'nameserver 1.1.1.1\n');
  const { plan, outcomes } = await applyOnce(host, vpcText);
  t.deepEqual(outcomes.map((o) => [o.concern, o.result]), [
    ['password', 'failed'],
    ['network', 'applied'],
    ['hostname', 'applied'],
    ['dns', 'applied'],
  ]);
  t.is(plan.concerns[0]!.reason, 'failed to read /etc/shadow: not a regular file');
  t.is(host.files.get('/etc/shadow')!.content, SHADOW, 'untouched');
});
