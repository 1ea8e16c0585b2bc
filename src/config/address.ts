// IPv4/IPv6 checks and address maths on top of ip-address. Each check returns an error message or a value.
import { Address4, Address6 } from 'ip-address';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(message: string): Checked<T> => ({ ok: false, message });

function parse4(text: string): Address4 | null {
  if (!/^[0-9.]+$/.test(text)) return null;
  try {
    return new Address4(text);
  } catch {
    return null;
  }
}

const toInt = (a: Address4): number => Number(a.bigInt());
const fromInt = (n: number): string => Address4.fromBigInt(BigInt(n >>> 0)).correctForm();
const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** A plain dotted-quad IPv4 address (no prefix), returned in canonical form. */
export function ipv4(text: string): Checked<string> {
  const a = parse4(text);
  return a ? ok(a.correctForm()) : bad(`${show(text)} is not an IPv4 address`);
}

/** An address a NIC may carry: not unspecified, loopback, multicast or broadcast. */
export function hostIpv4(text: string): Checked<string> {
  const a = parse4(text);
  if (!a) return bad(`${show(text)} is not an IPv4 address`);
  const n = toInt(a);
  if (n === 0) return bad(`${text} is the unspecified address`);
  if (n >>> 24 === 127) return bad(`${text} is a loopback address`);
  if (n >>> 28 === 0xe) return bad(`${text} is a multicast address`);
  if (n >>> 28 === 0xf) return bad(`${text} is a reserved or broadcast address`);
  return ok(a.correctForm());
}

/** Dotted netmask to prefix length; the mask must be contiguous ones then zeros. */
export function netmaskToPrefix(text: string): Checked<number> {
  const a = parse4(text);
  if (!a) return bad(`${show(text)} is not a dotted netmask`);
  const n = toInt(a);
  const inverted = ~n >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return bad(`${text} is not a contiguous netmask`);
  const prefix = 32 - Math.log2(inverted + 1);
  if (prefix === 0) return bad(`${text} is an empty netmask`);
  return ok(prefix);
}

export function prefixToNetmask(prefix: number): string {
  return fromInt(maskOf(prefix));
}

export interface Cidr4 {
  network: string;
  prefix: number;
}

/** `a.b.c.d/n` with no host bits set. */
export function cidr4(text: string): Checked<Cidr4> {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return bad(`${show(text)} is not an IPv4 CIDR (address/prefix)`);
  const a = parse4(m[1]!);
  const prefix = Number(m[2]);
  if (!a || prefix > 32 || (m[2]!.length > 1 && m[2]!.startsWith('0'))) return bad(`${show(text)} is not an IPv4 CIDR (address/prefix)`);
  const n = toInt(a);
  const network = (n & maskOf(prefix)) >>> 0;
  if (network !== n) return bad(`${text} has host bits set (did you mean ${fromInt(network)}/${prefix}?)`);
  return ok({ network: fromInt(network), prefix });
}

export function inSubnet(address: string, network: string, prefix: number): boolean {
  const a = parse4(address);
  const b = parse4(network);
  if (!a || !b) return false;
  const mask = maskOf(prefix);
  return ((toInt(a) & mask) >>> 0) === ((toInt(b) & mask) >>> 0);
}

export function networkOf(address: string, prefix: number): string {
  const a = parse4(address);
  return a ? fromInt(toInt(a) & maskOf(prefix)) : address;
}

export function broadcastOf(address: string, prefix: number): string {
  const a = parse4(address);
  return a ? fromInt((toInt(a) | ~maskOf(prefix)) >>> 0) : address;
}

/** A name server: IPv4 or IPv6 (no prefix, no zone), in canonical form. */
export function nameserver(text: string): Checked<{ address: string; family: 4 | 6 }> {
  const v4 = parse4(text);
  if (v4) return ok({ address: v4.correctForm(), family: 4 });
  if (/^[0-9A-Fa-f:.]+$/.test(text) && text.includes(':')) {
    try {
      return ok({ address: new Address6(text).correctForm(), family: 6 });
    } catch {
      // falls through to the error below
    }
  }
  return bad(`${show(text)} is not an IPv4 or IPv6 address`);
}

function show(text: string): string {
  return text === '' ? 'the empty string' : JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}
