/**
 * `@scim/server/testing`: the conformance kit every adapter runs. It checks an endpoint through a
 * fetch function against the checklist's rows and the Entra and Okta request sequences.
 *
 * @example
 * ```ts
 * import { conformanceCases } from '@scim/server/testing';
 * for (const c of conformanceCases({ fetch, baseUrl })) it(`${c.id}: ${c.name}`, c.run);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
export {
  conformanceCases,
  type ConformanceCase,
  type ConformanceOptions,
} from './lib/conformance/cases.js';
export type { ConformanceTarget } from './lib/conformance/client.js';
