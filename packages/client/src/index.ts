/**
 * `@scim/client`: a typed SCIM 2.0 client on `fetch` (RFC 7644) for Node, Bun, Deno, Workers and
 * browsers. Resources are typed by the same schema definitions a `@scim/server` is built from;
 * filters are built as `@scim/filter` ASTs; lists are async iterators over index pages or RFC 9865
 * cursors; updates are ETag-aware and send the smallest PATCH; errors are `ScimError`s.
 *
 * @example
 * ```ts
 * import { createScimClient, f } from '@scim/client';
 * const client = createScimClient({ baseUrl: 'https://example.com/scim/v2', auth: { bearer: token } });
 * const user = await client.users.create({ userName: 'bjensen' });
 * for await (const u of client.users.list({ filter: f.sw('userName', 'bj') })) console.log(u.userName);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
export {
  createScimClient,
  type ScimClient,
  type ScimClientOptions,
  type ScimResponse,
} from './lib/client.js';
export {
  ResourceClient,
  type PatchInput,
  type ReadOptions,
  type RequestOptions,
  type ScimCreateInput,
  type ScimReplaceInput,
  type UpdateOptions,
  type WriteOptions,
} from './lib/resources.js';
export { ResourceList, type ListPage, type ListQuery } from './lib/paging.js';
export { f, type FilterPath, type FilterValue } from './lib/filter-builder.js';
export { patch, PatchBuilder, type PatchPath } from './lib/patch-builder.js';
export { diffPatch, fullReplacePatch, type DiffPatchOptions } from './lib/diff.js';
export {
  BulkBuilder,
  type BulkOperation,
  type BulkOperationResult,
  type BulkReference,
  type BulkResult,
} from './lib/bulk.js';
export type { ScimDiscovery, ServiceProviderConfig } from './lib/discovery.js';
export { CLIENT_DIALECTS, type ClientDialect, type ClientDialectOption } from './lib/dialect.js';
export type { AuthRequest, ClientCredentials, ScimClientAuth } from './lib/auth.js';
export type { RetryEvent, RetryOptions } from './lib/retry.js';
export {
  isScimClientError,
  ScimClientError,
  ScimTransportError,
  type ScimClientErrorOptions,
  type ScimTransportErrorCode,
} from './lib/errors.js';
