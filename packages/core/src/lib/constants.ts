/**
 * Every URN, event URI and media type the SDK speaks, in one place (RFC 7643 §3, §10.2; RFC 7644
 * §3.1, §8.1; RFC 9967 §7.4).
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

/** The form encoding of an OAuth 2.0 token request (RFC 6749 §4.4.2). @example `headers: { 'content-type': FORM_MEDIA_TYPE }` @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2 */
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

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

// SCIM security events (RFC 9967 §2, §7.4). Each SET names what happened by one of these event URIs.

/** Prefix of every SCIM event URI (RFC 9967 §7.3). @example `uri.startsWith(SCIM_EVENT_URI_PREFIX)` @see https://www.rfc-editor.org/rfc/rfc9967#section-7.3 */
export const SCIM_EVENT_URI_PREFIX = 'urn:ietf:params:scim:event:';

/** A resource joined an event feed; it need not be new (RFC 9967 §2.3.1). @example `{ events: { [FEED_ADD_EVENT_URI]: {} } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.3.1 */
export const FEED_ADD_EVENT_URI = 'urn:ietf:params:scim:event:feed:add';

/** A resource left an event feed; it need not be deleted (RFC 9967 §2.3.2). @example `{ events: { [FEED_REMOVE_EVENT_URI]: {} } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.3.2 */
export const FEED_REMOVE_EVENT_URI = 'urn:ietf:params:scim:event:feed:remove';

/** A resource was created; the payload's `data` is its representation (RFC 9967 §2.4.1). @example `{ events: { [PROV_CREATE_FULL_EVENT_URI]: { data } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.1 */
export const PROV_CREATE_FULL_EVENT_URI = 'urn:ietf:params:scim:event:prov:create:full';

/** A resource was created; the payload's `attributes` name what was set (RFC 9967 §2.4.1). @example `{ events: { [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.1 */
export const PROV_CREATE_NOTICE_EVENT_URI = 'urn:ietf:params:scim:event:prov:create:notice';

/** A resource was patched; the payload's `data` is the PatchOp message (RFC 9967 §2.4.2). @example `{ events: { [PROV_PATCH_FULL_EVENT_URI]: { version, data: { schemas: [PATCH_OP_URN], Operations } } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.2 */
export const PROV_PATCH_FULL_EVENT_URI = 'urn:ietf:params:scim:event:prov:patch:full';

/** A resource was patched; the payload's `attributes` name the modified paths (RFC 9967 §2.4.2). @example `{ events: { [PROV_PATCH_NOTICE_EVENT_URI]: { version, attributes: ['members'] } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.2 */
export const PROV_PATCH_NOTICE_EVENT_URI = 'urn:ietf:params:scim:event:prov:patch:notice';

/** A resource was replaced; the payload's `data` is the resource as processed (RFC 9967 §2.4.3). @example `{ events: { [PROV_PUT_FULL_EVENT_URI]: { version, data } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.3 */
export const PROV_PUT_FULL_EVENT_URI = 'urn:ietf:params:scim:event:prov:put:full';

/** A resource was replaced; the payload's `attributes` name the modified ones (RFC 9967 §2.4.3). @example `{ events: { [PROV_PUT_NOTICE_EVENT_URI]: { version, attributes: ['name'] } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.3 */
export const PROV_PUT_NOTICE_EVENT_URI = 'urn:ietf:params:scim:event:prov:put:notice';

/** A resource was deleted; the payload is empty (RFC 9967 §2.4.4). @example `{ events: { [PROV_DELETE_EVENT_URI]: {} } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.4 */
export const PROV_DELETE_EVENT_URI = 'urn:ietf:params:scim:event:prov:delete';

/** A resource (a user) was activated; the payload is empty (RFC 9967 §2.4.5). @example `{ events: { [PROV_ACTIVATE_EVENT_URI]: {} } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.5 */
export const PROV_ACTIVATE_EVENT_URI = 'urn:ietf:params:scim:event:prov:activate';

/** A resource (a user) was deactivated; the payload is empty (RFC 9967 §2.4.6). @example `{ events: { [PROV_DEACTIVATE_EVENT_URI]: {} } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4.6 */
export const PROV_DEACTIVATE_EVENT_URI = 'urn:ietf:params:scim:event:prov:deactivate';

/** An asynchronous request completed; the payload is one Bulk response operation (RFC 9967 §2.5.1.3). @example `{ events: { [MISC_ASYNCRESP_EVENT_URI]: { method: 'PUT', status: '200' } } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.5.1.3 */
export const MISC_ASYNCRESP_EVENT_URI = 'urn:ietf:params:scim:event:misc:asyncresp';

/** The twelve event URIs RFC 9967 registers, in the order of its §7.4 table. @example `SCIM_EVENT_URIS.includes(uri)` @see https://www.rfc-editor.org/rfc/rfc9967#section-7.4 */
export const SCIM_EVENT_URIS = [
  FEED_ADD_EVENT_URI,
  FEED_REMOVE_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PUT_NOTICE_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_ACTIVATE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  MISC_ASYNCRESP_EVENT_URI,
] as const;

/** The `sub_id` format of a SCIM event's subject (RFC 9967 §2.1, RFC 9493). @example `{ sub_id: { format: SCIM_SUBJECT_FORMAT, uri: '/Users/2819c223' } }` @see https://www.rfc-editor.org/rfc/rfc9967#section-2.1 */
export const SCIM_SUBJECT_FORMAT = 'scim';

/** The media type of a Security Event Token; its JOSE `typ` is `secevent+jwt` (RFC 8417 §2.3, §7.2). @example `headers.set('content-type', SECEVENT_JWT_MEDIA_TYPE)` @see https://www.rfc-editor.org/rfc/rfc8417#section-2.3 */
export const SECEVENT_JWT_MEDIA_TYPE = 'application/secevent+jwt';

// OpenID RISC event types (OpenID RISC Profile 1.0 §2), for receivers that speak RISC but not SCIM.

/** RISC: the account was disabled and may be enabled again (OpenID RISC Profile 1.0 §2.3). @example `{ events: { [RISC_ACCOUNT_DISABLED_EVENT_URI]: {} } }` @see https://openid.net/specs/openid-risc-profile-specification-1_0.html */
export const RISC_ACCOUNT_DISABLED_EVENT_URI =
  'https://schemas.openid.net/secevent/risc/event-type/account-disabled';

/** RISC: the account was enabled (OpenID RISC Profile 1.0 §2.4). @example `{ events: { [RISC_ACCOUNT_ENABLED_EVENT_URI]: {} } }` @see https://openid.net/specs/openid-risc-profile-specification-1_0.html */
export const RISC_ACCOUNT_ENABLED_EVENT_URI =
  'https://schemas.openid.net/secevent/risc/event-type/account-enabled';

/** RISC: the account was permanently deleted (OpenID RISC Profile 1.0 §2.2). @example `{ events: { [RISC_ACCOUNT_PURGED_EVENT_URI]: {} } }` @see https://openid.net/specs/openid-risc-profile-specification-1_0.html */
export const RISC_ACCOUNT_PURGED_EVENT_URI =
  'https://schemas.openid.net/secevent/risc/event-type/account-purged';

/** RISC: the subject's e-mail or phone identifier changed to `new-value` (OpenID RISC Profile 1.0 §2.5). @example `{ events: { [RISC_IDENTIFIER_CHANGED_EVENT_URI]: { 'new-value': 'b@example.com' } } }` @see https://openid.net/specs/openid-risc-profile-specification-1_0.html */
export const RISC_IDENTIFIER_CHANGED_EVENT_URI =
  'https://schemas.openid.net/secevent/risc/event-type/identifier-changed';

/** The delivery method of a push stream: RFC 8935 (SSF `delivery.method`). @example `{ delivery: { method: PUSH_DELIVERY_METHOD, endpoint_url } }` @see https://www.rfc-editor.org/rfc/rfc8935 */
export const PUSH_DELIVERY_METHOD = 'urn:ietf:rfc:8935';
/** The delivery method of a poll stream: RFC 8936 (SSF `delivery.method`). @example `{ delivery: { method: POLL_DELIVERY_METHOD } }` @see https://www.rfc-editor.org/rfc/rfc8936 */
export const POLL_DELIVERY_METHOD = 'urn:ietf:rfc:8936';
/** SSF: the verification event a transmitter sends when a receiver asks (OpenID SSF 1.0 §8.1.4). @example `{ events: { [SSF_VERIFICATION_EVENT_URI]: { state } } }` @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html */
export const SSF_VERIFICATION_EVENT_URI =
  'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF: a stream's status changed (OpenID SSF 1.0 §8.1.5). @example `{ events: { [SSF_STREAM_UPDATED_EVENT_URI]: { status: 'paused' } } }` @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html */
export const SSF_STREAM_UPDATED_EVENT_URI =
  'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';
/** SSF: the subject format of an opaque identifier (RFC 9493 §3.2.1). @example `{ format: OPAQUE_SUBJECT_FORMAT, id: streamId }` @see https://www.rfc-editor.org/rfc/rfc9493#section-3.2.1 */
export const OPAQUE_SUBJECT_FORMAT = 'opaque';
