// cloud-init mode: instead of configuring the instance itself, osconf hands os.conf to cloud-init as a NoCloud
// seed before cloud-init-local runs, and cloud-init configures everything. Per concern: the password goes in
// user-data (hash only), the host name in meta-data, the network and DNS in network-config.
// A settings change keeps the instance-id, so cloud-init's per-instance modules (host keys) do not re-run;
// osconf's cloud.cfg.d snippet asks cloud-init to re-render the network at every boot.
import type { InstanceConfig, ReadResult } from '../config/model.js';
import type { Secret } from '../config/secret.js';
import { sha512Crypt } from '../config/password-hash.js';
import { renderMetaData } from '../datasource/meta-data.js';
import { renderNetworkConfigV2 } from '../datasource/network-config-v2.js';
import { renderUserData } from '../datasource/user-data.js';
import { withHeader } from '../render/header.js';
import { verify } from 'unixcrypt';
import type { Action, ApplyPlan, ConcernPlan } from './actions.js';

export const NOCLOUD_SEED_DIR = '/var/lib/cloud/seed/nocloud';
export const CLOUD_CFG_SNIPPET = '/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg';
/** Standalone mode: the snippet that keeps cloud-init's hands off the network. */
export const CLOUD_CFG_NETWORK_OFF = '/etc/cloud/cloud.cfg.d/99-osconf-network-disabled.cfg';

export const DATASOURCE_SNIPPET = withHeader(
  [
    '# NoCloud first: osconf writes its seed from os.conf; the others stay available.',
    'datasource_list: [ NoCloud, AliYun, None ]',
    '# Re-render the network from the seed at every boot, so a changed os.conf takes effect.',
    'updates:',
    '  network:',
    '    when: [boot-new-instance, boot]',
    '',
  ].join('\n'),
);

export const NETWORK_OFF_SNIPPET = withHeader('# osconf configures the network from os.conf; exactly one agent may.\nnetwork: {config: disabled}\n');

export interface HandoffInput {
  result: ReadResult;
  config: InstanceConfig;
  instanceId: string;
  files: ReadonlyMap<string, string | null>;
  salt: string;
}

/** Keeps the hash already in user-data when it matches, so an unchanged password is no change. */
function passwordHash(password: Secret, existingUserData: string | null, salt: string): string {
  const current = existingUserData ? /password: (\$6\$\S+)/.exec(existingUserData)?.[1] : undefined;
  if (current) {
    try {
      if (verify(password.reveal(), current)) return current;
    } catch {
      // unreadable: make a new one
    }
  }
  return sha512Crypt(password, salt);
}

export function planHandoff(input: HandoffInput, profileLabel: string): ApplyPlan {
  const { config, files } = input;
  const write = (path: string, content: string, mode: number, sensitive = false): Action[] =>
    files.get(path) === content ? [] : [{ kind: 'write', path, content, mode, before: files.get(path) ?? null, sensitive }];
  const concern = (c: ConcernPlan['concern'], actions: Action[], set: boolean): ConcernPlan => {
    if (!input.result.valid[c]) return { concern: c, state: 'refused', reason: 'os.conf has errors', actions: [] };
    if (!set) return { concern: c, state: 'not-set', actions: [] };
    return actions.length > 0 ? { concern: c, state: 'change', reason: 'handed to cloud-init', actions } : { concern: c, state: 'unchanged', reason: 'cloud-init already has it', actions: [] };
  };
  const preamble: Action[] = [
    ...write(CLOUD_CFG_SNIPPET, DATASOURCE_SNIPPET, 0o644),
    ...write(`${NOCLOUD_SEED_DIR}/meta-data`, renderMetaData(config, input.instanceId), 0o644),
  ];
  const userData = `${NOCLOUD_SEED_DIR}/user-data`;
  const hash = config.password ? passwordHash(config.password, files.get(userData) ?? null, input.salt) : null;
  const concerns: ConcernPlan[] = [
    concern('password', write(userData, renderUserData(hash), 0o600, true), config.password !== null),
    concern('network', write(`${NOCLOUD_SEED_DIR}/network-config`, renderNetworkConfigV2(config), 0o644), config.interfaces.length > 0),
    concern('hostname', [], config.hostname !== null),
    concern('dns', [], config.nameservers.length > 0),
  ];
  // The host name and name servers travel in meta-data and network-config, written above.
  for (const c of concerns) if ((c.concern === 'hostname' || c.concern === 'dns') && c.state === 'unchanged') c.reason = 'in the NoCloud seed';
  return { profile: profileLabel, stack: 'cloud-init', concerns, notes: ['mode cloud-init: cloud-init configures the instance from the NoCloud seed'], preamble };
}
