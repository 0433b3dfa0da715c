// The resolved configuration one handler works with, and the per-request scope.
import { ScimError, type ScimResourceType } from '@scim/core';
import { CursorCodec } from './cursor.js';
import { hashPasswordPbkdf2 } from './password.js';
import {
  DEFAULT_RESOURCE_TYPES,
  SERVER_PRESETS,
  type LifecycleHooks,
  type ScimHandlerOptions,
  type ServerCompatibility,
  type ServerFeatures,
} from './options.js';
import type { ScimStore, StoreContext } from './store.js';

export interface Engine {
  readonly basePath: string;
  readonly baseUrl: string | undefined;
  readonly resourceTypes: readonly ScimResourceType[];
  readonly compatibility: ServerCompatibility;
  readonly maxPayloadBytes: number;
  readonly maxResults: number;
  readonly maxScan: number;
  readonly bulk: { readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly cursors: CursorCodec | undefined;
  readonly maxPageSize: number;
  readonly options: ScimHandlerOptions;
  readonly features: Required<ServerFeatures>;
  readonly hooks: LifecycleHooks;
  readonly generateId: () => string;
  readonly now: () => Date;
  readonly hashPassword: (password: string) => Promise<string>;
  storeFor(resourceType: ScimResourceType): ScimStore;
  byEndpoint(segment: string): ScimResourceType | undefined;
  byName(name: string): ScimResourceType | undefined;
  patchAnswersNoContent(resourceType: ScimResourceType): boolean;
}

export interface Scope {
  readonly request: Request;
  readonly url: URL;
  /** The absolute base URL resources are located under, without a trailing slash. */
  readonly baseUrl: string;
  readonly principal: unknown;
  readonly tenant: string | undefined;
  readonly signal: AbortSignal;
}

export function createEngine(options: ScimHandlerOptions): Engine {
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
  const endpoints = new Map(resourceTypes.map((rt) => [rt.endpoint.slice(1).toLowerCase(), rt]));
  const names = new Map(resourceTypes.map((rt) => [rt.name.toLowerCase(), rt]));
  const compatibility =
    typeof options.compatibility === 'object'
      ? options.compatibility
      : SERVER_PRESETS[options.compatibility ?? 'default'];
  const limits = options.limits ?? {};
  return {
    basePath,
    baseUrl: options.baseUrl === undefined ? undefined : withoutUserinfo(options.baseUrl),
    resourceTypes,
    compatibility,
    maxPayloadBytes: limits.maxPayloadBytes ?? 1_048_576,
    maxResults: limits.maxResults ?? 1_000,
    maxScan: limits.maxScan ?? 100_000,
    cursors:
      options.pagination?.cursor === false
        ? undefined
        : new CursorCodec(
            options.pagination?.secret,
            options.pagination?.cursorTimeout ?? 600,
            options.now ?? (() => new Date()),
          ),
    maxPageSize: options.pagination?.maxPageSize ?? limits.maxResults ?? 1_000,
    bulk: {
      maxOperations: limits.bulkMaxOperations ?? 1_000,
      maxPayloadSize: limits.bulkMaxPayloadSize ?? 1_048_576,
    },
    options,
    features: {
      patch: true,
      bulk: true,
      filter: true,
      sort: true,
      etag: true,
      ...options.features,
    },
    hooks: options.hooks ?? {},
    generateId: options.generateId ?? (() => crypto.randomUUID()),
    now: options.now ?? (() => new Date()),
    hashPassword: options.hashPassword ?? hashPasswordPbkdf2,
    storeFor: (resourceType) => options.stores[resourceType.name] as ScimStore,
    byEndpoint: (segment) => endpoints.get(segment.toLowerCase()),
    byName: (name) => names.get(name.toLowerCase()),
    patchAnswersNoContent: (resourceType) => {
      const setting = options.patchResponse;
      const value = typeof setting === 'object' ? setting[resourceType.name] : setting;
      return value === 'noContent';
    },
  };
}

/** Locations never carry credentials (RFC 7644 §7.1, checklist P-SEC-10). */
function withoutUserinfo(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
}

export function storeContext(scope: Scope, resourceType: ScimResourceType): StoreContext {
  return { resourceType, principal: scope.principal, tenant: scope.tenant, signal: scope.signal };
}

export function locationOf(scope: Scope, resourceType: ScimResourceType, id: string): string {
  return `${scope.baseUrl}${resourceType.endpoint}/${encodeURIComponent(id)}`;
}

export function notFound(resourceType: ScimResourceType, id: string): ScimError {
  return ScimError.notFound(`${resourceType.name} ${id} not found`);
}
