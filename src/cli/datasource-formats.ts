// The views `osconf datasource --format` prints; apart from the command so --help does not load the views.
export const DATASOURCE_FORMATS = ['meta-data', 'user-data', 'network-config', 'network-config-v1', 'instance-data'] as const;
export type DatasourceFormat = (typeof DATASOURCE_FORMATS)[number];
