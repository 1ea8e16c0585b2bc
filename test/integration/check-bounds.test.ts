// check --image on damaged or crafted images (issue 16, item 5; reproduction 6): real images built with the
// real tools, then mutated. Whatever the bytes, reading the image (partition table, partition 1's names, the
// root found through debugfs: what the pure items then judge) ends with a target or a clear error (an
// OsconfError), never an internal error, within a bound on time and memory. The mutations come from fast-check with a fixed
// seed (OSCONF_FC_SEED to change it, OSCONF_FC_RUNS for more cases, as `npm run fuzz` does).
import test from 'ava';
import fc from 'fast-check';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageTarget } from '../../src/check/gather.js';
import { runChecks } from '../../src/check/items.js';
import { OsconfError } from '../../src/errors.js';
import { debianRoot, materialize } from '../helpers/memory-root.js';
import { run } from '../helpers/run.js';

const work = mkdtempSync(join(tmpdir(), 'osconf-check-bounds-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const SEED = Number(process.env.OSCONF_FC_SEED ?? 20161);
const RUNS = Number(process.env.OSCONF_FC_RUNS ?? 25);
/** Per case: far above reading these small images (a second or two on a loaded machine), far below the minutes of the bugs. */
const CASE_BOUND_MS = 60_000;
/** The whole worker's resident memory after any case (the looping FAT reached 5.5 GB). */
const RSS_BOUND = 768 * 2 ** 20;

async function sh(script: string, env: Record<string, string>): Promise<void> {
  const r = await run('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, ...env }, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${script}\n${r.stdout}${r.stderr}`);
}

/**
 * A small disk image: a partition table (`table`), partition 1 at 1 MiB (FAT32 with aliyun_custom_image/, or
 * ext4 with it and `extraP1` more entries), partition 2 an ext4 root.
 */
async function image(name: string, table: 'dos' | 'gpt', p1: 'vfat' | 'ext4', extraP1 = 0): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  materialize(debianRoot(), join(dir, 'root'));
  mkdirSync(join(dir, 'p1/aliyun_custom_image'), { recursive: true });
  for (let i = 0; i < extraP1; i++) writeFileSyncQuick(join(dir, 'p1', `entry-${String(i).padStart(5, '0')}`));
  const p1Type = table === 'gpt' ? 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7' : p1 === 'vfat' ? 'c' : '83';
  const p2Type = table === 'gpt' ? '0FC63DAF-8483-4772-8E79-3D69D8477DE4' : '83';
  await sh(
    `
    truncate -s 80M "$DIR/disk.img"
    printf 'label: %s\\nstart=2048, size=%d, type=%s\\nstart=%d, size=%d, type=%s\\n' "$TABLE" $((40 * 2048)) "$P1TYPE" $((41 * 2048)) $((32 * 2048)) "$P2TYPE" | sfdisk -q "$DIR/disk.img"
    case "$P1FS" in
      vfat) mkfs.vfat -F 32 -C "$DIR/p1.img" $((40 * 1024)) >/dev/null; mmd -i "$DIR/p1.img" ::/aliyun_custom_image ;;
      ext4) mkfs.ext4 -q -F -N 8192 -d "$DIR/p1" "$DIR/p1.img" 40M ;;
    esac
    mkfs.ext4 -q -F -d "$DIR/root" "$DIR/root.img" 32M
    dd if="$DIR/p1.img" of="$DIR/disk.img" bs=1M seek=1 conv=notrunc,sparse status=none
    dd if="$DIR/root.img" of="$DIR/disk.img" bs=1M seek=41 conv=notrunc,sparse status=none
    rm -f "$DIR/p1.img" "$DIR/root.img"
    `,
    { DIR: dir, TABLE: table, P1TYPE: p1Type, P2TYPE: p2Type, P1FS: p1 },
  );
  return join(dir, 'disk.img');
}

function writeFileSyncQuick(path: string): void {
  closeSync(openSync(path, 'w'));
}

test('check --image: an ext4 partition 1 with 3,000 entries still shows aliyun_custom_image/ (one debugfs run, not 3,000 at once)', async (t) => {
  const img = await image('many', 'dos', 'ext4', 3000);
  const target = await imageTarget(img);
  t.is(target.firstPartitionEntries?.length, 3002, target.firstPartitionMissing); // and lost+found
  t.deepEqual(
    target.firstPartitionEntries?.find((e) => e.name === 'aliyun_custom_image'),
    { name: 'aliyun_custom_image', directory: true },
  );
  // The item itself (the root's own items are left out: they are not what this reproduction is about).
  const items = await runChecks({ ...target, root: null, rootMissing: 'not read by this test' });
  t.is(items.find((i) => i.name === 'aliyun_custom_image')?.result, 'OK');
});

const MiB = 2 ** 20;
/** Where the structures' fields are: the MBR's entries and signature, the GPT header and first entries,
 * partition 1's boot sector (BPB) and first FAT entries (mkfs.vfat reserves 32 sectors) or its ext
 * superblock, the root file system's superblock. */
const REGIONS: Array<[number, number]> = [
  [446, 512],
  [512, 512 + 92],
  [1024, 1024 + 256],
  [MiB, MiB + 96],
  [MiB + 32 * 512, MiB + 32 * 512 + 64],
  [MiB + 1024, MiB + 1024 + 256],
  [41 * MiB + 1024, 41 * MiB + 1024 + 256],
];

const mutation = fc.record({
  region: fc.integer({ min: 0, max: REGIONS.length - 1 }),
  at: fc.nat(),
  bytes: fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 8 }),
    // Extremes for the integer fields: zero, all ones, a self-reference-sized small number.
    fc.constantFrom(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(2, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)),
  ),
});

for (const [name, table, p1] of [
  ['MBR with a FAT32 partition 1', 'dos', 'vfat'],
  ['GPT with an ext4 partition 1', 'gpt', 'ext4'],
] as const) {
  test(`fuzz: check --image on mutated images (${name}) ends with a report or a clear error, within bounds`, async (t) => {
    const img = await image(name.replace(/\W+/g, '-'), table, p1);
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (mutations) => {
        // Mutate in place, check, put the bytes back: the image stays sparse and the next case starts clean.
        const fd = openSync(img, 'r+');
        const saved: Array<[number, Buffer]> = [];
        try {
          for (const m of mutations) {
            const [start, end] = REGIONS[m.region]!;
            // Integer fields sit at multiples of 4 mostly.
            const span = end - start - m.bytes.length;
            const at = start + (m.at % 2 === 0 ? (m.at % span) & ~3 : m.at % span);
            const old = Buffer.alloc(m.bytes.length);
            readSync(fd, old, 0, old.length, at);
            saved.unshift([at, old]);
            writeSync(fd, m.bytes, 0, m.bytes.length, at);
          }
        } finally {
          closeSync(fd);
        }
        try {
          let timer: NodeJS.Timeout | undefined;
          const bound = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`check did not end within ${CASE_BOUND_MS} ms`)), CASE_BOUND_MS);
          });
          try {
            // The target is what sfdisk, blkid, dumpe2fs, mtools and debugfs make of the image; the items are pure functions of it.
            const outcome = await Promise.race([
              imageTarget(img).then(
                (target) => `target: ${target.disk?.table ?? 'no disk'}, p1 ${target.firstPartitionEntries ? 'read' : 'missing'}, root ${target.root ? 'found' : 'missing'}`,
                (e: unknown) => {
                  if (e instanceof OsconfError) return `error: ${e.message.replace(/\d+/g, 'N').slice(0, 60)}`;
                  throw e;
                },
              ),
              bound,
            ]);
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          } finally {
            clearTimeout(timer);
          }
          const rss = process.memoryUsage().rss;
          if (rss > RSS_BOUND) throw new Error(`resident memory ${Math.round(rss / 2 ** 20)} MiB after the case`);
        } finally {
          const fd2 = openSync(img, 'r+');
          for (const [at, old] of saved) writeSync(fd2, old, 0, old.length, at);
          closeSync(fd2);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    t.log(outcomes);
    t.true(Object.keys(outcomes).length > 0);
  });
}
