// What may differ between the tenants of one multi-tenant handler, and how a tenant's configuration
// and the options every tenant shares become the options of that tenant's own engine.
import { defineResourceType, type SchemaExtension, type ScimResourceType } from '@scim/core';
import { resolveCompatibility } from '../engine.js';
import type { RateLimiter } from '../limits/limiter.js';
import type { RateLimitOptions } from '../limits/rate-limit.js';
import {
  DEFAULT_RESOURCE_TYPES,
  type AsyncRequestOptions,
  type PaginationOptions,
  type ScimHandlerOptions,
  type SecurityEventsOptions,
  type ServerCompatibility,
  type ServerFeatures,
  type ServerLimits,
  type ServerPresetName,
  type ServerValidation,
} from '../options.js';
import type { ScimStore } from '../store.js';
import { fillTenant, type TenantPath } from './tenant-path.js';

/**
 * One tenant's configuration in a multi-tenant handler. Every field is optional: one left out is the
 * handler's own option of that name, and one given replaces it (`limits`, `features` and
 * `pagination` field by field). Two tenants never share what they configure: each is served by an
 * engine of its own, built from this when the tenant is first asked for.
 * @example
 * ```ts
 * const acme: TenantConfig = {
 *   compatibility: 'entra',
 *   schemaExtensions: { User: [{ schema: AcmeUserExtension, required: false }] },
 *   limits: { maxResults: 200 },
 *   features: { bulk: false },
 *   pagination: { secret: process.env.ACME_CURSOR_SECRET },
 *   rateLimit: { requests: 1_500, windowSeconds: 60 },
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export interface TenantConfig {
  /** The tenant's client dialect: `entra` for a tenant provisioned by Entra ID, `okta` for Okta. */
  readonly compatibility?: ServerPresetName | ServerCompatibility;
  /**
   * Extension schemas added to the handler's resource types, by resource type name; they appear in
   * the tenant's `/Schemas` and `/ResourceTypes` and are validated in its requests only.
   */
  readonly schemaExtensions?: Readonly<Record<string, readonly SchemaExtension[]>>;
  /** Resource types only this tenant has, after the handler's; their stores in `stores`. */
  readonly resourceTypes?: readonly ScimResourceType[];
  /** Stores of the tenant's own resource types, or replacing the handler's, by resource type name. */
  readonly stores?: Readonly<Record<string, ScimStore>>;
  readonly limits?: ServerLimits;
  /** What the tenant's `/ServiceProviderConfig` advertises, and so what it answers. */
  readonly features?: ServerFeatures;
  /** `secret` is the tenant's cursor signing secret. */
  readonly pagination?: PaginationOptions;
  /** The tenant's request limit, replacing the handler's; `false` lifts it. */
  readonly rateLimit?: RateLimitOptions | false;
  readonly validation?: ServerValidation;
  readonly sensitiveAttributes?: readonly string[];
  readonly requireIfMatch?: boolean;
  readonly patchResponse?: ScimHandlerOptions['patchResponse'];
  readonly asyncRequests?: AsyncRequestOptions;
  readonly securityEvents?: SecurityEventsOptions;
  /**
   * With `tenantFrom: 'url'` only: how this tenant's callers are authenticated, such as
   * `bearerTokens` over the tenant's own digests. A credential that names another tenant is still
   * answered 404.
   */
  readonly authenticate?: ScimHandlerOptions['authenticate'];
  readonly authenticateDiscovery?: boolean;
  /**
   * Kept for `@scim/events` (the tenant's event streams and signing keys) and for the application:
   * the handler never reads it; `handler.tenantConfig(tenant)` hands it back.
   */
  readonly events?: unknown;
}

/**
 * Where a multi-tenant handler finds the tenant: the URL path, the credential, or both (which must
 * agree). See `MultiTenantHandlerOptions.tenantFrom` and docs/multi-tenancy.md.
 * @example `createMultiTenantHandler({ ...storage, tenantFrom: 'both', authenticate, tenants })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.13
 */
export type TenantSource = 'url' | 'credential' | 'both';

/** What a tenant's options are made with besides its configuration, fixed when the handler is made. */
export interface TenantSetting {
  readonly options: ScimHandlerOptions;
  readonly source: TenantSource;
  /** Undefined when the tenant comes from the credential only. */
  readonly path: TenantPath | undefined;
  /** The cursor secret of a tenant that names none: one per multi-tenant handler, made when first needed. */
  readonly cursorSecret: () => string;
  /** The limiter of a tenant whose `rateLimit` names none: one for every tenant, so counts survive a rebuild. */
  readonly limiter: RateLimiter;
}

/**
 * A tenant configuration's mistakes a multi-tenant handler can see without building the tenant: for
 * a `tenants` map they stop the application at start-up; from `resolveTenantConfig`, the request
 * that asked for the tenant fails (500, through `onError`).
 */
export function checkTenantConfig(config: unknown, source: TenantSource, where: string): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new TypeError(`${where} must be an object (a TenantConfig)`);
  const given = config as TenantConfig;
  try {
    if (given.compatibility !== undefined) resolveCompatibility(given.compatibility);
  } catch (error) {
    throw new TypeError(`${where}: ${(error as Error).message}`, { cause: error });
  }
  if (given.authenticate !== undefined && source !== 'url')
    throw new TypeError(
      `${where}: authenticate is per tenant only with tenantFrom 'url'; with '${source}' the handler's authenticate names the tenant`,
    );
}

/** The options of one tenant's engine: the handler's, with the tenant's configuration over them. */
export function tenantOptions(
  setting: TenantSetting,
  tenant: string,
  config: TenantConfig,
): ScimHandlerOptions {
  const { options, path } = setting;
  const built: Mutable<ScimHandlerOptions> = { ...options };
  for (const key of OVERRIDDEN) set(built, key, config[key]);
  if (path !== undefined) {
    built.basePath = path.basePathOf(tenant);
    if (options.baseUrl !== undefined) built.baseUrl = fillTenant(options.baseUrl, tenant);
  }
  if (setting.source === 'url') set(built, 'authenticate', config.authenticate);
  built.resourceTypes = tenantResourceTypes(
    options.resourceTypes ?? DEFAULT_RESOURCE_TYPES,
    config,
  );
  if (config.stores !== undefined) built.stores = { ...options.stores, ...config.stores };
  if (config.limits !== undefined) built.limits = { ...options.limits, ...config.limits };
  if (config.features !== undefined) built.features = { ...options.features, ...config.features };
  const pagination = { ...options.pagination, ...config.pagination };
  built.pagination = { ...pagination, secret: pagination.secret ?? setting.cursorSecret() };
  const rateLimit = config.rateLimit ?? options.rateLimit;
  if (rateLimit === false || rateLimit === undefined) delete built.rateLimit;
  else built.rateLimit = { ...rateLimit, limiter: rateLimit.limiter ?? setting.limiter };
  return built;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a tenant's configuration replaces whole, when it sets it. */
const OVERRIDDEN = [
  'compatibility',
  'validation',
  'sensitiveAttributes',
  'requireIfMatch',
  'patchResponse',
  'asyncRequests',
  'securityEvents',
  'authenticateDiscovery',
] as const satisfies readonly (keyof TenantConfig & keyof ScimHandlerOptions)[];

/** Sets an option when the tenant's configuration gives it a value. */
function set<K extends keyof TenantConfig & keyof ScimHandlerOptions>(
  built: Mutable<ScimHandlerOptions>,
  key: K,
  value: ScimHandlerOptions[K] | undefined,
): void {
  if (value !== undefined) built[key] = value;
}

/** The handler's resource types with the tenant's extensions attached, then the tenant's own types. */
export function tenantResourceTypes(
  base: readonly ScimResourceType[],
  config: TenantConfig,
): readonly ScimResourceType[] {
  let types = base;
  const extensions = config.schemaExtensions;
  if (extensions !== undefined) {
    for (const name of Object.keys(extensions))
      if (!base.some((resourceType) => resourceType.name === name))
        throw new TypeError(`schemaExtensions: the handler has no resource type named '${name}'`);
    types = base.map((resourceType) => {
      const added = Object.hasOwn(extensions, resourceType.name)
        ? extensions[resourceType.name]
        : undefined;
      if (added === undefined || added.length === 0) return resourceType;
      return defineResourceType({
        id: resourceType.id,
        name: resourceType.name,
        endpoint: resourceType.endpoint,
        description: resourceType.description,
        schema: resourceType.schema,
        schemaExtensions: [...resourceType.schemaExtensions, ...added],
      });
    });
  }
  const own = config.resourceTypes ?? [];
  for (const resourceType of own)
    if (types.some((existing) => existing.name === resourceType.name))
      throw new TypeError(
        `resourceTypes: the handler already has a resource type named '${resourceType.name}'`,
      );
  return own.length === 0 ? types : [...types, ...own];
}
