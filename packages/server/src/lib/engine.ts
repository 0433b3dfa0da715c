// The resolved configuration one handler works with, and the per-request scope.
import {
  DEFAULT_MAX_STRING_LENGTH,
  ScimError,
  randomUuid,
  type ScimResourceType,
  type ValidationOptions,
} from '@scim/core';
import type { BindFilterOptions, ParseFilterOptions } from '@scim/filter';
import type { ApplyPatchOptions } from '@scim/patch';
import {
  advertisedSecurityEvents,
  resolveAsyncSettings,
  type AdvertisedSecurityEvents,
  type AsyncSettings,
} from './async/settings.js';
import { CursorCodec, CursorQuota } from './query/cursor.js';
import { createRateLimitGate, type RateLimitGate } from './limits/rate-limit.js';
import { createDeliverer, DEFAULT_LEASE_MS, type Deliverer } from './lifecycle/delivery.js';
import { fixedDeadlines, type FixedDeadlines } from './lifecycle/deadlines.js';
import {
  byEndpoint,
  byName,
  hasAttribute,
  lookupsOf,
  newVersion,
  patchOptions,
  patchResponse,
  storeFor,
  type ResourceTypeLookups,
} from './engine-methods.js';
import { createMemoryOutbox } from './memory/memory-outbox.js';
import type { LifecycleEvent, ScimOutbox } from './lifecycle/outbox.js';
import { hashPasswordPbkdf2 } from './password.js';
import { dialectOf } from './observe.js';
import {
  DEFAULT_RESOURCE_TYPES,
  SERVER_PRESETS,
  type Authentication,
  type ErrorDetails,
  type LifecycleHooks,
  type RequestLogRecord,
  type RequestLogText,
  type ScimHandlerOptions,
  type ServerCompatibility,
  type ServerFeatures,
} from './options.js';
import type { ScimStore, StoreContext } from './store.js';

export interface Engine {
  /**
   * The tenant this engine serves, in a multi-tenant handler: every request's store calls carry it,
   * and a caller whose credential names another is answered 404. Undefined: the caller's tenant.
   */
  readonly tenant: string | undefined;
  readonly basePath: string;
  readonly baseUrl: string | undefined;
  /** `baseUrl` parsed: the public address that links and the plain-HTTP check use. */
  readonly publicUrl: URL | undefined;
  readonly resourceTypes: readonly ScimResourceType[];
  readonly compatibility: ServerCompatibility;
  /** The preset `compatibility` is, by name (`custom` for a bundle of its own), for log records. */
  readonly dialect: string;
  readonly maxPayloadBytes: number;
  readonly maxResults: number;
  readonly maxScan: number;
  readonly bulk: { readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly cursors: CursorCodec | undefined;
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  /** False in cursor-only mode (RFC 9865 §2.3). */
  readonly indexPaging: boolean;
  readonly defaultPaging: 'index' | 'cursor';
  readonly cursorQuota: CursorQuota | undefined;
  /** The options as given; every stage reads the resolved fields instead. */
  readonly options: ScimHandlerOptions;
  /**
   * `options.stores`, on the engine itself: every store call finds its store here, and tenants'
   * options objects differ in shape, so reading through them costs more than the lookup.
   */
  readonly stores: ScimHandlerOptions['stores'];
  /** `transport`: when plain HTTP is accepted (RFC 7644 §7.2). */
  readonly transport: {
    readonly allowInsecureHttp: boolean;
    readonly trustForwardedProto: boolean;
  };
  /** Whether discovery endpoints call `authenticate` too. */
  readonly authenticateDiscovery: boolean;
  /** Writes without If-Match are 428 (`requireIfMatch`, with ETags on). */
  readonly requireIfMatch: boolean;
  /** `/Me`'s resolver; undefined answers 501. */
  readonly me: ScimHandlerOptions['me'];
  /** `sensitiveAttributes`, lower-cased and without schema URNs, for comparing with filter paths. */
  readonly sensitivePaths: readonly string[];
  /** Undefined when the application opted into anonymous access. */
  readonly authenticate:
    ((request: Request) => Authentication | Promise<Authentication>) | undefined;
  readonly onError: (error: unknown, request: Request, details: ErrorDetails) => void;
  readonly log:
    ((record: RequestLogRecord, text?: RequestLogText) => void | Promise<void>) | undefined;
  /** Whether log records carry the (redacted) request and response bodies. */
  readonly debug: boolean;
  /** Milliseconds a request may take before it is answered 503; undefined for no deadline. */
  readonly requestTimeoutMs: number | undefined;
  /** How long a write without If-Match retries version conflicts; 0 answers the first one with 412. */
  readonly conflictRetryMs: number;
  /** Undefined without the `rateLimit` option. */
  readonly rateLimit: RateLimitGate | undefined;
  readonly features: Required<ServerFeatures>;
  readonly hooks: LifecycleHooks;
  /** Where lifecycle events are recorded: `options.outbox`, or one in memory per handler. */
  readonly outbox: ScimOutbox;
  /**
   * Whether appends pass the transaction handle to the outbox: true for `options.outbox` unless it
   * says it cannot join (`joinsTransactions: false`, as `createMemoryOutbox()` does); the handler's
   * own memory outbox, and one that cannot join, are written after the commit.
   */
  readonly outboxJoinsTransactions: boolean;
  /**
   * Bounds how long a response waits for its events' first delivery attempt
   * (`delivery.responseWaitMs`); undefined when responses do not wait.
   */
  readonly responseWait: FixedDeadlines | undefined;
  /** Delivers the outbox's events to the hooks: at once after a write, then by polling. */
  readonly deliverer: Deliverer;
  /** How long a writer holds the events it recorded before any deliverer may take them. */
  readonly leaseMs: number;
  /** `options.transaction`: the unit of work every write runs in, when the storage has one. */
  readonly transaction: ScimHandlerOptions['transaction'];
  /** `asyncRequests` resolved, with the accepted requests still running (RFC 9967 §2.5.1). */
  readonly asyncRequests: AsyncSettings;
  /** `securityEvents` as `/ServiceProviderConfig` advertises it; undefined leaves it out (RFC 9967 §4). */
  readonly securityEvents: AdvertisedSecurityEvents | undefined;
  /** A new `meta.version` for a write, ETags on or off (stores compare it); no hash of the data. */
  newVersion(): string;
  /** What a successful PATCH answers for a resource type (`patchResponse`, default `minimal`). */
  patchResponse(resourceType: ScimResourceType): 'resource' | 'minimal' | 'noContent';
  /** How POST and PUT bodies are read, resolved once: the preset, `validation` and the string limit. */
  readonly validation: Omit<ValidationOptions, 'mode' | 'existing'>;
  /** How filter parameters are parsed (the preset's leniency, `limits.filter`), resolved once. */
  readonly filterParsing: ParseFilterOptions;
  /** How parsed filters are bound (`limits.filter.maxCost`), resolved once. */
  readonly filterBinding: BindFilterOptions;
  /** How PATCH requests are read for one resource type, resolved once per type. */
  patchOptions(resourceType: ScimResourceType): ApplyPatchOptions;
  readonly generateId: () => string;
  readonly now: () => Date;
  readonly hashPassword: (password: string) => Promise<string>;
  /** The resource type whose resources have `members` (Group, by default). */
  readonly groupType: ScimResourceType | undefined;
  /** Whether a resource type's core schema has an attribute of that name (looked up once). */
  hasAttribute(resourceType: ScimResourceType, name: string): boolean;
  storeFor(resourceType: ScimResourceType): ScimStore;
  byEndpoint(segment: string): ScimResourceType | undefined;
  byName(name: string): ScimResourceType | undefined;
  /** What the methods above look resource types up in, shared by engines of the same types. */
  readonly lookups: ResourceTypeLookups;
  /** `patchOptions`' answers so far, one per resource type. */
  readonly patchCache: Map<ScimResourceType, ApplyPatchOptions>;
  /**
   * `newVersion`'s random prefix (made on the first write) and counter. Kept with ETags off too:
   * the stores' compare-and-set needs a version, and only what clients see goes without it.
   */
  readonly versionState: { prefix: string | undefined; counter: number };
}

const defaultNow = (): Date => new Date();
const defaultGenerateId = randomUuid;

export type { Scope } from './context.js';
export type { ResourceTypeLookups } from './engine-methods.js';
import { withSignalOf, type Scope } from './context.js';

/**
 * What an engine takes from outside its options: a multi-tenant handler's tenants share one outbox
 * and one deliverer (one poller, not one per tenant), and each is bound to its tenant.
 */
export interface EngineEnvironment {
  readonly tenant?: string;
  readonly lifecycle?: {
    readonly outbox: ScimOutbox;
    readonly outboxJoinsTransactions: boolean;
    readonly deliverer: Deliverer;
  };
  /** For the deliverer made here: the resource type of an event of a tenant's own resource type. */
  readonly resourceTypeOf?: (event: LifecycleEvent) => ScimResourceType | undefined;
}

export function createEngine(
  options: ScimHandlerOptions,
  environment: EngineEnvironment = {},
): Engine {
  const resourceTypes = options.resourceTypes ?? DEFAULT_RESOURCE_TYPES;
  const basePath = `/${(options.basePath ?? '/scim/v2').replace(/^\/+|\/+$/g, '')}`.replace(
    /^\/$/,
    '',
  );
  for (const resourceType of resourceTypes) {
    if (options.stores[resourceType.name] === undefined) {
      throw new TypeError(
        `No store for resource type '${resourceType.name}': pass stores: { ${resourceType.name}: … }`,
      );
    }
  }
  const lookups = lookupsOf(resourceTypes);
  const compatibility = resolveCompatibility(options.compatibility);
  const authenticate = resolveAuthenticate(options.authenticate);
  const requestTimeoutMs = options.requestTimeoutMs;
  if (
    requestTimeoutMs !== undefined &&
    (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0)
  )
    throw new TypeError(`requestTimeoutMs must be a positive number of milliseconds`);
  const limits = options.limits ?? {};
  const asyncRequests = resolveAsyncSettings(options);
  const delivery = options.delivery ?? {};
  const shared = environment.lifecycle;
  const outbox = shared?.outbox ?? options.outbox ?? createMemoryOutbox();
  const etagOn = options.features?.etag !== false;
  const pagination = options.pagination ?? {};
  const now = options.now ?? defaultNow;
  const cursorsOn = pagination.cursor !== false;
  const indexPaging = pagination.index !== false;
  if (!cursorsOn && !indexPaging)
    throw new TypeError('pagination: index paging can only be switched off when cursors are on');
  const defaultPaging = indexPaging ? (pagination.defaultPaginationMethod ?? 'index') : 'cursor';
  if (defaultPaging === 'cursor' && !cursorsOn)
    throw new TypeError("pagination: defaultPaginationMethod 'cursor' needs cursors on");
  const maxResults = limits.maxResults ?? 1_000;
  const baseUrl = options.baseUrl === undefined ? undefined : withoutUserinfo(options.baseUrl);
  const maxStringLength = limits.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH;
  const validation = {
    compatibility: compatibility.validation,
    ...options.validation,
    maxStringLength,
  };
  const filterParsing = { lenient: compatibility.filter, limits: limits.filter };
  return {
    tenant: environment.tenant,
    basePath,
    baseUrl,
    publicUrl: baseUrl === undefined ? undefined : new URL(baseUrl),
    resourceTypes,
    compatibility,
    dialect: dialectOf(compatibility),
    maxPayloadBytes: limits.maxPayloadBytes ?? 1_048_576,
    maxResults,
    maxScan: limits.maxScan ?? 100_000,
    cursors: cursorsOn
      ? new CursorCodec(pagination.secret, pagination.cursorTimeout ?? 600, now)
      : undefined,
    maxPageSize: pagination.maxPageSize ?? maxResults,
    defaultPageSize: Math.min(pagination.defaultPageSize ?? maxResults, maxResults),
    indexPaging,
    defaultPaging,
    cursorQuota:
      cursorsOn && pagination.cursorRateLimit !== undefined
        ? new CursorQuota(
            pagination.cursorRateLimit.queries,
            pagination.cursorRateLimit.windowSeconds,
            now,
          )
        : undefined,
    bulk: {
      maxOperations: limits.bulkMaxOperations ?? 1_000,
      maxPayloadSize: limits.bulkMaxPayloadSize ?? 1_048_576,
    },
    options,
    transport: {
      allowInsecureHttp: options.transport?.allowInsecureHttp === true,
      trustForwardedProto: options.transport?.trustForwardedProto === true,
    },
    authenticateDiscovery: options.authenticateDiscovery === true,
    requireIfMatch: options.requireIfMatch === true && etagOn,
    me: options.me,
    sensitivePaths: (options.sensitiveAttributes ?? []).map(plainPath),
    authenticate,
    onError: options.onError ?? logError,
    log: options.log,
    debug: options.debug === true,
    requestTimeoutMs,
    conflictRetryMs: nonNegative('conflictRetryMs', options.conflictRetryMs ?? 5_000),
    rateLimit: options.rateLimit === undefined ? undefined : createRateLimitGate(options.rateLimit),
    features: {
      patch: true,
      bulk: true,
      filter: true,
      sort: true,
      etag: true,
      ...options.features,
    },
    hooks: options.hooks ?? {},
    validation,
    filterParsing,
    filterBinding: { limits: limits.filter },
    patchOptions,
    generateId: options.generateId ?? defaultGenerateId,
    now,
    hashPassword: options.hashPassword ?? hashPasswordPbkdf2,
    groupType: resourceTypes.find((rt) => lookups.attributeNames.get(rt)?.has('members')),
    hasAttribute,
    stores: options.stores,
    storeFor,
    byEndpoint,
    byName,
    lookups,
    patchCache: new Map(),
    versionState: { prefix: undefined, counter: 0 },
    outbox,
    deliverer:
      shared?.deliverer ??
      createDeliverer({
        outbox,
        hooks: options.hooks ?? {},
        resourceTypes,
        ...(environment.resourceTypeOf === undefined
          ? {}
          : { resourceTypeOf: environment.resourceTypeOf }),
        options: delivery,
        now,
        onError: (error, event) =>
          reportHookError(options.onError ?? logError, error, event, baseUrl),
      }),
    leaseMs: delivery.leaseMs ?? DEFAULT_LEASE_MS,
    outboxJoinsTransactions:
      shared?.outboxJoinsTransactions ??
      (options.outbox !== undefined && options.outbox.joinsTransactions !== false),
    responseWait: waitsOf(nonNegative('delivery.responseWaitMs', delivery.responseWaitMs ?? 2_000)),
    transaction: options.transaction,
    asyncRequests,
    securityEvents: advertisedSecurityEvents(options, asyncRequests.mode),
    newVersion,
    patchResponse,
  };
}

/** A path lower-cased and without its schema URN: `urn:…:User:emails.value` is `emails.value`. */
export function plainPath(path: string): string {
  const lower = path.toLowerCase();
  return lower.startsWith('urn:') ? lower.slice(lower.lastIndexOf(':') + 1) : lower;
}

/**
 * A hook that failed is the application's to see; the request that recorded the event already
 * succeeded. `onError` is told about it with a stand-in request naming the resource.
 */
function reportHookError(
  onError: (error: unknown, request: Request, details: ErrorDetails) => void,
  error: unknown,
  event: LifecycleEvent | undefined,
  baseUrl: string | undefined,
): void {
  const base = baseUrl ?? 'https://scim.invalid';
  const where =
    event === undefined
      ? base
      : `${base}${event.subjectUri ?? `/${event.resourceType}/${encodeURIComponent(event.resourceId)}`}`;
  onError(error, new Request(where, { method: 'POST' }), {
    requestId: event?.requestId ?? 'outbox',
  });
}

const PRESET_NAMES = Object.keys(SERVER_PRESETS);

/**
 * A preset by name, in any case (`Entra` is `entra`), or a custom bundle. An unknown name fails here,
 * when the handler is made, rather than as a 500 on every write later.
 */
export function resolveCompatibility(
  setting: ScimHandlerOptions['compatibility'],
): ServerCompatibility {
  if (typeof setting === 'object' && setting !== null) {
    if (
      typeof setting.validation !== 'object' ||
      typeof setting.filter !== 'object' ||
      typeof setting.patch !== 'object'
    )
      throw new TypeError(
        'compatibility: a custom bundle needs validation, filter and patch objects',
      );
    return setting;
  }
  const name = typeof setting === 'string' ? setting.trim().toLowerCase() : setting;
  if (name === undefined) return SERVER_PRESETS.default;
  if (typeof name === 'string' && Object.hasOwn(SERVER_PRESETS, name))
    return SERVER_PRESETS[name as keyof typeof SERVER_PRESETS];
  throw new TypeError(
    `compatibility: unknown preset ${JSON.stringify(setting)}; use one of ${PRESET_NAMES.join(', ')}`,
  );
}

/** No authenticate is a configuration error, not an open endpoint: anonymous access is opted into by name. */
function resolveAuthenticate(
  setting: ScimHandlerOptions['authenticate'] | undefined,
): Engine['authenticate'] {
  if (setting === 'anonymous') return undefined;
  if (typeof setting === 'function') return setting;
  throw new TypeError(
    setting === undefined
      ? "createScimHandler: no authenticate given. A SCIM endpoint serves personal data: pass authenticate (for example bearerTokens({ tokens })), or authenticate: 'anonymous' to serve anyone"
      : "authenticate must be a function or 'anonymous'",
  );
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new TypeError(`${name} must be a number of milliseconds, 0 or more`);
  return value;
}

/** The default `onError`: the stack and the request id, so a client's 500 can be matched to its log line. */
function logError(error: unknown, request: Request, details: ErrorDetails): void {
  const { pathname } = new URL(request.url);
  console.error(
    `[scim] ${request.method} ${pathname} failed (request id ${details.requestId}):`,
    error,
  );
}

/** Locations never carry credentials (RFC 7644 §7.1, checklist P-SEC-10). */
function withoutUserinfo(baseUrl: string): string {
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol))
    throw new TypeError(`baseUrl must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
}

/**
 * The context of a store call. `signal` is a getter: most stores never read it, and making it costs
 * more than the rest of a read (AbortSignal.any). `extra` goes in here rather than being spread over
 * the result, since a spread would call the getter.
 */
export function storeContext<Extra extends object = object>(
  scope: Scope,
  resourceType: ScimResourceType,
  extra?: Extra,
): StoreContext & Extra {
  const context = withSignalOf(
    { resourceType, principal: scope.principal, tenant: scope.tenant },
    scope,
  ) as { -readonly [K in keyof StoreContext]: StoreContext[K] };
  if (scope.transaction !== undefined) context.transaction = scope.transaction;
  return extra === undefined ? (context as StoreContext & Extra) : Object.assign(context, extra);
}

export function locationOf(scope: Scope, resourceType: ScimResourceType, id: string): string {
  return `${scope.baseUrl}${resourceType.endpoint}/${encodeURIComponent(id)}`;
}

export function notFound(resourceType: ScimResourceType, id: string): ScimError {
  return ScimError.notFound(`${resourceType.name} ${id} not found`);
}

/** The waits of responses for their events' delivery: none when `responseWaitMs` is 0. */
function waitsOf(milliseconds: number): FixedDeadlines | undefined {
  return milliseconds > 0 ? fixedDeadlines(milliseconds) : undefined;
}
