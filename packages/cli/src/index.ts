/**
 * `@scim/cli`: the `scim` command, and its check as a function. `runCheck` runs the conformance
 * kit of `@scim/server/testing` against any SCIM server over HTTP (or an app's `fetch`), skips
 * what the server does not advertise, deletes what it created, and returns a report whose failures
 * carry the request, the response, the RFC section broken and the usual fix.
 *
 * @example
 * ```ts
 * import { runCheck, toJUnitXml } from '@scim/cli';
 * const report = await runCheck({ baseUrl: 'http://127.0.0.1:8080/scim/v2', token: 'secret' });
 * await writeFile('scim.xml', toJUnitXml(report));
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
export { runCheck } from './lib/check/run.js';
export { toJUnitXml } from './lib/report/junit.js';
export type {
  CheckCaseResult,
  CheckCleanup,
  CheckOptions,
  CheckProfile,
  CheckProgress,
  CheckReport,
  CitedRow,
  RecordedExchange,
  ScimFeature,
} from './lib/types.js';
