// The store kit: every case, bound to the storage under test.
import { concurrencyCases } from './concurrency.js';
import { faultCases } from './fault-cases.js';
import { groupsFilterCases } from './groups-filter.js';
import type { StoreConformanceCase, StoreConformanceOptions } from './kit.js';
import { membershipCases } from './membership.js';
import { outboxLeaseCases } from './outbox-leases.js';
import { outboxReadCases } from './outbox-reads.js';
import { queryCases } from './queries.js';
import { tenantCases } from './tenants.js';
import { transactionCases } from './transactions.js';
import { writeCases } from './writes.js';

export type { StorageUnderTest, StoreConformanceCase, StoreConformanceOptions } from './kit.js';
export { withLatency } from './latency.js';

/**
 * The store conformance kit: cases any `ScimStore` implementation runs, each with a fresh storage
 * from `createStorage`. They call the stores directly for query semantics (filters, sorting, paging,
 * totals, cursor walks, projection), uniqueness, versions, membership, transactions and tenant
 * isolation, the outbox's reads (newest first, one request's events) and leases (a late delivery
 * settles nothing another claim took over), and go through a handler for the races identity providers cause (over
 * {@link withLatency}) and for fault injection (each store call of each write failing in turn).
 * Cases that need an optional capability (`groupsOf`, `modifyMembers`, `filtersGroups`,
 * `transaction`, positions on cursor queries) pass without it, and say so in their names.
 * @example
 * ```ts
 * import { storeConformanceCases } from '@scim/server/testing';
 * import { createMemoryStorage } from '@scim/server/memory';
 * describe('my store', () => {
 *   for (const c of storeConformanceCases({ createStorage: () => createMemoryStorage() }))
 *     it(`${c.id}: ${c.name}`, c.run, 30_000);
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function storeConformanceCases(
  options: StoreConformanceOptions,
): readonly StoreConformanceCase[] {
  return [
    ...queryCases,
    ...writeCases,
    ...membershipCases,
    ...groupsFilterCases,
    ...transactionCases,
    ...tenantCases,
    ...concurrencyCases,
    ...faultCases,
    ...outboxReadCases,
    ...outboxLeaseCases,
  ].map(([id, name, run]) => ({ id, name, run: () => run(options) }));
}
