// The version, injected by the bundler from package.json; unbundled builds (tests) report a dev version.
declare const OSCONF_VERSION: string | undefined;

export const VERSION: string = typeof OSCONF_VERSION === 'string' ? OSCONF_VERSION : '0.0.0-dev';
