// The typed result of reading os.conf: what every later stage (datasource views, renderers, apply) consumes.
// It is built from the file alone and never looks at the live system.
import type { Secret } from './secret.js';

/** The four things os.conf configures; each is valid or refused on its own. */
export type Concern = 'password' | 'hostname' | 'dns' | 'network';
export const CONCERNS: readonly Concern[] = ['password', 'hostname', 'dns', 'network'];

/** `classic`: any eth1_* key is present (eth0 intranet, eth1 internet). `vpc`: otherwise. */
export type NetworkType = 'classic' | 'vpc';

export interface Route {
  /** Destination as os.conf wrote it, in canonical CIDR form (`0.0.0.0/0` stays `0.0.0.0/0`). */
  to: string;
  via: string;
}

export interface Interface {
  /** The name os.conf uses (`eth0`); the running system may call the NIC with this MAC otherwise. */
  name: string;
  /** Lower case, colon separated. */
  mac: string;
  address: string;
  prefix: number;
  netmask: string;
  gateway: string | null;
  routes: Route[];
}

/**
 * The one default route of the instance. The primary NIC is eth1 on the classic network and eth0 in a VPC;
 * its `0.0.0.0/0` route wins, else its gateway. A `0.0.0.0/0` on any other NIC is dropped with a warning.
 */
export interface DefaultRoute {
  interface: string;
  via: string;
}

export interface InstanceConfig {
  network: NetworkType;
  hostname: string | null;
  password: Secret | null;
  nameservers: string[];
  interfaces: Interface[];
  defaultRoute: DefaultRoute | null;
}

export interface Issue {
  /** 1-based line in os.conf, or null for a file-level problem. */
  line: number | null;
  key: string | null;
  message: string;
}

export interface ConfigIssue extends Issue {
  /** The concerns this issue makes invalid (errors) or concerns (warnings). */
  concerns: Concern[];
}

export interface ReadResult {
  config: InstanceConfig;
  warnings: ConfigIssue[];
  errors: ConfigIssue[];
  /** Per concern: false when an error makes that concern unsafe to apply. */
  valid: Record<Concern, boolean>;
}

/** Routes other than the default one, the way renderers want them. */
export function staticRoutes(nic: Interface): Route[] {
  return nic.routes.filter((r) => r.to !== '0.0.0.0/0');
}

/** `os.conf:5: eth0_netmask: message` */
export function formatIssue(issue: Issue, file = 'os.conf'): string {
  const where = issue.line === null ? file : `${file}:${issue.line}`;
  return issue.key ? `${where}: ${issue.key}: ${issue.message}` : `${where}: ${issue.message}`;
}
