// Secrets audit: a full live apply with a known password, at debug log level, while every command osconf starts
// goes through a wrapper that records its argv and environment. The password and its Base64 appear nowhere:
// not in any argv or environment, log, state, backup or dry-run output; files holding the hash are no more
// readable than the originals.
import test from 'ava';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsConf } from '../../src/config/validate.js';
import { LiveSandbox } from '../helpers/live-sandbox.js';
import { examplesDir } from '../helpers/paths.js';

const PASSWORD = 'Zq7!audit-Secret';
const BASE64 = Buffer.from(`${PASSWORD}\n`).toString('base64');
const COMMANDS = ['ip', 'hostname', 'hostnamectl', 'systemctl', 'mount', 'umount', 'readlink', 'blkid', 'stat', 'rmdir', 'ssh-keygen', 'logger', 'systemd-notify', 'networkctl', 'nmcli', 'ifup', 'ifdown', 'netplan', 'restorecon'];

test('the password and its Base64 appear in no argv, environment, log, state, backup or dry-run output', async (t) => {
  const text = readFileSync(join(examplesDir, 'classic.conf'), 'utf8').replace('password=cXdIcjEyMzQK', `password=${BASE64}`);
  const nics = readOsConf(text).config.interfaces.map((n) => ({ name: n.name, mac: n.mac }));
  const box = LiveSandbox.create(nics, text, (b) => `[source]\ndevice=${b.loop}\n`);
  try {
    const wrapper = `#!/bin/sh
# Records how osconf started this command, then runs the real one.
{ printf 'argv:'; for a in "$0" "$@"; do printf ' %s' "$a"; done; printf '\\n'; env | sed 's/^/env: /'; } >> "${box.dir}/out/exec.log"
name=$(basename "$0")
for d in /usr/sbin /usr/bin /sbin /bin; do [ -x "$d/$name" ] && exec "$d/$name" "$@"; done
exit 127
`;
    writeFileSync(join(box.dir, 'wrapper'), wrapper, { mode: 0o755 });
    const before = statSync('/etc/shadow').mode & 0o777;
    await box.run(`
      mkdir -p "$BOX/wrap-upper" "$BOX/wrap-work"
      for c in ${COMMANDS.join(' ')}; do ln -s "$BOX/wrapper" "$BOX/wrap-upper/$c"; done
      mount -t overlay overlay -o "lowerdir=/usr/local/sbin,upperdir=$BOX/wrap-upper,workdir=$BOX/wrap-work" /usr/local/sbin
      $OSCONF apply --dry-run --log-level debug > "$BOX/out/dry.out" 2> "$BOX/out/dry.log"
      $OSCONF --log-level debug apply --json > "$BOX/out/apply.json" 2> "$BOX/out/apply.log"; echo $? > "$BOX/out/code"
      $OSCONF --log-json --log-level debug status > "$BOX/out/status" 2>&1
      cp /var/lib/osconf/state.json "$BOX/out/state.json"
      cat /var/log/osconf.log > "$BOX/out/osconf.log"
      find /var/lib/osconf/backup -type f -exec cat {} + > "$BOX/out/backups"
      stat -c %a /var/lib/osconf/backup/etc/shadow > "$BOX/out/backup-mode"
      uname -n > "$BOX/out/uname"`);
    t.is(box.out('code').trim(), '0', box.out('apply.log'));
    const exec = box.out('exec.log');
    t.regex(exec, /^argv: \S*\/ip addr add 10\.171\.254\.123\/24 dev eth0$/m, 'the wrapper saw the commands');
    // Partition 1 was mounted and unmounted, but its links, device number and mount directory were handled by
    // system calls (realpath, stat, rmdir through the Host), not by readlink, stat or rmdir processes.
    t.regex(exec, /^argv: \S*\/umount \/run\/osconf\/mnt-/m);
    t.notRegex(exec, /^argv: \S*\/(readlink -f|stat -L|rmdir) /m);
    // The running name is set through /proc/sys/kernel/hostname, in this sandbox's UTS namespace: no command.
    t.is(box.out('uname').trim(), 'iZ23r29djmjZ');
    t.notRegex(exec, /hostname/);
    for (const file of ['exec.log', 'dry.out', 'dry.log', 'apply.json', 'apply.log', 'status', 'state.json', 'osconf.log', 'backups']) {
      const content = box.out(file);
      t.false(content.includes(PASSWORD), `${file} holds the password`);
      t.false(content.includes(BASE64), `${file} holds its Base64`);
      t.false(content.includes(BASE64.replace(/=+$/, '')), `${file} holds its Base64 without padding`);
    }
    // The new hash is only in /etc/shadow, whose mode is kept; the backup is no wider than the original.
    t.is(statSync(join(box.dir, 'etc-upper', 'shadow')).mode & 0o777, before);
    t.true((Number.parseInt(box.out('backup-mode').trim(), 8) & ~before) === 0);
    t.false(box.out('state.json').includes('$6$'));
  } finally {
    box.destroy();
  }
});
