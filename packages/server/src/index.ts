/**
 * `@scim/server`: the framework-agnostic SCIM 2.0 protocol engine (RFC 7644). `createScimHandler`
 * turns a Web `Request` into a `Response` over the stores you give it; `@scim/server/memory` is the
 * reference store.
 *
 * @example
 * ```ts
 * import { createScimHandler } from '@scim/server';
 * import { createMemoryStore } from '@scim/server/memory';
 * const handler = createScimHandler({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
export { createScimHandler, type ScimFetchContext, type ScimHandler } from './lib/handler.js';
export {
  createMultiTenantHandler,
  type MultiTenantHandler,
  type MultiTenantHandlerOptions,
} from './lib/tenancy/multi-tenant.js';
export type { TenantConfig, TenantSource } from './lib/tenancy/tenant-config.js';
export { formatRequestLog } from './lib/observe.js';
export { readBodyBytes, responseText } from './lib/http.js';
export {
  bearerTokens,
  hashBearerToken,
  type BearerToken,
  type BearerTokenUse,
  type BearerTokensOptions,
} from './lib/bearer.js';
export {
  tokenAuthenticator,
  type TokenAuthentication,
  type TokenAuthenticatorOptions,
  type TokenPrincipal,
} from './lib/tokens/authenticator.js';
export {
  jwtAuthenticator,
  type JwtAuthentication,
  type JwtAuthenticatorOptions,
  type JwtPrincipal,
} from './lib/tokens/jwt-authenticator.js';
export type { JwtClaims } from './lib/tokens/jwt-claims.js';
export type { JwtAlgorithm, JwtHeader, JwtKeySet, JwtPublicKey } from './lib/tokens/jwt-keys.js';
export type { JwtRejection, JwtRejectionCode } from './lib/tokens/jwt-rejection.js';
export {
  createTokenManager,
  type IssuedToken,
  type IssueTokenInput,
  type RevokeTokenOptions,
  type RotateTokenOptions,
  type TokenManager,
  type TokenManagerOptions,
  type TokenState,
  type TokenSummary,
} from './lib/tokens/manager.js';
export { createMemoryTokenStore } from './lib/tokens/memory.js';
export { SCIM_SCOPES, type ScimScope } from './lib/tokens/scopes.js';
export type { TokenRecord, TokenStore } from './lib/tokens/store.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiter,
  type MemoryRateLimiterOptions,
} from './lib/limits/memory-limiter.js';
export {
  createRedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisScriptClient,
} from './lib/limits/redis-limiter.js';
export type { RateLimiter, RateLimitResult, RateLimitRule } from './lib/limits/limiter.js';
export type { RateLimitOptions } from './lib/limits/rate-limit.js';
export {
  SERVER_PRESETS,
  type AsyncRequestOptions,
  type Authentication,
  type ErrorDetails,
  type RequestLogRecord,
  type RequestLogText,
  type ServerPresetName,
  type HookEvent,
  type LifecycleHooks,
  type MeTarget,
  type PaginationOptions,
  type ScimHandlerOptions,
  type SecurityEventsOptions,
  type ServerCompatibility,
  type ServerFeatures,
  type ServerLimits,
  type TransactionContext,
  type TransportOptions,
  type ServerValidation,
} from './lib/options.js';
export type {
  AsyncResponseOperation,
  LifecycleEvent,
  LifecycleEventType,
  OutboxContext,
  OutboxEntry,
  OutboxListFilter,
  OutboxState,
  ScimOutbox,
} from './lib/lifecycle/outbox.js';
export type { DeliveryOptions } from './lib/lifecycle/delivery.js';
export type {
  DeliveredHookEvent,
  MembershipHookEvent,
  RecordedHookEvent,
} from './lib/lifecycle/delivery-hooks.js';
export type {
  MembershipChange,
  MembershipResult,
  ScimStore,
  StoreAttributes,
  StoreContext,
  StoreMember,
  StoreMembership,
  StoreCursor,
  StorePositions,
  StoreQuery,
  StoreQueryResult,
  StoreSort,
} from './lib/store.js';
export { resolveGroupMemberships, type ReachedGroup } from './lib/nested-groups.js';
