import { ScimError, toScimError, type ScimResourceType } from '@scim/core';
import { runBulk } from './bulk.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { createEngine, type Engine, type Scope } from './engine.js';
import { readJsonBody } from './http.js';
import { inTransaction } from './transaction.js';
import type { Authentication, ScimHandlerOptions } from './options.js';
import { parametersFromSearch, parametersFromUrl } from './parameters.js';
import { queryAll, queryResourceType } from './query.js';
import {
  createResource,
  deleteResource,
  patchResource,
  readResource,
  replaceResource,
} from './resources.js';

/**
 * A SCIM endpoint as a function from a Web `Request` to a `Response`; adapters only translate.
 * @example `const response = await handler.fetch(new Request('https://app.example.com/scim/v2/Users'))`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ScimHandler {
  fetch(request: Request): Promise<Response>;
}

/**
 * Creates a SCIM 2.0 endpoint (RFC 7644) over the given stores. It has no global state: every handler
 * keeps its own schemas, stores, base path and options.
 * @example
 * ```ts
 * import { createScimHandler } from '@scim/server';
 * import { createMemoryStore } from '@scim/server/memory';
 * const handler = createScimHandler({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
 * const response = await handler.fetch(request);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function createScimHandler(options: ScimHandlerOptions): ScimHandler {
  const engine = createEngine(options);
  return { fetch: (request) => answer(engine, request, undefined) };
}

/**
 * Routes a request and turns whatever it throws into a SCIM error response. `parent` is the bulk
 * request an operation belongs to, whose transaction the operation joins.
 */
async function answer(
  engine: Engine,
  request: Request,
  parent: Scope | undefined,
): Promise<Response> {
  try {
    return await route(engine, request, parent);
  } catch (error) {
    // The one place an unexpected throwable becomes a 500; its details go to onError, not the client.
    const scimError = toScimError(error);
    if (scimError.status >= 500) engine.options.onError?.(error, request);
    return scimError.toResponse();
  }
}

const DISCOVERY = new Set(['serviceproviderconfig', 'resourcetypes', 'schemas']);

function allow(methods: readonly string[], method: string): void {
  if (!methods.includes(method)) throw ScimError.methodNotAllowed(methods);
}

async function route(
  engine: Engine,
  request: Request,
  parent: Scope | undefined,
): Promise<Response> {
  const url = new URL(request.url);
  // Bulk operations are the bulk request's own sub-requests: it was checked already.
  if (parent === undefined) checkTransport(engine, request, url);
  const segments = pathSegments(engine, url.pathname);
  const method = request.method.toUpperCase();
  const [first, second, third] = segments;
  const isDiscovery = first !== undefined && DISCOVERY.has(first.toLowerCase());
  const authentication =
    isDiscovery && engine.options.authenticateDiscovery !== true
      ? undefined
      : await engine.options.authenticate?.(request);
  const baseUrl = engine.baseUrl ?? `${url.origin}${engine.basePath}`;
  const scope: Scope = {
    request,
    url,
    baseUrl,
    principal: authentication?.principal,
    tenant: authentication?.tenant,
    grants: authentication?.grants,
    transaction: parent?.transaction,
    afterCommit: parent?.afterCommit,
    // Read on demand: creating the AbortSignal costs more than most requests need.
    get signal() {
      return request.signal;
    },
  };
  const body = () => readJsonBody(request, engine.maxPayloadBytes);

  if (first === undefined) {
    allow(['GET'], method);
    return queryAll(engine, scope, parametersFromUrl(url));
  }
  if (segments.length === 1 && first === '.search') {
    allow(['POST'], method);
    return queryAll(engine, scope, parametersFromSearch(await body()));
  }
  if (segments.length === 1 && first.toLowerCase() === 'bulk') {
    allow(['POST'], method);
    if (!engine.features.bulk)
      throw ScimError.notImplemented('Bulk is not supported by this service provider');
    // The payload limit is checked while reading, before any parsing (P-BULK-20).
    const payload = await readJsonBody(request, engine.bulk.maxPayloadSize);
    return runBulk(engine, scope, engine.bulk, payload, (inner, within) =>
      answer(engine, inner, within),
    );
  }
  if (isDiscovery) {
    if (
      segments.length > 2 ||
      (first.toLowerCase() === 'serviceproviderconfig' && segments.length > 1)
    )
      throw ScimError.notFound('Not found');
    // Discovery resources are read-only (checklist P-DISC-19).
    allow(['GET'], method);
    const kind = first.toLowerCase();
    if (kind === 'serviceproviderconfig') return serviceProviderConfig(engine, scope);
    if (kind === 'resourcetypes') return resourceTypes(engine, scope, second);
    return schemas(engine, scope, second);
  }
  if (segments.length === 1 && first.toLowerCase() === 'me')
    return me(engine, scope, authentication, method, body);
  const resourceType = engine.byEndpoint(first);
  if (resourceType === undefined || segments.length > 2 || third !== undefined)
    throw ScimError.notFound(`No endpoint ${url.pathname}`);
  if (second === undefined) {
    allow(['GET', 'POST'], method);
    if (method === 'GET')
      return queryResourceType(engine, scope, resourceType, parametersFromUrl(url));
    const data = await body();
    return inTransaction(engine, scope, (inner) =>
      createResource(engine, inner, resourceType, data),
    );
  }
  if (second === '.search') {
    // URL query parameters on .search are ignored; the body wins (checklist P-SEARCH-08).
    allow(['POST'], method);
    return queryResourceType(engine, scope, resourceType, parametersFromSearch(await body()));
  }
  allow(['GET', 'PUT', 'PATCH', 'DELETE'], method);
  if (method === 'GET') return readResource(engine, scope, resourceType, second);
  return write(engine, scope, resourceType, method, second, body);
}

/** PUT, PATCH or DELETE of one resource; the body is read before any transaction opens. */
async function write(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  method: string,
  id: string,
  body: () => Promise<unknown>,
): Promise<Response> {
  const data = method === 'DELETE' ? undefined : await body();
  return inTransaction(engine, scope, (inner) => {
    if (method === 'PUT') return replaceResource(engine, inner, resourceType, id, data);
    if (method === 'PATCH') return patchResource(engine, inner, resourceType, id, data);
    return deleteResource(engine, inner, resourceType, id);
  });
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** SCIM only over TLS (RFC 7644 §7.2, checklist P-SEC-01), loopback excepted for development. */
function checkTransport(engine: Engine, request: Request, url: URL): void {
  const transport = engine.options.transport;
  if (url.protocol === 'https:' || transport?.allowInsecureHttp === true) return;
  if (LOOPBACK.test(url.hostname)) return;
  if (transport?.trustForwardedProto === true) {
    const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
    if (forwarded?.toLowerCase() === 'https') return;
  }
  throw ScimError.forbidden(
    'SCIM requires HTTPS (RFC 7644 §7.2); this request came over plain HTTP',
  );
}

/** `/Me` is an alias of the authenticated subject's own resource (RFC 7644 §3.11). */
async function me(
  engine: Engine,
  scope: Scope,
  authentication: Authentication | undefined,
  method: string,
  body: () => Promise<unknown>,
): Promise<Response> {
  const resolve = engine.options.me;
  if (resolve === undefined)
    throw ScimError.notImplemented('/Me is not supported by this service provider');
  allow(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], method);
  if (method === 'POST') {
    // The service provider picks the resource type of a POST to /Me: User, as the RFC suggests.
    const users = engine.byName('User');
    if (users === undefined) throw ScimError.notImplemented('POST /Me needs a User resource type');
    const data = await body();
    return inTransaction(engine, scope, (inner) => createResource(engine, inner, users, data));
  }
  const target = await resolve(authentication, scope.request);
  if (target === undefined) throw ScimError.notFound('The authenticated subject has no resource');
  const resourceType = engine.byName(target.resourceType);
  if (resourceType === undefined)
    throw new TypeError(`me() named an unknown resource type '${target.resourceType}'`);
  // Responses carry the resource's permanent Location, not /Me (P-ME-03).
  if (method === 'GET') return readResource(engine, scope, resourceType, target.id);
  return write(engine, scope, resourceType, method, target.id, body);
}

/** The path below the base path, with an optional `/v2` (RFC 7644 §3.13); another version is invalidVers. */
function pathSegments(engine: Engine, pathname: string): string[] {
  const base = engine.basePath;
  if (pathname !== base && !pathname.startsWith(`${base}/`)) {
    // A base path that ends in a version (/scim/v2) makes /scim/v3/… a version error, not a 404.
    const versioned = /^(.*)\/v\d+$/i.exec(base);
    const prefix = versioned?.[1];
    if (prefix !== undefined && pathname.startsWith(`${prefix}/`)) {
      const version = pathname.slice(prefix.length + 1).split('/')[0] ?? '';
      if (/^v\d+$/i.test(version))
        throw ScimError.invalidVers(`SCIM version ${version} is not supported; use v2`);
    }
    throw ScimError.notFound(`${pathname} is not under ${base || '/'}`);
  }
  const segments = pathname
    .slice(base.length)
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw ScimError.notFound('Malformed path');
      }
    });
  const version = segments[0];
  if (
    version !== undefined &&
    /^v\d+$/i.test(version) &&
    engine.byEndpoint(version) === undefined
  ) {
    if (version.toLowerCase() !== 'v2')
      throw ScimError.invalidVers(`SCIM version ${version} is not supported; use v2`);
    segments.shift();
  }
  return segments;
}
