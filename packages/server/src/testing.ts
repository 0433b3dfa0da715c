/**
 * `@scim/server/testing`: the conformance kit every adapter and example runs. It checks an endpoint
 * through a fetch function against the checklist's rows and the exact request sequences Microsoft
 * Entra ID and Okta send: Entra's tutorial exchanges (E1–E15), Microsoft's Postman collection
 * (P1–P23), Entra's SCIM Validator (SV-n) and gallery tests (LA-n), the Entra quirks of its known
 * issues page (3.1-n), Okta's SPEC test (O1–O12) and its provisioning traffic (2b-n, 3.2-n). Those
 * sequences expect the `default` compatibility preset; `dialect: 'entra'` adds the Entra requests
 * only the `entra` preset accepts.
 *
 * `storeConformanceCases` is the same for a storage: the cases any `ScimStore` implementation (with
 * its transaction and outbox) runs, the memory storage being the reference, and `withLatency` the
 * wrapper that makes its races show.
 *
 * @example
 * ```ts
 * import { conformanceCases, storeConformanceCases } from '@scim/server/testing';
 * for (const c of conformanceCases({ fetch, baseUrl, headers: { authorization: 'Bearer t' } })) {
 *   it(`${c.id}: ${c.name}`, c.run);
 * }
 * for (const c of storeConformanceCases({ createStorage: () => createMemoryStorage() })) {
 *   it(`${c.id}: ${c.name}`, c.run);
 * }
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
export {
  storeConformanceCases,
  withLatency,
  type StorageUnderTest,
  type StoreConformanceCase,
  type StoreConformanceOptions,
} from './lib/store-kit/index.js';
