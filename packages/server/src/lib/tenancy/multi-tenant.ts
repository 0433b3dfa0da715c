// One endpoint for many tenants, composed of one engine per tenant: the tenant is found first (from
// the URL, the credential or both), before routing and discovery, and its engine does the rest as a
// single-tenant handler would, bound to that tenant. Nothing about tenants is threaded through the
// stages: an engine knows its tenant, and the scope it makes carries it to every store call.
import type { ScimResourceType } from '@scim/core';
import { checkTransport } from '../access.js';
import { createEngine, type Engine } from '../engine.js';
import {
  handle,
  pipeline,
  startDelivery,
  type ScimFetchContext,
  type ScimHandler,
  type Stages,
} from '../handler.js';
import type { LifecycleEvent } from '../lifecycle/outbox.js';
import { createMemoryRateLimiter } from '../limits/memory-limiter.js';
import {
  DEFAULT_RESOURCE_TYPES,
  type Authentication,
  type ScimHandlerOptions,
} from '../options.js';
import { noEndpoint } from '../route.js';
import { TenantCache } from './tenant-cache.js';
import {
  checkTenantConfig,
  tenantOptions,
  type TenantConfig,
  type TenantSetting,
  type TenantSource,
} from './tenant-config.js';
import { checkBaseUrlPattern, namesTenant, parseTenantPath } from './tenant-path.js';

/**
 * A multi-tenant endpoint's options: every option of `createScimHandler`, shared by all tenants
 * (stores, outbox, transaction, hooks, onError, log) or the default a {@link TenantConfig} overrides,
 * and where tenants come from and how they are configured.
 * @example
 * ```ts
 * createMultiTenantHandler({
 *   ...createMemoryStorage(),
 *   tenantFrom: 'both', // /scim/v2/{tenant}/… and the token must agree
 *   authenticate: tokenAuthenticator({ store: tokenStore }),
 *   tenants: { acme: { compatibility: 'entra' }, globex: { compatibility: 'okta' } },
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.13
 */
export interface MultiTenantHandlerOptions extends ScimHandlerOptions {
  /**
   * `url`: the path names the tenant (`basePath`, default `/scim/v2/{tenant}`), and the tenant's
   * `authenticate` (its own or the handler's) decides who calls; a credential naming another tenant
   * is 404. `credential`: `authenticate` names the tenant (`Authentication.tenant`), under one
   * `basePath`. `both`: the path and the credential name it and must agree, or the answer is the 404
   * of a path that names no endpoint; `authenticate` runs first, discovery included, so no caller
   * learns whether a tenant exists. With `credential` and `both`, discovery is always authenticated.
   */
  readonly tenantFrom: TenantSource;
  /** Every tenant's configuration, by tenant; give this or `resolveTenantConfig`. */
  readonly tenants?: Readonly<Record<string, TenantConfig>>;
  /**
   * Looks a tenant's configuration up (undefined: no such tenant, answered 404). Its answer is kept
   * for `tenantCache.ttlMs`, and an undefined one for `tenantCache.unknownTtlMs`; concurrent
   * requests of one tenant share one call, and a call that fails is a 500 (through `onError`) and
   * is not kept, as a configuration or as unknown.
   */
  readonly resolveTenantConfig?: (
    tenant: string,
  ) => TenantConfig | undefined | Promise<TenantConfig | undefined>;
  readonly tenantCache?: {
    /** How long a resolved configuration is used before it is looked up again (default 60,000 ms). */
    readonly ttlMs?: number;
    /**
     * How many tenants' engines are kept at once (default 1,000); past it the tenant used longest
     * ago is dropped and built again at its next request.
     */
    readonly maxTenants?: number;
    /**
     * How long `resolveTenantConfig`'s undefined (no such tenant) is kept, so a client that keeps
     * calling a tenant that does not exist costs one call per period, not one per request: 5,000 ms
     * by default, or `ttlMs` when that is shorter; 0 keeps none. A tenant created meanwhile is 404
     * until then, or until `forgetTenant(tenant)`.
     */
    readonly unknownTtlMs?: number;
    /**
     * How many unknown tenants are kept at once (default 1,000), the oldest dropped first; apart
     * from `maxTenants`, so names that do not exist never push a served tenant's engine out.
     */
    readonly maxUnknownTenants?: number;
  };
}

/**
 * What `createMultiTenantHandler` returns: a {@link ScimHandler}, and the tenant cache's controls.
 * @example `await handler.tenantConfig('acme') // the TenantConfig acme is served with`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.13
 */
export interface MultiTenantHandler extends ScimHandler {
  /** The configuration a tenant is served with, through the cache; undefined for an unknown tenant. */
  tenantConfig(tenant: string): Promise<TenantConfig | undefined>;
  /**
   * Drops a tenant's configuration and engine, or that it is unknown, so its next request resolves
   * it again: call it when you create, change or delete a tenant.
   */
  forgetTenant(tenant: string): void;
}

/** A tenant as the cache keeps it: the configuration it was built from, and its engine. */
interface ServedTenant {
  readonly config: TenantConfig;
  readonly engine: Engine;
}

/**
 * Creates one SCIM endpoint for many tenants (customers), each with its own configuration: its
 * client dialect, schema extensions and resource types, limits, advertised features, cursor secret
 * and rate limit. The tenant is found before anything else, discovery included, so each tenant's
 * `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes` describe that tenant, and its links
 * (`meta.location`, `Location`) carry its path. A tenant's engine is built at its first request
 * and kept in a bounded cache; stores, outbox and hooks are shared, every store call carrying the
 * tenant in `context.tenant`. See docs/multi-tenancy.md.
 * @example
 * ```ts
 * import { createMultiTenantHandler, tokenAuthenticator } from '@scim/server';
 * import { createMemoryStorage } from '@scim/server/memory';
 * const handler = createMultiTenantHandler({
 *   ...createMemoryStorage(),
 *   tenantFrom: 'both',
 *   authenticate: tokenAuthenticator({ store: tokenStore }),
 *   resolveTenantConfig: async (tenant) => (await db.tenants.find(tenant))?.scim,
 *   tenantCache: { ttlMs: 60_000, maxTenants: 5_000 },
 * });
 * // https://scim.example.com/scim/v2/acme/Users, with a token issued for acme
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.13
 */
export function createMultiTenantHandler(options: MultiTenantHandlerOptions): MultiTenantHandler {
  const { source, path, resolve, ttlMs, maxTenants, unknownTtlMs, maxUnknown } =
    readOptions(options);
  // The tenants' own resource types, for the shared deliverer's hooks.
  const ownTypes = new Map<string, readonly ScimResourceType[]>();
  const baseTypes = options.resourceTypes ?? DEFAULT_RESOURCE_TYPES;
  const typeOf = (event: LifecycleEvent): ScimResourceType | undefined => {
    const named = (types: readonly ScimResourceType[] | undefined) =>
      types?.find((candidate) => candidate.name === event.resourceType);
    return (
      (event.tenant === undefined ? undefined : named(ownTypes.get(event.tenant))) ??
      named(baseTypes)
    );
  };
  // The front engine: transport, the deadline, logging, the one error path, and the outbox and
  // deliverer every tenant's engine shares. It routes nothing.
  const { rateLimit: _perTenant, ...shared } = options;
  const front = createEngine(shared, { resourceTypeOf: typeOf });
  const lifecycle = {
    outbox: front.outbox,
    outboxJoinsTransactions: front.outboxJoinsTransactions,
    deliverer: front.deliverer,
  };
  let secret: string | undefined;
  const setting: TenantSetting = {
    options,
    source,
    path,
    // Made at the first build, inside a request: some runtimes refuse randomness at start-up.
    cursorSecret: () => (secret ??= randomSecret()),
    limiter: options.rateLimit?.limiter ?? createMemoryRateLimiter(),
  };
  const closing = new Set<Promise<void>>();
  const retire = (served: ServedTenant): void => {
    // Accepted asynchronous requests finish; the tenant's next request gets a new engine.
    const closed = served.engine.asyncRequests.inFlight.close();
    closing.add(closed);
    void closed.finally(() => closing.delete(closed));
  };
  const cache = new TenantCache<ServedTenant>({
    maxEntries: maxTenants,
    ttlMs,
    unknownTtlMs,
    maxUnknown,
    now: () => front.now().getTime(),
    evicted: retire,
    load: async (tenant, previous) => {
      const config = await resolve(tenant);
      if (config === undefined) return undefined;
      // The same configuration object again (a `tenants` map, a resolver's own cache): no rebuild.
      if (previous !== undefined && previous.config === config) return previous;
      checkTenantConfig(config, source, `the configuration of tenant ${JSON.stringify(tenant)}`);
      const engine = createEngine(tenantOptions(setting, tenant, config), { tenant, lifecycle });
      if (engine.resourceTypes === baseTypes) ownTypes.delete(tenant);
      else ownTypes.set(tenant, engine.resourceTypes);
      return { config, engine };
    },
  });

  const stages: Stages = async (request, exchange, deadline, deliveries) => {
    const url = new URL(request.url);
    exchange.url = url;
    checkTransport(front, request, url);
    let tenant = path?.match(url.pathname);
    if (path !== undefined && tenant === undefined) throw noEndpoint(url.pathname);
    let caller: Authentication | undefined;
    if (source !== 'url') {
      caller = await (
        options.authenticate as (request: Request) => Authentication | Promise<Authentication>
      )(request);
      exchange.principal = caller.principal;
      const named = tenantOf(caller);
      exchange.tenant = named;
      // Compared before the tenant is looked up: a mismatch costs what an unknown tenant costs.
      if (tenant !== undefined && named !== tenant) throw noEndpoint(url.pathname);
      tenant = named;
    }
    // A cached tenant, known or unknown, is answered at once, without a turn of the event loop's
    // microtask queue.
    const found = cache.get(tenant as string);
    const served = found instanceof Promise ? await found : found;
    if (served === undefined) throw noEndpoint(url.pathname);
    return pipeline(served.engine, request, exchange, deadline, deliveries, { url, caller });
  };

  return {
    fetch: (request: Request, context?: ScimFetchContext) => {
      startDelivery(front);
      return handle(front, request, stages, context);
    },
    outbox: front.outbox,
    deliverDue: () => front.deliverer.deliverDue(),
    close: async () => {
      cache.clear();
      while (closing.size > 0) await Promise.all([...closing]);
      await front.deliverer.close();
    },
    tenantConfig: async (tenant) => (await cache.get(tenant))?.config,
    forgetTenant: (tenant) => cache.forget(tenant),
  };
}

/** The options of a multi-tenant handler, checked once, when it is made. */
function readOptions(options: MultiTenantHandlerOptions) {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createMultiTenantHandler: options must be an object');
  const source = options.tenantFrom;
  if (source !== 'url' && source !== 'credential' && source !== 'both')
    throw new TypeError(
      `createMultiTenantHandler: tenantFrom must be 'url', 'credential' or 'both', got ${JSON.stringify(source)}`,
    );
  if (source !== 'url' && typeof options.authenticate !== 'function')
    throw new TypeError(
      `createMultiTenantHandler: with tenantFrom '${source}', authenticate must be a function that names the tenant`,
    );
  const fromUrl = source !== 'credential';
  const basePath = options.basePath ?? (fromUrl ? '/scim/v2/{tenant}' : undefined);
  if (!fromUrl && (namesTenant(basePath) || namesTenant(options.baseUrl)))
    throw new TypeError(
      "createMultiTenantHandler: with tenantFrom 'credential' the path names no tenant; leave {tenant} out of basePath and baseUrl",
    );
  const path = fromUrl ? parseTenantPath(basePath as string, 'basePath') : undefined;
  if (fromUrl && options.baseUrl !== undefined) checkBaseUrlPattern(options.baseUrl);
  const given = [options.tenants, options.resolveTenantConfig].filter((x) => x !== undefined);
  if (given.length !== 1)
    throw new TypeError('createMultiTenantHandler: give either tenants or resolveTenantConfig');
  let resolve: (tenant: string) => Promise<TenantConfig | undefined>;
  const cacheOptions = options.tenantCache;
  let ttlMs = cacheOptions?.ttlMs ?? 60_000;
  let unknownTtlMs = cacheOptions?.unknownTtlMs;
  if (unknownTtlMs !== undefined && !(unknownTtlMs >= 0))
    throw new TypeError('tenantCache.unknownTtlMs must be a number of milliseconds, 0 or more');
  const tenants = options.tenants;
  if (tenants !== undefined) {
    if (typeof tenants !== 'object' || tenants === null)
      throw new TypeError('createMultiTenantHandler: tenants must be an object of TenantConfigs');
    for (const [tenant, config] of Object.entries(tenants))
      checkTenantConfig(config, source, `tenants[${JSON.stringify(tenant)}]`);
    // Own keys only: a tenant named `constructor` or `__proto__` is unknown, not Object's.
    resolve = (tenant) =>
      Promise.resolve(Object.hasOwn(tenants, tenant) ? tenants[tenant] : undefined);
    // A map cannot change, so nothing is ever looked up again; and looking a name up in it costs
    // less than remembering that it is not there.
    ttlMs = Infinity;
    unknownTtlMs = 0;
  } else {
    const resolver = options.resolveTenantConfig;
    if (typeof resolver !== 'function')
      throw new TypeError('createMultiTenantHandler: resolveTenantConfig must be a function');
    // Through a promise, so a resolver that throws instead of rejecting fails the same way.
    resolve = (tenant) => Promise.resolve().then(() => resolver(tenant));
  }
  if (!(ttlMs >= 0))
    throw new TypeError('tenantCache.ttlMs must be a number of milliseconds, 0 or more');
  unknownTtlMs ??= Math.min(DEFAULT_UNKNOWN_TTL_MS, ttlMs);
  const maxTenants = wholeAtLeastOne(cacheOptions?.maxTenants ?? 1_000, 'maxTenants');
  const maxUnknown = wholeAtLeastOne(cacheOptions?.maxUnknownTenants ?? 1_000, 'maxUnknownTenants');
  return { source, path, resolve, ttlMs, maxTenants, unknownTtlMs, maxUnknown };
}

/** How long an unknown tenant is kept when `tenantCache.unknownTtlMs` is not given. */
const DEFAULT_UNKNOWN_TTL_MS = 5_000;

function wholeAtLeastOne(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new TypeError(`tenantCache.${option} must be a whole number of at least 1`);
  return value;
}

/** The tenant a credential names, required when the tenant comes from the credential. */
function tenantOf(caller: Authentication): string {
  const { tenant } = caller;
  // The application's authenticate is wrong, not the client: a 500 through onError.
  if (typeof tenant !== 'string' || tenant === '')
    throw new TypeError(
      'authenticate returned no tenant: with tenantFrom credential or both, Authentication.tenant names the tenant',
    );
  return tenant;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}
