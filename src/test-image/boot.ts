// `osconf test-image`, the I/O part: the copy-on-write overlay (qemu-img), os.conf written onto the overlay's
// partition 1 without mounting (the partition exported to a raw file, changed with mtools or debugfs, written
// back with qemu-img convert -n), qemu run with the serial console on a unix socket read from here, SSH from
// here (ssh2, loaded only when test-image runs), and the disk read offline after power-off (check's readers).
// Nothing binds anything but 127.0.0.1; the password goes to ssh2 and the console socket only (never argv).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { imageTarget } from '../check/gather.js';
import { runChecks, type CheckItem } from '../check/items.js';
import type { CheckTarget } from '../check/target.js';
import { OperationalError, UsageError } from '../errors.js';
import { redactRegistered } from '../secret-registry.js';
import { qemuArgv, type Accel, type BootObservation, type SlirpNet } from './plan.js';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool (no shell, C messages); `code` -1 when it could not start (not installed). */
export function tool(argv: string[], timeoutMs = 600_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (error && code === -1 ? error.message : '')) });
    });
  });
}

async function must(argv: string[], what: string): Promise<string> {
  const r = await tool(argv);
  if (r.code !== 0) throw new OperationalError(`${what}: ${argv[0]} ${r.code === -1 ? 'could not run (is it installed? qemu-utils, mtools, e2fsprogs)' : `failed: ${r.stderr.trim().split('\n')[0]}`}`);
  return r.stdout;
}

/** The disk's format as qemu-img reads it (qemu-img(1) info): raw, qcow2 or vpc (VHD); anything else is a usage error. */
export async function diskFormat(disk: string): Promise<string> {
  const info = JSON.parse(await must(['qemu-img', 'info', '--output=json', disk], `reading ${disk}`)) as { format?: string };
  if (!info.format || !['raw', 'qcow2', 'vpc'].includes(info.format)) throw new UsageError(`${disk}: format ${info.format ?? 'unknown'}; test-image takes raw, qcow2 or vhd (vpc) disks`);
  return info.format;
}

/** A qcow2 overlay over `disk` (read-only backing file): everything the boots write lands in the overlay. */
export async function createOverlay(disk: string, format: string, overlay: string): Promise<void> {
  await must(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', disk, '-F', format, overlay], 'creating the overlay');
}

/** The whole overlay as a sparse raw file, for check's offline readers (sfdisk, blkid, debugfs, mtools). */
export async function exportRaw(overlay: string, out: string): Promise<void> {
  await must(['qemu-img', 'convert', '-O', 'raw', overlay, out], 'reading the overlay');
}

/** Partition `offset`/`size` of a qcow2 overlay as qemu's raw driver sees it (qemu-img(1) --image-opts). */
const window = (overlay: string, offset: number, size: number): string => `driver=raw,offset=${offset},size=${size},file.driver=qcow2,file.file.filename=${overlay.replace(/,/g, ',,')}`;

/**
 * Puts `text` as aliyun_custom_image/os.conf onto partition 1 of the overlay (FAT through mtools' mcopy, ext
 * through debugfs -w), as the platform does: the partition is exported to a raw file, changed, and written back.
 * Why not a mount: none is possible without root and a loop device; why not the whole disk: only 1 partition changes.
 */
export async function writeOsConf(overlay: string, p1: { offset: number; size: number; fs: string }, text: string, work: string): Promise<void> {
  const raw = join(work, 'p1.raw');
  const conf = join(work, 'os.conf');
  await fs.rm(raw, { force: true });
  await must(['qemu-img', 'convert', '-O', 'raw', '--image-opts', window(overlay, p1.offset, p1.size), raw], 'reading partition 1');
  await fs.writeFile(conf, text, { mode: 0o600 });
  try {
    if (p1.fs === 'vfat') {
      await tool(['mmd', '-i', raw, '::/aliyun_custom_image']);
      await must(['mcopy', '-o', '-i', raw, conf, '::/aliyun_custom_image/os.conf'], 'writing os.conf onto partition 1');
    } else if (/^ext[234]$/.test(p1.fs)) {
      await tool(['debugfs', '-w', '-R', 'mkdir /aliyun_custom_image', raw]);
      await tool(['debugfs', '-w', '-R', 'rm /aliyun_custom_image/os.conf', raw]);
      await must(['debugfs', '-w', '-R', `write ${conf} /aliyun_custom_image/os.conf`, raw], 'writing os.conf onto partition 1');
    } else throw new UsageError(`partition 1 is ${p1.fs}: test-image writes os.conf onto FAT32 or ext2/3/4 only`);
  } finally {
    await fs.rm(conf, { force: true });
  }
  await must(['qemu-img', 'convert', '-n', '-f', 'raw', raw, '--target-image-opts', window(overlay, p1.offset, p1.size)], 'writing partition 1 back');
  await fs.rm(raw, { force: true });
}

/** A free TCP port on 127.0.0.1 (bound to port 0 and released; qemu may still lose it to a race: retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * `p`'s value, or null once `ms` milliseconds pass first. The timer is cleared when `p` settles: a pending
 * timer keeps Node's event loop, and so the command, alive after its report (up to 5 minutes after a boot).
 */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The serial console: every byte kept in `log` (registered secrets redacted), and waits for text on it. */
class SerialConsole {
  private text = '';
  private socket: Socket | null = null;
  private readonly out;
  private waiters: Array<() => void> = [];
  // The log gets the console's UTF-8 as text; a character split between two reads is completed by the next.
  private readonly decoder = new StringDecoder('utf8');

  constructor(logPath: string) {
    this.out = createWriteStream(logPath, { mode: 0o600 });
  }

  async connect(path: string, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const s = await new Promise<Socket | null>((resolve) => {
        const c = connect(path);
        c.once('connect', () => resolve(c));
        c.once('error', () => resolve(null));
      });
      if (s) {
        this.socket = s;
        s.on('data', (d: Buffer) => {
          const t = d.toString('latin1');
          this.text += t;
          this.out.write(redactRegistered(this.decoder.write(d)));
          for (const w of this.waiters.splice(0)) w();
        });
        s.on('error', () => undefined);
        return;
      }
      await sleep(200);
    }
    throw new OperationalError('qemu did not open its serial console socket');
  }

  /** Everything after `from`, \r removed. */
  since(from: number): string {
    return this.text.slice(from).replace(/\r/g, '');
  }

  get length(): number {
    return this.text.length;
  }

  /** Waits until `re` matches the text after `from`; false when `ms` pass. */
  async waitFor(re: RegExp, from: number, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!re.test(this.since(from))) {
      const left = end - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }

  send(text: string): void {
    this.socket?.write(text);
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((r) => this.out.end(r));
  }
}

/** A shell in the guest: SSH's exec channel or the serial console. */
interface Shell {
  run(command: string): Promise<string>;
}

/** The commands whose output the proofs read (plan.ts bootItems). */
const PROOF_COMMANDS = {
  hostname: 'hostname',
  ipAddr: 'ip -j addr show',
  ipRoute: 'ip -j -4 route show',
  resolv: 'cat /etc/resolv.conf; resolvectl dns 2>/dev/null; true',
  status: 'osconf status --wait --format json',
  hostKeys: 'cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null; true',
} as const;

async function proofs(shell: Shell): Promise<NonNullable<BootObservation['shell']>> {
  const out: Record<string, string> = {};
  for (const [k, cmd] of Object.entries(PROOF_COMMANDS)) out[k] = await shell.run(cmd);
  return out as NonNullable<BootObservation['shell']>;
}

type Ssh2Client = import('ssh2').Client;

/** One SSH attempt as root with the password: the client and the host key blob, or why not. */
async function sshLogin(port: number, password: string, timeoutMs: number): Promise<{ client: Ssh2Client; hostKey: string } | { error: string; refused: boolean; sshdAnswered: boolean }> {
  const { Client } = (await import('ssh2')).default ?? (await import('ssh2'));
  return new Promise((resolve) => {
    const client = new Client();
    let hostKey = '';
    // sshd sent its identification string (RFC 4253 4.2): it runs at os.conf's address, however slowly.
    let sshdAnswered = false;
    client
      .on('ready', () => resolve({ client, hostKey }))
      .on('error', (e: Error & { level?: string }) => {
        client.end();
        resolve({ error: e.message, refused: e.level === 'client-authentication', sshdAnswered });
      })
      // Resolving twice is a no-op: a close after ready or error changes nothing.
      .on('close', () => resolve({ error: 'connection closed', refused: false, sshdAnswered }))
      .connect({
        host: '127.0.0.1',
        port,
        username: 'root',
        password,
        readyTimeout: timeoutMs,
        tryKeyboard: false,
        debug: (line: string) => {
          if (/Remote ident/.test(line)) sshdAnswered = true;
        },
        hostVerifier: (key: Buffer) => {
          hostKey = key.toString('base64');
          return true;
        },
      });
  });
}

function sshShell(client: Ssh2Client): Shell {
  return {
    run: (command) =>
      new Promise((resolve, reject) => {
        client.exec(command, (err, stream) => {
          if (err) return reject(new OperationalError(`ssh: ${err.message}`));
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
          stream.stderr.on('data', () => undefined);
          stream.on('close', () => resolve(out));
        });
      }),
  };
}

/** Root login on the serial console (getty on ttyS0), then commands between markers the echo cannot match. */
async function consoleLogin(con: SerialConsole, password: string, deadline: number): Promise<{ shell: Shell } | { error: string }> {
  let from = con.length;
  let prompt = false;
  // getty may start after sshd: wait for its prompt until the boot's bound (at least 2 minutes).
  const until = Math.max(deadline, Date.now() + 120_000);
  while (!prompt && Date.now() < until) {
    con.send('\r');
    prompt = await con.waitFor(/login: *$/m, from, 15_000);
  }
  if (!prompt) return { error: 'no login prompt on ttyS0 (is a getty running on the serial console? console=ttyS0)' };
  from = con.length;
  con.send('root\r');
  if (!(await con.waitFor(/Password: *$/m, from, 30_000))) return { error: 'no password prompt after "root"' };
  from = con.length;
  con.send(`${password}\r`);
  if (!(await con.waitFor(/(# *$)|(Login incorrect)/m, from, 60_000))) return { error: 'no shell prompt after the password' };
  if (/Login incorrect/.test(con.since(from))) return { error: "the console refused root's os.conf password (Login incorrect)" };
  con.send('stty -echo; dmesg -n 1 2>/dev/null; export TERM=dumb\r');
  await sleep(1000);
  let n = 0;
  return {
    shell: {
      async run(command) {
        const id = `${Date.now()}-${++n}`;
        const start = con.length;
        con.send(`echo OSCONF-""BEGIN-${id}; ${command}; echo OSCONF-""END-${id}\r`);
        const end = new RegExp(`OSCONF-END-${id}`);
        if (!(await con.waitFor(end, start, 600_000))) throw new OperationalError(`the console gave no answer to ${command.split(' ')[0]}`);
        const text = con.since(start);
        const b = text.indexOf(`OSCONF-BEGIN-${id}\n`);
        return text.slice(b + `OSCONF-BEGIN-${id}\n`.length, text.indexOf(`OSCONF-END-${id}`));
      },
    },
  };
}

export interface BootOptions {
  overlay: string;
  accel: Accel | 'auto';
  nets: SlirpNet[];
  password: string;
  serialLog: string;
  work: string;
  /** Bound of the whole boot, seconds. */
  timeoutS: number;
  boot: number;
  progress: (line: string) => void;
}

/**
 * Boots the overlay once and gathers the proofs from outside: SSH as root at os.conf's address (the forwarded
 * port), else a root login on the serial console; then powers the guest off and waits for qemu to end.
 * Returns the observation without the offline parts (see readOffline).
 * @throws OperationalError when qemu cannot start.
 */
export async function bootOnce(o: BootOptions): Promise<Omit<BootObservation, 'p1Entries'>> {
  const started = Date.now();
  const deadline = started + o.timeoutS * 1000;
  const socket = join(o.work, `console-${o.boot}.sock`);
  let accel: Accel = o.accel === 'auto' ? 'kvm' : o.accel;
  let qemu: ChildProcess | null = null;
  let stderr = '';
  let exited: Promise<number> = Promise.resolve(0);
  let ports: number[] = [];
  for (let attempt = 0; ; attempt++) {
    await fs.rm(socket, { force: true });
    ports = await Promise.all(o.nets.map(() => freePort()));
    stderr = '';
    const child = spawn('qemu-system-x86_64', qemuArgv({ overlay: o.overlay, accel, nets: o.nets, ports, serialSocket: socket }), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = new Promise((r) => {
      child.once('exit', (code) => r(code ?? -1));
      child.once('error', (e) => {
        stderr += e.message;
        r(-1);
      });
    });
    const early = await within(exited, 3000);
    if (early === null) {
      qemu = child;
      break;
    }
    if (o.accel === 'auto' && accel === 'kvm' && /kvm/i.test(stderr)) {
      o.progress(`boot ${o.boot}: KVM is not usable (${stderr.trim().split('\n')[0]}); using TCG (software emulation, minutes per boot)`);
      accel = 'tcg';
      continue;
    }
    if (/could not set up host forwarding/i.test(stderr) && attempt < 5) continue;
    throw new OperationalError(`qemu could not start: ${stderr.trim().split('\n').slice(0, 3).join('; ') || `exit ${early}`}`);
  }
  const con = new SerialConsole(o.serialLog);
  const obs: Omit<BootObservation, 'p1Entries'> = { boot: o.boot, timedOut: false, ssh: { ok: false, passwordRefused: false, reason: 'not tried' }, console: null, shell: null };
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  try {
    await con.connect(socket, Date.now() + 10_000);
    let promptAt = 0;
    let lastError = '';
    let shell: Shell | null = null;
    let client: Ssh2Client | null = null;
    let lastProgress = 0;
    let sshdSeen = false;
    // SSH first, until the boot's bound; see below for when the console is tried sooner.
    while (Date.now() < deadline) {
      if (!promptAt && /login: *$/m.test(con.since(0))) promptAt = Date.now();
      if (Date.now() - lastProgress >= 30_000) {
        lastProgress = Date.now();
        o.progress(`boot ${o.boot}: ${elapsed()} s, ${promptAt ? 'login prompt on the console; ' : ''}waiting for SSH at ${o.nets[0]!.address}:22 (127.0.0.1:${ports[0]})`);
      }
      // Under TCG on a busy host, key exchange alone can take a minute.
      const r = await sshLogin(ports[0]!, o.password, 120_000);
      if ('client' in r) {
        client = r.client;
        obs.ssh = { ok: true, hostKey: r.hostKey };
        shell = sshShell(r.client);
        break;
      }
      lastError = r.error;
      sshdSeen ||= r.sshdAnswered;
      if (r.refused) {
        obs.ssh = { ok: false, passwordRefused: true, reason: r.error };
        break;
      }
      // Nothing answers at os.conf's address while the console already offers a login: give up on SSH after 2
      // minutes. An sshd that answered but was slow keeps its chance until the boot's bound.
      if (promptAt && !sshdSeen && Date.now() - promptAt > 120_000) break;
      await sleep(5000);
    }
    if (!obs.ssh.ok && !obs.ssh.passwordRefused) obs.ssh = { ok: false, passwordRefused: false, reason: lastError || 'no connection' };
    if (!shell) {
      if (Date.now() >= deadline) obs.timedOut = true;
      o.progress(`boot ${o.boot}: ${elapsed()} s, no SSH login (${obs.ssh.ok ? '' : obs.ssh.reason}); logging in on the serial console`);
      const c = await consoleLogin(con, o.password, deadline);
      obs.console = 'shell' in c ? { ok: true, reason: '' } : { ok: false, reason: c.error };
      if ('shell' in c) shell = c.shell;
    }
    if (shell) {
      o.progress(`boot ${o.boot}: ${elapsed()} s, logged in; reading host name, addresses, routes, name servers, osconf status`);
      obs.shell = await proofs(shell);
      o.progress(`boot ${o.boot}: ${elapsed()} s, powering off`);
      if (client) {
        client.exec('systemctl poweroff || poweroff', () => undefined);
        await sleep(2000);
        client.end();
      } else con.send('systemctl poweroff || poweroff\r');
    }
    const left = Math.max(deadline - Date.now(), 0);
    const code = await within(exited, shell ? Math.min(left, 300_000) + 1000 : 0);
    if (code === null) {
      if (shell) o.progress(`boot ${o.boot}: the guest did not power off; stopping qemu`);
      qemu?.kill('SIGTERM');
      await within(exited, 10_000);
      qemu?.kill('SIGKILL');
      await exited;
    }
    o.progress(`boot ${o.boot}: done after ${elapsed()} s`);
    return obs;
  } finally {
    if (qemu && qemu.exitCode === null) qemu.kill('SIGKILL');
    await con.close();
    await fs.rm(socket, { force: true });
  }
}

/** What is read offline from the powered-off overlay: partition 1's listing and, on request, why nothing worked. */
export interface Offline {
  target: CheckTarget;
  p1: { offset: number; size: number; fs: string } | null;
}

/** The disk (raw) read by check's readers: layout, partition 1, the root file system. */
export async function readDisk(raw: string): Promise<Offline> {
  const target = await imageTarget(raw);
  const p1 = target.disk?.partitions.find((p) => p.number === 1);
  return { target, p1: p1 ? { offset: p1.offset, size: p1.size, fs: p1.fs.type } : null };
}

/** The image's own SSH host public keys' blobs (Base64), from the root file system. */
export async function imageHostKeys(t: CheckTarget): Promise<string[]> {
  if (!t.root) return [];
  const names = (await t.root.list('/etc/ssh').catch(() => [] as string[])).filter((n) => /^ssh_host_.*_key\.pub$/.test(n));
  const keys: string[] = [];
  for (const n of names) {
    const k = (await t.root.read(`/etc/ssh/${n}`))?.trim().split(/\s+/)[1];
    if (k) keys.push(k);
  }
  return keys;
}

/** Why a boot gave no login, from the disk: check's osconf item, the end of osconf's log, its state's status. */
export async function diagnose(t: CheckTarget): Promise<NonNullable<BootObservation['offline']>> {
  const osconfItem: CheckItem | null = (await runChecks(t).catch(() => [] as CheckItem[])).find((i) => i.name === 'osconf') ?? null;
  const logText = (await t.root?.read('/var/log/osconf.log').catch(() => null)) ?? null;
  const log = logText === null ? 'no /var/log/osconf.log: osconf never ran' : redactRegistered(logText.trim().split('\n').slice(-3).join(' | '));
  const stateText = (await t.root?.read('/var/lib/osconf/state.json').catch(() => null)) ?? null;
  let state = 'no /var/lib/osconf/state.json';
  if (stateText) {
    try {
      const s = JSON.parse(stateText) as { lastApply?: { exitCode?: number; osConf?: string } };
      state = `last apply exit ${s.lastApply?.exitCode}, os.conf ${s.lastApply?.osConf}`;
    } catch {
      state = 'unreadable state.json';
    }
  }
  return { osconfItem, log, state };
}
