/**
 * Every URN and media type the SDK speaks, in one place (RFC 7643 §3, §10.2; RFC 7644 §3.1, §8.1).
 *
 * @example
 * ```ts
 * import { USER_SCHEMA_URN, SCIM_MEDIA_TYPE } from '@scim/core';
 * const body = { schemas: [USER_SCHEMA_URN], userName: 'bjensen' };
 * const headers = { 'content-type': SCIM_MEDIA_TYPE };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-10.2
 * @module
 */

/** The SCIM media type (RFC 7644 §8.1). @example `headers.set('content-type', SCIM_MEDIA_TYPE)` @see https://www.rfc-editor.org/rfc/rfc7644#section-8.1 */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/** The plain JSON media type, accepted as an alternative to {@link SCIM_MEDIA_TYPE} (RFC 7644 §3.8). @example `accept === JSON_MEDIA_TYPE` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.8 */
export const JSON_MEDIA_TYPE = 'application/json';

/** Prefix of every SCIM schema URN (RFC 7643 §10.2.1). @example `urn.startsWith(SCIM_SCHEMAS_URN_PREFIX)` @see https://www.rfc-editor.org/rfc/rfc7643#section-10.2.1 */
export const SCIM_SCHEMAS_URN_PREFIX = 'urn:ietf:params:scim:schemas:';

/** Prefix reserved for IETF protocol message schemas; custom schemas may not use it (RFC 7643 §10.2.1). @example `urn.startsWith(SCIM_API_URN_PREFIX)` @see https://www.rfc-editor.org/rfc/rfc7643#section-10.2.1 */
export const SCIM_API_URN_PREFIX = 'urn:ietf:params:scim:api:';

/** The core User schema (RFC 7643 §4.1). @example `{ schemas: [USER_SCHEMA_URN] }` @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1 */
export const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** The core Group schema (RFC 7643 §4.2). @example `{ schemas: [GROUP_SCHEMA_URN] }` @see https://www.rfc-editor.org/rfc/rfc7643#section-4.2 */
export const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The Enterprise User extension (RFC 7643 §4.3). @example `user[ENTERPRISE_USER_SCHEMA_URN]?.department` @see https://www.rfc-editor.org/rfc/rfc7643#section-4.3 */
export const ENTERPRISE_USER_SCHEMA_URN =
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The ServiceProviderConfig schema (RFC 7643 §5). @example `{ schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA_URN] }` @see https://www.rfc-editor.org/rfc/rfc7643#section-5 */
export const SERVICE_PROVIDER_CONFIG_SCHEMA_URN =
  'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** The ResourceType schema (RFC 7643 §6). @example `{ schemas: [RESOURCE_TYPE_SCHEMA_URN] }` @see https://www.rfc-editor.org/rfc/rfc7643#section-6 */
export const RESOURCE_TYPE_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

/** The Schema schema, which describes schemas (RFC 7643 §7). @example `{ schemas: [SCHEMA_SCHEMA_URN] }` @see https://www.rfc-editor.org/rfc/rfc7643#section-7 */
export const SCHEMA_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** The ListResponse message (RFC 7644 §3.4.2). @example `{ schemas: [LIST_RESPONSE_URN], totalResults: 0, Resources: [] }` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2 */
export const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** The SearchRequest message (RFC 7644 §3.4.3). @example `{ schemas: [SEARCH_REQUEST_URN], filter: 'userName eq "x"' }` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.3 */
export const SEARCH_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** The PatchOp message (RFC 7644 §3.5.2). @example `{ schemas: [PATCH_OP_URN], Operations: [] }` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2 */
export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The BulkRequest message (RFC 7644 §3.7). @example `{ schemas: [BULK_REQUEST_URN], Operations: [] }` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7 */
export const BULK_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** The BulkResponse message (RFC 7644 §3.7). @example `{ schemas: [BULK_RESPONSE_URN], Operations: [] }` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7 */
export const BULK_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** The Error message (RFC 7644 §3.12). @example `{ schemas: [ERROR_URN], status: '404' }` @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12 */
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
