// A real btrfs root: /proc/self/mountinfo names an anonymous 0:NN device for it, so locate must go through
// /sys/fs/btrfs/FSID/devices/ to the partition and its disk. A disk image with an ext4 partition 1 holding
// os.conf and a btrfs partition 2, on a loop device; inside a throwaway mount namespace (scripts/sandbox.sh)
// the btrfs is mounted and chrooted into (with /usr, /proc and /sys from this machine and a private /dev
// holding only the loop device's nodes), and locate, run there, finds partition 1, mounts it and reads os.conf.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { examplesDir, repoRoot } from '../helpers/paths.js';
import { runInSandbox } from '../helpers/sandbox.js';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** major:minor of a loop device's partition, once the kernel has scanned the table (partx asks it again). */
function partitionDev(loop: string, n: number): string {
  const sys = `/sys/block/${basename(loop)}/${basename(loop)}p${n}/dev`;
  for (let i = 0; i < 50 && !existsSync(sys); i++) {
    if (i === 0) {
      try {
        sh('partx', ['-a', loop]);
      } catch {
        // already added by the scan that raced it
      }
    } else sh('sleep', ['0.1']);
  }
  return readFileSync(sys, 'utf8').trim();
}

// Runs inside the sandbox: $W the work directory, $LOOP the disk, $P1/$P2 the partitions' major:minor.
const INSIDE = `set -eu
M=$W/mnt
mkdir -p $M $W/dev
# Mounted through a node named like the partition, as a boot would name it in mountinfo's source field.
mknod $W/dev/$(basename $LOOP)p2 b \${P2%:*} \${P2#*:}
mount -t btrfs $W/dev/$(basename $LOOP)p2 $M
for d in usr proc sys dev run tmp etc $REPO; do mkdir -p "$M/$d"; done
for l in bin lib lib64 sbin; do [ -e /$l ] && ln -s usr/$l $M/$l; done
mount --rbind /usr $M/usr
mount --rbind /sys $M/sys
mount --rbind /proc $M/proc
mount -t tmpfs tmpfs $M/dev
for n in null zero urandom; do touch $M/dev/$n; mount --bind /dev/$n $M/dev/$n; done
mknod $M$LOOP b $(cat /sys/block/$(basename $LOOP)/dev | tr : ' ')
mknod $M\${LOOP}p1 b \${P1%:*} \${P1#*:}
mknod $M\${LOOP}p2 b \${P2%:*} \${P2#*:}
mount --bind $REPO $M$REPO
cd /
exec chroot $M /usr/bin/node --input-type=module -e "
const { NodeHost } = await import('$REPO/build/src/host/node-host.js');
const { rootDiskFirstPartition, locate } = await import('$REPO/build/src/source/locate.js');
const { setLogLevel } = await import('$REPO/build/src/log.js');
const fs = await import('node:fs');
setLogLevel('error');
const host = new NodeHost('/');
const root = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\\\n').filter((l) => l.split(' ')[4] === '/').pop();
const first = await rootDiskFirstPartition(host);
const located = await locate(host, { kind: 'root-disk' });
const osConf = fs.readFileSync(located.base + '/aliyun_custom_image/os.conf', 'utf8');
await located.release();
console.log(JSON.stringify({ root, first, how: located.how, osConf }));
"
`;

test('on a btrfs root, locate finds partition 1 of the disk through /sys/fs/btrfs, mounts it and reads os.conf', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'osconf-btrfs-'));
  let loop = '';
  try {
    const image = join(work, 'disk.img');
    sh('truncate', ['-s', '200M', image]);
    execFileSync('sfdisk', ['-q', image], { input: 'label: dos\n,16M,83\n,,83\n' });
    loop = sh('losetup', ['--find', '--show', '--partscan', image]).trim();
    const [p1, p2] = [partitionDev(loop, 1), partitionDev(loop, 2)];
    const files = join(work, 'p1');
    mkdirSync(join(files, 'aliyun_custom_image'), { recursive: true });
    const osConf = readFileSync(join(examplesDir, 'vpc.conf'), 'utf8');
    writeFileSync(join(files, 'aliyun_custom_image', 'os.conf'), osConf);
    // mkfs needs device nodes: private ones (no udev here makes /dev/loopNpK).
    for (const [n, dev] of [[1, p1], [2, p2]] as const) sh('mknod', [join(work, `part${n}`), 'b', ...dev.split(':')]);
    sh('mkfs.ext4', ['-q', '-F', '-d', files, join(work, 'part1')]);
    sh('mkfs.btrfs', ['-q', '-f', join(work, 'part2')]);

    const r = await runInSandbox('none', 'bash', ['-c', INSIDE], { env: { ...process.env, W: work, LOOP: loop, P1: p1, P2: p2, REPO: repoRoot } });
    t.is(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    t.regex(out.root, / 0:\d+ \/ \/ .* - btrfs /, 'mountinfo gives the btrfs root an anonymous device');
    t.deepEqual(out.first, { device: `${loop}p1`, majorMinor: p1, disk: loop });
    t.is(out.how, `partition 1 of the root disk (${loop}p1), mounted at ${out.how.split('mounted at ')[1]}`);
    t.is(out.osConf, osConf);
  } finally {
    if (loop) sh('losetup', ['-d', loop]);
    rmSync(work, { recursive: true, force: true });
  }
});
