// Live `osconf apply` as at boot (test/helpers/live-sandbox.ts: the first partition on a loop device, an
// overlay over this machine's /etc), checked the way a program on the instance sees it: `getent hosts` and
// `hostname -i` for the host name, and the verify step failing a concern (os.conf kept for the next boot)
// when the resolver in charge reports other name servers than os.conf's.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { examplesDir } from '../helpers/paths.js';

const vpcText = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');

function sandboxFor(text: string): LiveSandbox {
  const nics = readOsConf(text).config.interfaces.map((n) => ({ name: n.name, mac: n.mac }));
  return LiveSandbox.create(nics, text, (b) => `[source]\ndevice=${b.loop}\n`);
}

const results = (json: string) => (JSON.parse(json) as { concerns: Array<{ result: string; message?: string }> }).concerns;

test("Debian's 127.0.1.1 line naming the new host: afterwards getent hosts and hostname -i answer the NIC's address", async (t) => {
  const text = vpcText.replace('hostname=iZ23r29djmjZ', 'hostname=node-a.corp.example.com');
  const box = sandboxFor(text);
  try {
    // The installer's /etc/hosts for this name (Debian's netcfg writes the FQDN, then the short name).
    writeFileSync(join(box.dir, 'etc-upper', 'hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tnode-a.corp.example.com\tnode-a\n\n::1     localhost ip6-localhost ip6-loopback\n');
    // os.conf's name servers are out of reach in the sandbox: `getent hosts` asks them for IPv6 first; fail fast.
    writeFileSync(join(box.dir, 'etc-upper', 'resolv.conf'), 'options timeout:1 attempts:1\n');
    await box.run(`
      $OSCONF apply --json > "$BOX/out/a.json" 2> "$BOX/out/a.log"; echo $? > "$BOX/out/a.code"
      getent hosts node-a.corp.example.com > "$BOX/out/fqdn"
      getent hosts node-a > "$BOX/out/short"
      getent ahosts node-a.corp.example.com > "$BOX/out/ahosts"
      hostname -i > "$BOX/out/hostname-i"
      hostname > "$BOX/out/hostname"`);
    t.is(box.out('a.code').trim(), '0', box.out('a.log'));
    t.deepEqual(results(box.out('a.json')).map((c) => c.result), ['applied', 'applied', 'applied', 'applied'], box.out('a.log'));
    t.regex(box.out('a.log'), /verify: done: .*hostname live as os\.conf says/);
    t.is(box.out('hostname').trim(), 'node-a.corp.example.com');
    t.is(box.out('fqdn').trim().split(/\s+/)[0], '10.171.254.123');
    t.is(box.out('short').trim().split(/\s+/)[0], '10.171.254.123');
    t.is(box.out('ahosts').split(/\s+/)[0], '10.171.254.123');
    t.is(box.out('hostname-i').trim(), '10.171.254.123');
    t.regex(box.etc('/etc/hosts')!, /^# 127\.0\.1\.1\tnode-a\.corp\.example\.com\tnode-a {2}# osconf: /m);
    t.regex(box.etc('/etc/hosts')!, /^127\.0\.0\.1\tlocalhost$/m, 'localhost stays');
    t.deepEqual(box.partitionListing(), [], 'applied and verified: os.conf removed');
  } finally {
    box.destroy();
  }
});

test('a resolver in charge that reports other name servers: the DNS concern fails, os.conf stays, and the next boot retries', async (t) => {
  const box = sandboxFor(vpcText);
  try {
    // systemd-resolved owns resolv.conf; its answer comes from a stand-in for resolvectl (this machine has no
    // resolved; test/integration/dns-resolvers.test.ts has the real one), which reports what $BOX/servers says.
    writeFileSync(join(box.dir, 'servers'), '192.0.2.53');
    const setup = `
      ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
      mount -t tmpfs tmpfs /usr/local/sbin
      printf '#!/bin/sh\\n[ "$1" = dns ] || exit 1\\necho "Global:"\\necho "Link 2 (eth0): $(cat "%s/servers")"\\n' "$BOX" > /usr/local/sbin/resolvectl
      chmod 755 /usr/local/sbin/resolvectl`;
    await box.run(`${setup}
      $OSCONF apply --json > "$BOX/out/f.json" 2> "$BOX/out/f.log"; echo $? > "$BOX/out/f.code"`);
    t.is(box.out('f.code').trim(), '1', box.out('f.log'));
    const failed = results(box.out('f.json'));
    t.deepEqual(failed.map((c) => c.result), ['applied', 'applied', 'applied', 'failed'], box.out('f.log'));
    t.is(failed[3]!.message, "the resolver in charge does not report os.conf's name servers after 20 s: missing name server 7.7.7.7 (resolvectl dns reports 192.0.2.53), name server 8.8.8.8 (resolvectl dns reports 192.0.2.53)");
    t.is(JSON.parse(box.out('f.json')).osConf, 'kept');
    t.deepEqual(box.partitionListing(), ['os.conf']);
    t.is(box.etc('/etc/resolv.conf'), null, 'the stub link is not written through');

    // The next boot: the resolver now reports them; nothing else to do, os.conf goes.
    writeFileSync(join(box.dir, 'servers'), '7.7.7.7 8.8.8.8');
    await box.run(`${setup}
      $OSCONF apply --json > "$BOX/out/r.json" 2> "$BOX/out/r.log"; echo $? > "$BOX/out/r.code"`);
    t.is(box.out('r.code').trim(), '0', box.out('r.log'));
    t.is(results(box.out('r.json'))[3]!.result, 'unchanged');
    t.deepEqual(box.partitionListing(), []);
  } finally {
    box.destroy();
  }
});
