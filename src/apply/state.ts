// /var/lib/osconf/state.json: what the last apply did, for `osconf status` and for operators. Never holds the
// password or its hash: only results, file names and the os.conf digest.
import type { Host } from '../host/host.js';
import type { ConcernOutcome, ExtraOutcome } from './execute.js';
import type { StepRecord } from './steps.js';

export const STATE_FILE = '/var/lib/osconf/state.json';

export interface ApplyState {
  version: string;
  time: string;
  /** Where os.conf was read. */
  source: string | null;
  sha256: string | null;
  /** What happened to os.conf: removed, kept (to retry), rejected (renamed), absent. */
  osConf: 'removed' | 'kept' | 'rejected' | 'absent' | 'left in place (--conf)';
  exitCode: number;
  profile: string | null;
  /** standalone: osconf configured the instance; cloud-init: it handed a NoCloud seed to cloud-init. */
  mode?: 'standalone' | 'cloud-init';
  concerns: ConcernOutcome[];
  extras?: ExtraOutcome[];
  errors: Array<{ line: number | null; key: string | null; message: string }>;
  /** The apply's steps up to the record, in order, with how each ended and its duration. */
  steps?: StepRecord[];
}

export async function writeState(host: Host, state: ApplyState): Promise<void> {
  await host.mkdir('/var/lib/osconf', 0o755);
  await host.write(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
}

export async function readState(host: Host): Promise<ApplyState | null> {
  const text = await host.read(STATE_FILE);
  return text === null ? null : (JSON.parse(text) as ApplyState);
}
