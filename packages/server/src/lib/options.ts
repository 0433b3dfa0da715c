import {
  COMPATIBILITY_PROFILES,
  GroupResourceType,
  UserResourceType,
  type CompatibilityOptions,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import {
  HARMLESS_FILTER_SYNTAX,
  LENIENT_FILTER_SYNTAX,
  type FilterLeniency,
  type FilterLimits,
} from '@scim/filter';
import { PATCH_PRESETS, type PatchCompatibility, type PatchLimits } from '@scim/patch';
import type { DeliveryOptions } from './lifecycle/delivery.js';
import type {
  DeliveredHookEvent,
  MembershipHookEvent,
  RecordedHookEvent,
} from './lifecycle/delivery-hooks.js';
import type { ScimOutbox } from './lifecycle/outbox.js';
import type { RateLimitOptions } from './limits/rate-limit.js';
import type { ScimStore } from './store.js';

/**
 * One bundle of client dialects for every layer: resource bodies, filters and PATCH.
 * @example `{ validation: COMPATIBILITY_PROFILES.entra, filter: LENIENT_FILTER_SYNTAX, patch: PATCH_PRESETS.entra }`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 */
export interface ServerCompatibility {
  readonly validation: CompatibilityOptions;
  readonly filter: FilterLeniency;
  readonly patch: PatchCompatibility;
}

/**
 * Presets: `rfc` is strict; `default` accepts every client quirk that has no other meaning under the
 * RFC ("True" for a boolean, a bare-string manager, member removal by value list, dotted keys in
 * path-less values, single-quoted filter strings); `entra` adds what contradicts the RFC but Entra ID
 * needs (upsert through `replace`, bare-word filter values); `okta` is `default`. See
 * docs/compatibility.md.
 * @example `createScimHandler({ stores, compatibility: 'entra' })`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export const SERVER_PRESETS: Readonly<
  Record<'rfc' | 'default' | 'entra' | 'okta', ServerCompatibility>
> = Object.freeze({
  rfc: { validation: COMPATIBILITY_PROFILES.strict, filter: {}, patch: PATCH_PRESETS.rfc },
  default: {
    validation: COMPATIBILITY_PROFILES.default,
    filter: HARMLESS_FILTER_SYNTAX,
    patch: PATCH_PRESETS.default,
  },
  entra: {
    validation: COMPATIBILITY_PROFILES.entra,
    filter: LENIENT_FILTER_SYNTAX,
    patch: PATCH_PRESETS.entra,
  },
  okta: {
    validation: COMPATIBILITY_PROFILES.default,
    filter: HARMLESS_FILTER_SYNTAX,
    patch: PATCH_PRESETS.okta,
  },
});

/**
 * The names of {@link SERVER_PRESETS}; `compatibility` takes them in any case.
 * @example `const preset: ServerPresetName = 'entra'`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export type ServerPresetName = keyof typeof SERVER_PRESETS;

/**
 * What `onError` is told besides the error and the request.
 * @example `onError: (error, request, { requestId }) => logger.error({ err: error, requestId })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface ErrorDetails {
  /** The id the client sees in the 500's `detail` and in the `X-Request-Id` header. */
  readonly requestId: string;
}

/**
 * One answered request, as the `log` option receives it.
 * @example `log: (record) => console.log(record.method, record.path, record.status, record.durationMs)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface RequestLogRecord {
  /** From a well-formed `X-Request-Id` request header, or made up; also sent back in `X-Request-Id`. */
  readonly requestId: string;
  readonly method: string;
  /** The URL path, without the query. */
  readonly path: string;
  /** The query string with its leading `?`, or `''`. It can hold filter values: treat it as personal data. */
  readonly query: string;
  readonly status: number;
  readonly durationMs: number;
  /** What `authenticate` returned; undefined before authentication or for anonymous access. */
  readonly principal: unknown;
  readonly tenant: string | undefined;
  /**
   * The compatibility preset the request was served under (`rfc`, `default`, `entra`, `okta`), or
   * `custom` for a bundle of options.
   */
  readonly dialect?: string;
  /** Set for every answer of 400 and above. */
  readonly error?: { readonly scimType: string | undefined; readonly detail: string | undefined };
  /**
   * The client quirks the request relied on, present only when at least one did: each the option
   * that allowed it (`booleanStrings` for Entra's `"active": "False"`, `bareWordValues` for
   * `externalId eq jyoung`, `caseInsensitiveOp` for `"op": "Replace"`, …), the layer it belongs to
   * and the attribute path. See docs/compatibility.md. A request answered 202 (`asyncRequests`)
   * lists the rules its reading relied on (a PATCH's operations); those of the work run after the
   * answer are on its `asyncCompleted` event. One answered in full after waiting lists them all. A bulk request lists each
   * operation's rules at its place (`Operations[3].data.Operations[0].op`). A refused PATCH lists
   * the rules its earlier operations relied on.
   */
  readonly compatibility?: readonly {
    readonly rule: string;
    readonly layer: 'validation' | 'filter' | 'patch';
    /** Such as `active`, `emails.value` or `Operations[0].op`; absent for the request as a whole. */
    readonly path?: string;
  }[];
  /**
   * With `debug`: the request's headers as a flat list, `[name, value, name, value, …]`, with the
   * values of `Authorization`, `Cookie` and `Proxy-Authorization` redacted. From an adapter that
   * gives the raw list (`ScimFetchContext.rawHeaders`: Express, Hono on Node), as the client sent
   * them: names in its case and order, a repeated header once per line. Otherwise as the
   * `Request`'s `Headers` lists them: names lowercased and sorted, repeats joined. A list rather
   * than an object keyed by name: it is made on every request, and the list costs a fifteenth.
   * @example `for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`)`
   */
  readonly requestHeaders?: readonly string[];
  /** With `debug`: the parsed JSON request body, every `password` value redacted. */
  readonly requestBody?: unknown;
  /** With `debug`, beside `requestBody`: the length of the body the client sent, in UTF-8 bytes. */
  readonly requestBodyBytes?: number;
  /** With `debug`: the parsed JSON response body, every `password` value redacted. */
  readonly responseBody?: unknown;
  /** With `debug`, beside `responseBody`: the length of the body sent back, in UTF-8 bytes. */
  readonly responseBodyBytes?: number;
}

/**
 * With `debug`, the second argument of `log`: the record's bodies as JSON text, redacted as the
 * record's values are. The request's is the text the client sent, the response's the text written
 * back (a body that named a password is serialised again from its redacted value). A log that
 * stores or prints bodies keeps these strings rather than serialising the values once more.
 * @example `log: (record, text) => out.write(`${record.requestId} ${text?.responseBody ?? ''}\n`)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface RequestLogText {
  /** Present when the record has `requestBody`. */
  readonly requestBody?: string;
  /** Present when the record has `responseBody`. */
  readonly responseBody?: string;
}

/**
 * Bounds that keep one request cheap.
 * @example `{ maxPayloadBytes: 1_048_576, maxResults: 200 }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export interface ServerLimits {
  /** Request bodies larger than this are 413 (default 1 MiB). */
  readonly maxPayloadBytes?: number;
  /** The most resources one response lists; `count` above it is lowered (default 1,000). */
  readonly maxResults?: number;
  /** The most resources the server filters, sorts or pages itself before answering tooMany (default 100,000). */
  readonly maxScan?: number;
  readonly filter?: FilterLimits;
  readonly patch?: PatchLimits;
  /**
   * The longest string value a POST, PUT or PATCH may carry, in UTF-16 code units (default 65,536:
   * room for a certificate); longer is 400 invalidValue.
   */
  readonly maxStringLength?: number;
  /** Operations in one bulk request (default 1,000), answered 413 above it and advertised. */
  readonly bulkMaxOperations?: number;
  /** Bytes in one bulk request (default 1 MiB), answered 413 above it and advertised. */
  readonly bulkMaxPayloadSize?: number;
}

/**
 * Who is calling, as `authenticate` decides.
 * @example `{ principal: { client: 'entra' }, tenant: 'acme', scopes: ['scim:read'] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-2
 */
export interface Authentication {
  readonly principal: unknown;
  readonly tenant?: string;
  /**
   * A fingerprint of what the caller may see: its roles or scopes, or a permissions version. Cursors
   * are bound to it, so changing it invalidates every cursor the caller holds (RFC 9865 §5.2).
   */
  readonly grants?: string;
  /**
   * What the caller may do, as OAuth scopes (see `SCIM_SCOPES`): without `scim:read` a query is 403,
   * without `scim:write` a write or bulk request is 403 `insufficient_scope` (RFC 6750 §3.1).
   * Absent, the caller is not restricted by scope.
   */
  readonly scopes?: readonly string[];
}

/**
 * What the `transaction` option is told about the request it wraps.
 * @example `{ principal: 'entra', tenant: 'acme', signal }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7
 */
export interface TransactionContext {
  readonly principal: unknown;
  readonly tenant: string | undefined;
  readonly signal: AbortSignal;
}

/**
 * The resource `/Me` stands for.
 * @example `{ resourceType: 'User', id: '2819c223' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.11
 */
export interface MeTarget {
  /** A resource type name, such as `User`. */
  readonly resourceType: string;
  readonly id: string;
}

/**
 * What lifecycle hooks receive.
 * @example `hooks: { onDeactivate: ({ resource }) => sessions.revokeAll(resource.id) }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5
 */
export interface HookEvent {
  readonly resourceType: ScimResourceType;
  readonly resource: ScimResource;
  readonly previous: ScimResource | undefined;
  readonly principal: unknown;
  readonly tenant: string | undefined;
}

/**
 * Called for each lifecycle event, delivered from the outbox after the write committed: at least
 * once (compare `event.id`, the same on every attempt, to ignore a repeat), retried until it
 * succeeds or goes dead. `onDeactivate` fires when a user's `active` turns false by any path (PUT,
 * PATCH, bulk) and `afterDelete` on every delete, so an application can end a leaver's sessions;
 * `onMembershipChange` gets the member values a group gained or lost, including when a deleted
 * resource leaves its groups. A member-only change calls `onMembershipChange`, not `afterPatch`.
 * @example `{ onDeactivate: async ({ id, resource }) => revokeSessions(resource.id as string, { once: id }) }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5
 */
export interface LifecycleHooks {
  readonly afterCreate?: (event: DeliveredHookEvent) => void | Promise<void>;
  readonly afterReplace?: (event: DeliveredHookEvent) => void | Promise<void>;
  readonly afterPatch?: (event: DeliveredHookEvent) => void | Promise<void>;
  readonly afterDelete?: (event: DeliveredHookEvent) => void | Promise<void>;
  readonly onDeactivate?: (event: DeliveredHookEvent) => void | Promise<void>;
  readonly onReactivate?: (event: DeliveredHookEvent) => void | Promise<void>;
  readonly onMembershipChange?: (event: MembershipHookEvent) => void | Promise<void>;
  /**
   * Every lifecycle event as recorded (its `changeId`, `version`, states and changes), after the
   * typed hook of its type: for code that republishes events, such as `@scim/events`. With
   * `asyncRequests` on it also receives `asyncCompleted` events, which no typed hook does.
   */
  readonly onEvent?: (event: RecordedHookEvent) => void | Promise<void>;
}

/**
 * Optional protocol features, advertised truthfully in `/ServiceProviderConfig` (RFC 7643 §5): a
 * feature switched off answers as the checklist's P-DISC-05 and P-DISC-07 rows say.
 * @example `{ patch: false, sort: false }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export interface ServerFeatures {
  /** Off: PATCH is 501. */
  readonly patch?: boolean;
  /** Off: POST /Bulk is 501. */
  readonly bulk?: boolean;
  /** Off: a `filter` is 400 invalidFilter. */
  readonly filter?: boolean;
  /** Off: `sortBy` and `sortOrder` are ignored. */
  readonly sort?: boolean;
  /** Off: no `ETag` header and no `meta.version`. */
  readonly etag?: boolean;
}

/**
 * Cursor pagination (RFC 9865). Index paging stays the default; a `cursor` parameter asks for
 * cursors, which are signed, bound to the query, the caller and its grants, and expire. A store that
 * returns positions (keyset paging) gets them back inside the cursor; other stores page by offset.
 * @example `{ cursorTimeout: 300, secret: process.env.SCIM_CURSOR_SECRET, cursorRateLimit: { queries: 60, windowSeconds: 60 } }`
 * @see https://www.rfc-editor.org/rfc/rfc9865
 */
export interface PaginationOptions {
  /** Off: the `cursor` parameter is ignored and `/ServiceProviderConfig` says cursors are unsupported. */
  readonly cursor?: boolean;
  /**
   * Off: cursor-only (RFC 9865 §2.3). Every list answers with cursors, `startIndex` above 1 is
   * invalidValue, and clients that only page by index (Entra ID) cannot read past the first page.
   */
  readonly index?: boolean;
  /** The method for a request naming neither `cursor` nor `startIndex` (default `index`, RFC 9865 §2.4). */
  readonly defaultPaginationMethod?: 'index' | 'cursor';
  /** The page size when a request gives no `count` (default `limits.maxResults`). */
  readonly defaultPageSize?: number;
  /**
   * How many new cursor queries (first pages) one caller may start per window; more answer 429 with
   * `Retry-After` (RFC 9865 §5.3). Counted per handler instance; following pages are not counted.
   */
  readonly cursorRateLimit?: { readonly queries: number; readonly windowSeconds: number };
  /** How long a cursor stays valid, in seconds (default 600). */
  readonly cursorTimeout?: number;
  /** The largest `count` a cursor request may ask for (default `limits.maxResults`). */
  readonly maxPageSize?: number;
  /** Signing secret shared by every instance behind a load balancer (default: a random key per handler). */
  readonly secret?: string;
}

/**
 * How strictly incoming resources are read, for POST, PUT and PATCH alike. Both default to the
 * lenient reading that identity providers need.
 * @example `{ canonicalValues: 'strict', unknownAttributes: 'reject' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.3.1
 */
export interface ServerValidation {
  /**
   * `strict`: values outside an attribute's `canonicalValues` (an email `type` other than work,
   * home or other) and an `addresses.country` that is not ISO 3166-1 alpha-2 are invalidValue.
   */
  readonly canonicalValues?: 'lenient' | 'strict';
  /** `reject`: attributes no schema defines are invalidSyntax instead of dropped. */
  readonly unknownAttributes?: 'ignore' | 'reject';
}

/**
 * Transport security (RFC 7644 §7.2): SCIM carries credentials and personal data, so plain-HTTP
 * requests are refused with 403 unless they come to a loopback host (localhost, 127.0.0.0/8, ::1).
 * @example `{ trustForwardedProto: true }` behind a proxy that terminates TLS and sets the header
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7.2
 */
export interface TransportOptions {
  /** Accept plain HTTP from any host: for development, or where TLS is enforced before the app. */
  readonly allowInsecureHttp?: boolean;
  /**
   * Believe `X-Forwarded-Proto: https`. Set it only when a proxy you run terminates TLS and always
   * overwrites the header; a client can send it too.
   */
  readonly trustForwardedProto?: boolean;
}

/**
 * Asynchronous requests (RFC 9967 §2.5.1). `none` (the default) ignores `Prefer: respond-async`.
 * `request` answers a POST, PUT, PATCH, DELETE or `POST /Bulk` that asks for it with 202 Accepted,
 * no body, `Set-Txn`, `Preference-Applied: respond-async` and the resource's `Location`, and runs it
 * after the answer; with `wait=N` it answers normally if the request is done within N seconds.
 * `long` also answers 202 on its own when a write is not done within `afterMs`. How the request
 * ended is recorded in the outbox as an `asyncCompleted` event (the `misc:asyncresp` SET's source),
 * in the write's transaction. See docs/async-requests.md.
 * @example `{ mode: 'request', maxInFlight: 50 }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.5.1
 */
export interface AsyncRequestOptions {
  readonly mode: 'none' | 'request' | 'long';
  /** `long`: how long a write may run before it is answered 202, in ms (default 5,000). */
  readonly afterMs?: number;
  /** The longest `wait` preference honoured, in ms (default 30,000; never past `requestTimeoutMs`). */
  readonly maxWaitMs?: number;
  /**
   * How many requests answered 202 may run at once (default 100); a request beyond that is run
   * and answered synchronously, as a server that ignores the preference would.
   */
  readonly maxInFlight?: number;
  /**
   * A deadline for the work behind a 202, in ms (default 600,000): store calls see
   * `context.signal` abort when it passes, and the work is abandoned even if a store call never
   * returns: its completion reports 503 and its `maxInFlight` slot is freed. `requestTimeoutMs`
   * does not apply once a request is answered 202.
   */
  readonly timeoutMs?: number;
}

/**
 * What `/ServiceProviderConfig` advertises as `securityEvents` (RFC 9967 §4): the event URIs the
 * server's publisher can emit, such as `toSecurityEventsConfig(…)` of `@scim/events` gives. The
 * handler adds `asyncRequest` from `asyncRequests.mode` (and `misc:asyncresp` when that is not
 * `none`); without this option `securityEvents` is left out, which says events are unsupported.
 * @example `{ eventUris: ['urn:ietf:params:scim:event:prov:create:full', 'urn:ietf:params:scim:event:prov:delete'] }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-4
 */
export interface SecurityEventsOptions {
  readonly eventUris: readonly string[];
}

/**
 * Everything a SCIM endpoint is made of.
 * @example
 * ```ts
 * createScimHandler({
 *   stores: { User: createMemoryStore(), Group: createMemoryStore() },
 *   authenticate: (request) => verifyBearer(request.headers.get('authorization')),
 *   compatibility: 'entra',
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ScimHandlerOptions {
  /** The path the endpoint is mounted at (default `/scim/v2`). */
  readonly basePath?: string;
  /** The public URL of the base path, for `meta.location` behind proxies (default: from the request). */
  readonly baseUrl?: string;
  /** Default: User (with the Enterprise extension) and Group. */
  readonly resourceTypes?: readonly ScimResourceType[];
  /** One store per resource type, by resource type name. */
  readonly stores: Readonly<Record<string, ScimStore>>;
  /**
   * Decides who is calling; throw `ScimError.unauthorized(…)` (401) or `ScimError.forbidden(…)` (403).
   * `bearerTokens({ tokens })` makes one. Required: a handler without it refuses to start, and
   * `'anonymous'` is the explicit choice to serve anyone (RFC 7644 §2). Discovery endpoints are
   * public unless `authenticateDiscovery` is true (RFC 7643 §5).
   */
  readonly authenticate:
    ((request: Request) => Authentication | Promise<Authentication>) | 'anonymous';
  readonly authenticateDiscovery?: boolean;
  /** A preset name (checked when the handler is made, in any case) or a custom bundle. Default `default`. */
  readonly compatibility?: ServerPresetName | ServerCompatibility;
  /** All on by default. */
  readonly features?: ServerFeatures;
  readonly pagination?: PaginationOptions;
  /**
   * Attribute paths whose values must not travel in a URL, such as `emails.value`: a GET whose
   * filter names one is 403 `sensitive`, and POST `.search` takes the same query in its body
   * (RFC 7644 §7.5.2). A path also covers its sub-attributes.
   */
  readonly sensitiveAttributes?: readonly string[];
  /** Lenient by default; see {@link ServerValidation}. */
  readonly validation?: ServerValidation;
  /** Plain HTTP is refused (403) except on loopback hosts; see {@link TransportOptions}. */
  readonly transport?: TransportOptions;
  /** Writes (PUT, PATCH, DELETE) must carry `If-Match`; without it they answer 428 (RFC 6585). */
  readonly requireIfMatch?: boolean;
  readonly limits?: ServerLimits;
  /**
   * What a successful PATCH answers (RFC 7644 §3.5.2 allows 200 with the resource or 204):
   * `minimal` (the default) answers 204 to a PATCH that changes a group's members and 200 with the
   * resource to any other, which is what Entra ID and Okta expect and never serialises a large
   * group to acknowledge one member; `resource` always answers 200 with the resource; `noContent`
   * always 204. A request naming `attributes` or `excludedAttributes` gets 200 with those. Per
   * resource type name allowed.
   */
  readonly patchResponse?:
    | 'resource'
    | 'minimal'
    | 'noContent'
    | Readonly<Record<string, 'resource' | 'minimal' | 'noContent'>>;
  /**
   * Sees every unexpected error; the client gets a generic 500 whose detail names the request id.
   * Default: `console.error` with the stack and the request id.
   */
  readonly onError?: (error: unknown, request: Request, details: ErrorDetails) => void;
  /**
   * Receives one record per request once it is answered: method, path, status, duration, caller and
   * any error's scimType and detail; with `debug` also the bodies, with secrets redacted, and the
   * same bodies as JSON text in the second argument.
   */
  readonly log?: (record: RequestLogRecord, text?: RequestLogText) => void | Promise<void>;
  /** Adds the request and response bodies and headers to log records (`password` and `Authorization` redacted). */
  readonly debug?: boolean;
  /**
   * A deadline per request, in milliseconds: store calls see `context.signal` abort when it passes,
   * and the client gets 503 with `Retry-After` even if a store call never settles. Default: none.
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long a PUT, PATCH or group clean-up that does not carry If-Match retries a version conflict
   * with another writer, re-reading and re-applying with jittered backoff, before answering 503 with
   * `Retry-After` (default 5,000 ms). Identity providers send no If-Match and count a 412 as a failed
   * push; a request with If-Match still gets its 412 at once. 0 turns retries off.
   */
  readonly conflictRetryMs?: number;
  /**
   * Limits requests per tenant, or per any key: every authenticated request counts, after
   * authentication and before its body is read, and one over the limit is 429 with `Retry-After`
   * (RFC 6585 §4). In memory by default; `createRedisRateLimiter` shares the count across servers.
   * See docs/rate-limits.md. Default: no limit.
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Lifecycle hooks, delivered from the outbox: at least once, retried with backoff until they
   * succeed or `delivery.maxAttempts` is reached (then the event is dead and stays in the outbox for
   * an operator). A hook that throws never fails the request that caused its event.
   */
  readonly hooks?: LifecycleHooks;
  /**
   * Where every write records its lifecycle events, in the same transaction as the change when
   * `transaction` is set. `createMemoryStorage()` brings one; without it the handler keeps one in
   * memory. A database store brings a table, so events survive a crash and are delivered at start-up.
   */
  readonly outbox?: ScimOutbox;
  /** Retries, backoff, dead-lettering and polling of hook delivery. */
  readonly delivery?: DeliveryOptions;
  /** Asynchronous requests (RFC 9967 §2.5.1); default `{ mode: 'none' }`: `Prefer` is ignored. */
  readonly asyncRequests?: AsyncRequestOptions;
  /** `securityEvents` of `/ServiceProviderConfig` (RFC 9967 §4); left out when not given. */
  readonly securityEvents?: SecurityEventsOptions;
  /** Makes new ids (default `randomUuid` of `@scim/core`: random UUIDs, version 4). */
  readonly generateId?: () => string;
  /** The clock (default `new Date()`), for tests. */
  readonly now?: () => Date;
  /**
   * Maps the authenticated subject to its own resource, which enables `/Me` (RFC 7644 §3.11);
   * without it `/Me` answers 501. Return undefined for a subject with no resource (404).
   */
  readonly me?: (
    authentication: Authentication | undefined,
    request: Request,
  ) => MeTarget | undefined | Promise<MeTarget | undefined>;
  /** Hashes passwords before they are stored (default PBKDF2-SHA256 through Web Crypto). */
  readonly hashPassword?: (password: string) => Promise<string>;
  /**
   * Runs every write request (POST, PUT, PATCH, DELETE) and every whole `POST /Bulk` inside your
   * store's transaction: call `work` with your transaction handle, commit when it resolves, roll
   * back and rethrow when it throws. Stores receive the handle as `context.transaction`. A delete
   * and the membership changes it causes then land together or not at all, a bulk request becomes
   * all-or-nothing (the first failing operation rolls back the others, reported as 424), and
   * lifecycle hooks run only after commit.
   */
  readonly transaction?: <T>(
    work: (transaction: unknown) => Promise<T>,
    context: TransactionContext,
  ) => Promise<T>;
}

export const DEFAULT_RESOURCE_TYPES: readonly ScimResourceType[] = [
  UserResourceType,
  GroupResourceType,
];
