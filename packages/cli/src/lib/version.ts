// The package version, put in by the build (tsup's and the bin's `define`); running from source
// without a build (the test runner), it is `0.0.0-source`.
declare const __SCIM_CLI_VERSION__: string | undefined;

export const VERSION: string =
  typeof __SCIM_CLI_VERSION__ === 'string' ? __SCIM_CLI_VERSION__ : '0.0.0-source';
