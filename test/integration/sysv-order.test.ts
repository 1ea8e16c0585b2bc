// SysV boot order on Debian: insserv orders /etc/init.d scripts by their LSB headers, and any package's
// `update-rc.d` reruns it over all of them. osconf's header must make no loop (insserv then drops an edge
// and osconf may start after the network) and must keep osconf before networking. In a throwaway overlay of
// the Debian 12 tools root: insserv, sysv-rc and initscripts (mountnfs.sh, the $remote_fs provider) installed
// from .debs (scripts/install-test-deps.sh), ssh's real init script added, then update-rc.d for each.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, toolsDir } from '../helpers/paths.js';
import { inRootOverlay } from '../helpers/root-overlay.js';

const debs = join(toolsDir, 'sysv-debs');

/** Runs `script` in the overlay after installing the .debs and osconf's init script (as /tmp/osconf). */
async function withSysv(initScript: string, script: string) {
  const files: Record<string, string> = { osconf: initScript };
  for (const deb of readdirSync(debs)) files[deb.replace(/%3a/g, ':').replace(/_.*/, '.deb')] = join(debs, deb);
  return inRootOverlay(
    files,
    `set -e
     cd /tmp
     dpkg -i insserv.deb startpar.deb sysv-rc.deb initscripts.deb >/dev/null 2>&1
     mkdir ssh && dpkg-deb -x openssh-server.deb ssh && install -m 0755 ssh/etc/init.d/ssh /etc/init.d/ssh
     install -m 0755 /tmp/osconf /etc/init.d/osconf
     ${script}`,
  );
}

/** rcS.d/rc2.d S-numbers by script name, from `ls` output lines like `/etc/rcS.d/S05osconf`. */
function sNumbers(listing: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of listing.matchAll(/\/etc\/rc([S2])\.d\/S(\d\d)(\S+)/g)) out[`${m[1]}:${m[3]}`] = Number(m[2]);
  return out;
}

const ORDER = `for s in osconf ssh networking mountnfs.sh; do update-rc.d "$s" defaults 2>&1; done
     echo "--- insserv"
     insserv -v 2>&1 && echo "insserv exit 0" || echo "insserv exit $?"
     echo "--- links"
     ls -1 /etc/rcS.d/S* /etc/rc2.d/S* | sed 's/^/ /'`;

test("osconf's LSB header makes no insserv loop, and osconf starts before networking after other packages' update-rc.d", async (t) => {
  t.true(readdirSync(debs).length >= 5, `no .debs in ${debs}: run scripts/install-test-deps.sh`);
  const r = await withSysv(join(repoRoot, 'init.d', 'osconf'), ORDER);
  try {
    t.is(r.code, 0, r.stdout + r.stderr);
    t.notRegex(r.stdout, /loop/i, r.stdout);
    t.regex(r.stdout, /^insserv exit 0$/m, r.stdout);
    const s = sNumbers(r.stdout);
    t.truthy(s['S:osconf'], r.stdout);
    t.truthy(s['S:networking'], r.stdout);
    t.true(s['S:osconf']! < s['S:networking']!, `osconf S${s['S:osconf']} before networking S${s['S:networking']}`);
    // mountnfs.sh waits for the network; osconf must not wait for it.
    t.true(s['S:osconf']! < s['S:mountnfs.sh']!, `osconf S${s['S:osconf']} before mountnfs.sh S${s['S:mountnfs.sh']}`);
    // ssh starts in the multi-user runlevels, after all of rcS.
    t.truthy(s['2:ssh'], r.stdout);
  } finally {
    r.cleanup();
  }
});
