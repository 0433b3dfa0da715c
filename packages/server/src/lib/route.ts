// Which request is which: transport, path, method and caller are settled here, and every query
// parameter and header a request carries is read before the first store call.
import { ScimError, type ScimResourceType } from '@scim/core';
import { parsePatch } from '@scim/patch';
import { runBulk } from './bulk.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { Engine, Scope } from './engine.js';
import { readJsonBody } from './http.js';
import type { Exchange } from './observe.js';
import type { Authentication } from './options.js';
import { parametersFromSearch, parametersFromUrl } from './parameters.js';
import { retryConflicts } from './conflicts.js';
import { requirePrecondition } from './preconditions.js';
import { projectionOf, queryAll, queryResourceType } from './query.js';
import {
  createResource,
  deleteResource,
  patchResource,
  readResource,
  replaceResource,
} from './resources.js';
import { inTransaction } from './transaction.js';

export interface RouteContext {
  /** The bulk request an operation belongs to. */
  readonly parent: Scope | undefined;
  readonly exchange: Exchange;
  /** Aborts when `requestTimeoutMs` passes. */
  readonly deadline: AbortSignal | undefined;
  /** Answers one bulk operation as the handler would answer it alone. */
  readonly dispatch: (request: Request, within: Scope) => Promise<Response>;
}

const DISCOVERY = new Set(['serviceproviderconfig', 'resourcetypes', 'schemas']);

function allow(methods: readonly string[], method: string): void {
  if (!methods.includes(method)) throw ScimError.methodNotAllowed(methods);
}

export async function route(
  engine: Engine,
  request: Request,
  context: RouteContext,
): Promise<Response> {
  const { parent, exchange } = context;
  const url = new URL(request.url);
  // Bulk operations are the bulk request's own sub-requests: it was checked already.
  if (parent === undefined) checkTransport(engine, request, url);
  const segments = pathSegments(engine, url.pathname);
  const method = request.method.toUpperCase();
  const [first, second, third] = segments;
  const isDiscovery = first !== undefined && DISCOVERY.has(first.toLowerCase());
  const authentication =
    parent === undefined ? await authenticate(engine, request, isDiscovery) : callerOf(parent);
  exchange.principal = authentication?.principal;
  exchange.tenant = authentication?.tenant;
  const baseUrl = engine.baseUrl ?? `${url.origin}${engine.basePath}`;
  const deadline = context.deadline;
  const scope: Scope = {
    request,
    requestId: exchange.requestId,
    url,
    baseUrl,
    principal: authentication?.principal,
    tenant: authentication?.tenant,
    grants: authentication?.grants,
    transaction: parent?.transaction,
    afterCommit: parent?.afterCommit,
    // Read on demand: creating an AbortSignal costs more than most requests need.
    get signal() {
      if (parent !== undefined) return parent.signal;
      return deadline === undefined ? request.signal : AbortSignal.any([request.signal, deadline]);
    },
  };
  const body = async (maxBytes = engine.maxPayloadBytes): Promise<unknown> => {
    const parsed = await readJsonBody(request, maxBytes);
    if (engine.debug) exchange.requestBody = parsed;
    return parsed;
  };

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
    const payload = await body(engine.bulk.maxPayloadSize);
    return runBulk(engine, scope, engine.bulk, payload, context.dispatch);
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
    return create(engine, scope, resourceType, body);
  }
  if (second === '.search') {
    // URL query parameters on .search are ignored; the body wins (checklist P-SEARCH-08).
    allow(['POST'], method);
    return queryResourceType(engine, scope, resourceType, parametersFromSearch(await body()));
  }
  allow(['GET', 'PUT', 'PATCH', 'DELETE'], method);
  if (method === 'GET')
    return readResource(
      engine,
      scope,
      resourceType,
      second,
      projectionFromUrl(scope, resourceType),
    );
  return write(engine, scope, resourceType, method, second, body);
}

async function authenticate(
  engine: Engine,
  request: Request,
  isDiscovery: boolean,
): Promise<Authentication | undefined> {
  if (engine.authenticate === undefined) return undefined;
  if (isDiscovery && engine.options.authenticateDiscovery !== true) return undefined;
  return engine.authenticate(request);
}

/** A bulk operation acts as the caller of its bulk request, which was authenticated once. */
function callerOf(parent: Scope): Authentication {
  return {
    principal: parent.principal,
    ...(parent.tenant === undefined ? {} : { tenant: parent.tenant }),
    ...(parent.grants === undefined ? {} : { grants: parent.grants }),
  };
}

/** `attributes` and `excludedAttributes` of a single-resource request, refused before any store call. */
function projectionFromUrl(scope: Scope, resourceType: ScimResourceType) {
  return projectionOf(resourceType, parametersFromUrl(scope.url));
}

async function create(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  body: () => Promise<unknown>,
): Promise<Response> {
  const projection = projectionFromUrl(scope, resourceType);
  const data = await body();
  return inTransaction(engine, scope, (inner) =>
    createResource(engine, inner, resourceType, data, projection),
  );
}

/** PUT, PATCH or DELETE of one resource: parameters, headers and body are read before any transaction opens. */
async function write(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  method: string,
  id: string,
  body: () => Promise<unknown>,
): Promise<Response> {
  requirePrecondition(engine, scope);
  if (method === 'DELETE')
    return inTransaction(engine, scope, (inner) => deleteResource(engine, inner, resourceType, id));
  // The configuration says what is supported, and the endpoint keeps to it (checklist P-DISC-05).
  if (method === 'PATCH' && !engine.features.patch)
    throw ScimError.notImplemented('PATCH is not supported by this service provider');
  const projection = projectionFromUrl(scope, resourceType);
  const data = await body();
  // A version conflict reruns the whole unit of work, its transaction included, with a fresh read,
  // unless the client sent If-Match: then it asked for the 412 (RFC 7644 §3.14).
  const retried = <T>(work: () => Promise<T>): Promise<T> =>
    scope.request.headers.has('if-match') ? work() : retryConflicts(engine, work, scope.signal);
  if (method === 'PUT')
    return retried(() =>
      inTransaction(engine, scope, (inner) =>
        replaceResource(engine, inner, resourceType, id, data, projection),
      ),
    );
  // Its shape, limits and paths are refused here; what depends on the stored values, after the read.
  const patch = parsePatch(data, engine.patchOptions(resourceType));
  return retried(() =>
    inTransaction(engine, scope, (inner) =>
      patchResource(engine, inner, resourceType, id, { patch, body: data }, projection),
    ),
  );
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * SCIM only over TLS (RFC 7644 §7.2, checklist P-SEC-01), loopback excepted for development. A
 * configured `baseUrl` is the endpoint's public address and decides, whatever the Host header says.
 */
function checkTransport(engine: Engine, request: Request, url: URL): void {
  const transport = engine.options.transport;
  if (transport?.allowInsecureHttp === true) return;
  const publicUrl = engine.publicUrl ?? url;
  if (publicUrl.protocol === 'https:' || LOOPBACK.test(publicUrl.hostname)) return;
  if (engine.publicUrl === undefined && transport?.trustForwardedProto === true) {
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
    return create(engine, scope, users, body);
  }
  const target = await resolve(authentication, scope.request);
  if (target === undefined) throw ScimError.notFound('The authenticated subject has no resource');
  const resourceType = engine.byName(target.resourceType);
  if (resourceType === undefined)
    throw new TypeError(`me() named an unknown resource type '${target.resourceType}'`);
  // Responses carry the resource's permanent Location, not /Me (P-ME-03).
  if (method === 'GET')
    return readResource(
      engine,
      scope,
      resourceType,
      target.id,
      projectionFromUrl(scope, resourceType),
    );
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
