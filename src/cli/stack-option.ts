// `--stack NAME` for render and apply: cloud-init's renderer names; `sysconfig` alone means the RHEL flavour.
import { STACKS, type Stack } from '../distro/profiles.js';
import { UsageError } from '../errors.js';

export function parseStack(name: string | undefined): Stack | undefined {
  if (name === undefined) return undefined;
  const stack = name === 'sysconfig' ? 'sysconfig-rhel' : name;
  if (!(STACKS as readonly string[]).includes(stack)) throw new UsageError(`unknown stack ${JSON.stringify(name)} (one of sysconfig, ${STACKS.join(', ')})`);
  return stack as Stack;
}
