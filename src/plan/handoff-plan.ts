// cloud-init mode: osconf hands the network (addresses, routes, and name servers where the stack's own files
// carry them) to cloud-init as a NoCloud seed before cloud-init-local runs, and applies the root password and
// the host name itself, as in standalone mode (apply-plan.ts). Why, from cloud-init 22.4's NoCloud semantics:
// - The instance-id stays when os.conf changes (datasource/instance-id.ts), so cloud-init restores its cached
//   datasource and does not re-run per-instance modules: SSH host keys stay, and so would the password, since
//   set_passwords runs once per instance. osconf sets the password itself; user-data carries none.
// - A network change reaches cloud-init only through update events: the snippet enables `boot`, on which
//   cloud-init re-reads the seed (update_metadata_if_supported) and renders the network again at every boot.
// - preserve_hostname keeps cloud-init's set_hostname/update_hostname off the name: osconf sets it from os.conf,
//   and a name set on the instance (hostnamectl) survives boots without os.conf.
// - datasource_list names NoCloud alone: ds-identify (cloud-init-generator) then enables cloud-init without
//   looking for the seed, which osconf writes only after the generators ran; an image must carry that line
//   before its first boot (docs/image-builders.md), or cloud-init is disabled on it and osconf runs standalone.
import type { InstanceConfig, ReadResult } from '../config/model.js';
import type { Stack } from '../distro/profiles.js';
import { renderMetaData } from '../datasource/meta-data.js';
import { renderNetworkConfigV2 } from '../datasource/network-config-v2.js';
import { renderUserData } from '../datasource/user-data.js';
import { withHeader } from '../render/header.js';
import type { Action, ConcernPlan } from './actions.js';

export const NOCLOUD_SEED_DIR = '/var/lib/cloud/seed/nocloud';
export const CLOUD_CFG_SNIPPET = '/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg';
/** Standalone mode: the snippet that keeps cloud-init's hands off the network. */
export const CLOUD_CFG_NETWORK_OFF = '/etc/cloud/cloud.cfg.d/99-osconf-network-disabled.cfg';

/** cloud-init's renderer name for each stack (cloudinit/net/renderers.py NAME_TO_RENDERER). */
const CLOUD_INIT_RENDERER: Record<Stack, string> = {
  'sysconfig-rhel': 'sysconfig',
  'sysconfig-suse': 'sysconfig',
  eni: 'eni',
  netplan: 'netplan',
  networkd: 'networkd',
  'network-manager': 'network-manager',
};

/**
 * osconf's cloud.cfg.d snippet for cloud-init mode. `stack`: the stack osconf detected (or was told); cloud-init
 * renders for it rather than for the first of its renderers that happens to be installed. The datasource_list
 * line stays on one line: ds-identify reads it with a line parser.
 */
export function datasourceSnippet(stack: Stack | null): string {
  const lines = [
    '# NoCloud alone: ds-identify enables cloud-init without probing, and cloud-init reads only osconf\'s seed.',
    'datasource_list: [ NoCloud, None ]',
    '# Re-render the network from the seed at every boot, so a changed os.conf takes effect.',
    'updates:',
    '  network:',
    '    when: [boot-new-instance, boot]',
    '# osconf sets the host name from os.conf; cloud-init leaves it (and a name set on the instance) alone.',
    'preserve_hostname: true',
  ];
  if (stack) lines.push('# Render for the stack osconf found enabled.', 'system_info:', '  network:', `    renderers: [ ${CLOUD_INIT_RENDERER[stack]} ]`);
  return withHeader(`${lines.join('\n')}\n`);
}

export const NETWORK_OFF_SNIPPET = withHeader('# osconf configures the network from os.conf; exactly one agent may.\nnetwork: {config: disabled}\n');

export interface HandoffInput {
  result: ReadResult;
  /** The model with invalid concerns' data removed. */
  config: InstanceConfig;
  instanceId: string;
  files: ReadonlyMap<string, string | null>;
  stack: Stack | null;
}

/**
 * The network's hand-off: the seed and snippet written first (preamble: meta-data, an empty user-data, the
 * snippet, standalone mode's network switch removed) and the network concern (network-config). Pure.
 * @returns preamble actions and the network concern's plan.
 */
export function planHandoff(input: HandoffInput): { preamble: Action[]; network: ConcernPlan } {
  const { config, files } = input;
  const write = (path: string, content: string, mode: number): Action[] => (files.get(path) === content ? [] : [{ kind: 'write', path, content, mode, before: files.get(path) ?? null }]);
  const off = files.get(CLOUD_CFG_NETWORK_OFF);
  const preamble: Action[] = [
    ...write(CLOUD_CFG_SNIPPET, datasourceSnippet(input.stack), 0o644),
    ...(off !== undefined && off !== null ? [{ kind: 'remove' as const, path: CLOUD_CFG_NETWORK_OFF, before: off }] : []),
    ...write(`${NOCLOUD_SEED_DIR}/meta-data`, renderMetaData(config, input.instanceId), 0o644),
    // NoCloud needs the file (ds-identify's seed check, cloud-init's reader); the password is osconf's, so an
    // older seed's hash goes.
    ...write(`${NOCLOUD_SEED_DIR}/user-data`, renderUserData(null), 0o600),
  ];
  let network: ConcernPlan;
  if (!input.result.valid.network) network = { concern: 'network', state: 'refused', reason: 'os.conf has errors', actions: [] };
  else if (config.interfaces.length === 0) network = { concern: 'network', state: 'not-set', actions: [] };
  else {
    const actions = write(`${NOCLOUD_SEED_DIR}/network-config`, renderNetworkConfigV2(config), 0o644);
    network = actions.length > 0 ? { concern: 'network', state: 'change', reason: 'handed to cloud-init (NoCloud network-config)', actions } : { concern: 'network', state: 'unchanged', reason: 'cloud-init already has it', actions: [] };
  }
  return { preamble, network };
}
