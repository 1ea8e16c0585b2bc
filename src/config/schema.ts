// The key table of os.conf (../shared/spec/os-conf.md): which keys exist, which concern each belongs to.
import type { Concern } from './model.js';

export const NIC_FIELDS = ['ip_addr', 'mac_addr', 'netmask', 'gateway', 'route'] as const;
export type NicField = (typeof NIC_FIELDS)[number];
/** A NIC is complete with these; gateway and route are optional. */
export const REQUIRED_NIC_FIELDS: readonly NicField[] = ['ip_addr', 'mac_addr', 'netmask'];

export type KeyInfo =
  | { kind: 'hostname' | 'password' | 'dns_nameserver'; concern: Concern }
  | { kind: 'nic'; concern: 'network'; nic: string; index: number; field: NicField };

// eth0..eth999 without leading zeros, so `eth01` cannot alias `eth1`.
const NIC_KEY = /^eth(0|[1-9][0-9]{0,2})_(ip_addr|mac_addr|netmask|gateway|route)$/;

export function keyInfo(key: string): KeyInfo | null {
  switch (key) {
    case 'hostname':
      return { kind: 'hostname', concern: 'hostname' };
    case 'password':
      return { kind: 'password', concern: 'password' };
    case 'dns_nameserver':
      return { kind: 'dns_nameserver', concern: 'dns' };
  }
  const m = NIC_KEY.exec(key);
  if (!m) return null;
  return { kind: 'nic', concern: 'network', nic: `eth${m[1]}`, index: Number(m[1]), field: m[2] as NicField };
}

/** Keys whose values must never be echoed in a message. */
export function isSecretKey(key: string): boolean {
  return key === 'password';
}
