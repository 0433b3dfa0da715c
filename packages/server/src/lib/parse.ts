// Stage 2, parse: a routed request becomes a typed operation, with its query, projection,
// preconditions and body read and checked. Nothing invalid gets past here to a store call.
import { ScimError, type Projection, type ScimResourceType } from '@scim/core';
import { safeParsePatch, type ParsedPatch } from '@scim/patch';
import type { Scope } from './engine.js';
import { membershipPatchOf, type MembershipPatch } from './write/members.js';
import { noteCompatibility } from './observe.js';
import type { Authentication } from './options.js';
import { parametersFromSearch, parametersFromUrl, type QueryParameters } from './parameters.js';
import {
  parseListAllQuery,
  parseListQuery,
  projectionOf,
  type ListAllQuery,
  type ListQuery,
} from './query/query.js';
import { checkMethod, type RouteMatch } from './route.js';

/** Conditions a write or read carries (RFC 7644 §3.14): the request's headers, or a bulk operation's `version`. */
export interface Preconditions {
  readonly ifMatch: string | undefined;
  readonly ifNoneMatch: string | undefined;
}

/** One request, parsed: what the execute stage runs. */
export type Operation =
  | { readonly kind: 'listAll'; readonly query: ListAllQuery }
  | { readonly kind: 'list'; readonly query: ListQuery }
  | { readonly kind: 'bulk'; readonly payload: unknown }
  | {
      readonly kind: 'serviceProviderConfig' | 'resourceTypes' | 'schemas';
      readonly id: string | undefined;
    }
  | ResourceOperation;

/** An operation on one resource, the kind a bulk request is made of. */
export type ResourceOperation =
  | {
      readonly kind: 'read';
      readonly resourceType: ScimResourceType;
      readonly id: string;
      readonly projection: Projection;
      readonly preconditions: Preconditions;
    }
  | {
      readonly kind: 'create';
      readonly resourceType: ScimResourceType;
      readonly body: unknown;
      readonly projection: Projection;
      /** The new resource's id when it was chosen before the write (an asynchronous POST's Location). */
      readonly id?: string;
    }
  | {
      readonly kind: 'replace';
      readonly resourceType: ScimResourceType;
      readonly id: string;
      readonly body: unknown;
      readonly projection: Projection;
      readonly preconditions: Preconditions;
    }
  | {
      readonly kind: 'patch';
      readonly resourceType: ScimResourceType;
      readonly id: string;
      readonly body: unknown;
      readonly patch: ParsedPatch;
      /** Set when the PATCH only adds and removes group members: applied without reading the group. */
      readonly membership: MembershipPatch | undefined;
      readonly projection: Projection;
      readonly preconditions: Preconditions;
    }
  | {
      readonly kind: 'delete';
      readonly resourceType: ScimResourceType;
      readonly id: string;
      readonly preconditions: Preconditions;
    };

/** What the parse step reads a request from: the HTTP request's parts, or a bulk operation's. */
export interface OperationInput {
  readonly method: string;
  /** The query string's parameters. */
  readonly search: URLSearchParams;
  readonly preconditions: Preconditions;
  /** Reads the JSON body, at most `maxBytes` of it. */
  readonly body: (maxBytes?: number) => Promise<unknown>;
}

/** The parts of an HTTP request the parse step reads; `method` is already uppercased. */
export function inputOf(
  request: Request,
  method: string,
  url: URL,
  body: (maxBytes?: number) => Promise<unknown>,
): OperationInput {
  return {
    method,
    search: url.searchParams,
    preconditions: {
      ifMatch: request.headers.get('if-match') ?? undefined,
      ifNoneMatch: request.headers.get('if-none-match') ?? undefined,
    },
    body,
  };
}

/** Parses a routed request into its operation; every refusal that needs no store is made here. */
export async function parseOperation(
  scope: Scope,
  match: RouteMatch,
  input: OperationInput,
  caller: Authentication | undefined,
): Promise<Operation> {
  const { engine } = scope;
  const { method } = input;
  if (match.name === 'me') return parseMe(scope, input, caller);
  checkMethod(match, method);
  switch (match.name) {
    case 'root':
      return { kind: 'listAll', query: parseListAllQuery(engine, fromUrl(input), scope) };
    case 'rootSearch':
      return { kind: 'listAll', query: parseListAllQuery(engine, await fromBody(input), scope) };
    case 'bulk':
      if (!engine.features.bulk)
        throw ScimError.notImplemented('Bulk is not supported by this service provider');
      // The payload limit is checked while reading, before any parsing (P-BULK-20).
      return { kind: 'bulk', payload: await input.body(engine.bulk.maxPayloadSize) };
    case 'serviceProviderConfig':
    case 'resourceTypes':
    case 'schemas':
      return { kind: match.name, id: match.id };
    default:
      return parseResourceOperation(scope, match, input);
  }
}

/** A request on a resource type's endpoint or on one resource: the operations a bulk request holds. */
export async function parseResourceOperation(
  scope: Scope,
  match: RouteMatch,
  input: OperationInput,
): Promise<ResourceOperation | Extract<Operation, { kind: 'list' }>> {
  const { engine } = scope;
  const { method, preconditions } = input;
  checkMethod(match, method);
  const resourceType = match.resourceType as ScimResourceType;
  if (match.name === 'search')
    // URL query parameters on .search are ignored; the body wins (checklist P-SEARCH-08).
    return {
      kind: 'list',
      query: parseListQuery(engine, resourceType, await fromBody(input), scope),
    };
  if (match.name === 'collection') {
    if (method === 'GET')
      return { kind: 'list', query: parseListQuery(engine, resourceType, fromUrl(input), scope) };
    const projection = projectionOf(resourceType, fromUrl(input));
    return { kind: 'create', resourceType, projection, body: await input.body() };
  }
  const id = match.id as string;
  if (method === 'GET')
    return {
      kind: 'read',
      resourceType,
      id,
      projection: projectionOf(resourceType, fromUrl(input)),
      preconditions,
    };
  requirePrecondition(scope, preconditions);
  if (method === 'DELETE') return { kind: 'delete', resourceType, id, preconditions };
  // The configuration says what is supported, and the endpoint keeps to it (checklist P-DISC-05).
  if (method === 'PATCH' && !engine.features.patch)
    throw ScimError.notImplemented('PATCH is not supported by this service provider');
  const projection = projectionOf(resourceType, fromUrl(input));
  const body = await input.body();
  if (method === 'PUT')
    return { kind: 'replace', resourceType, id, body, projection, preconditions };
  // Its shape, limits and paths are refused here; what depends on the stored values, after the read.
  // The safe form: a refused PATCH still reports the rules its earlier operations relied on.
  const parsed = safeParsePatch(body, engine.patchOptions(resourceType));
  if (!parsed.ok) {
    noteCompatibility(scope, 'patch', parsed.applied);
    throw ScimError.fromIssues(parsed.issues);
  }
  const patch = parsed.value;
  const membership =
    resourceType === engine.groupType
      ? membershipPatchOf(body, resourceType, engine.validation.maxStringLength ?? Infinity)
      : undefined;
  return { kind: 'patch', resourceType, id, body, patch, membership, projection, preconditions };
}

/** `/Me` is an alias of the authenticated subject's own resource (RFC 7644 §3.11). */
async function parseMe(
  scope: Scope,
  input: OperationInput,
  caller: Authentication | undefined,
): Promise<Operation> {
  const { engine } = scope;
  const resolve = engine.me;
  if (resolve === undefined)
    throw ScimError.notImplemented('/Me is not supported by this service provider');
  checkMethod({ name: 'me', isDiscovery: false }, input.method);
  if (input.method === 'POST') {
    // The service provider picks the resource type of a POST to /Me: User, as the RFC suggests.
    const users = engine.byName('User');
    if (users === undefined) throw ScimError.notImplemented('POST /Me needs a User resource type');
    return parseResourceOperation(
      scope,
      { name: 'collection', resourceType: users, isDiscovery: false },
      input,
    );
  }
  const target = await resolve(caller, scope.request);
  if (target === undefined) throw ScimError.notFound('The authenticated subject has no resource');
  const resourceType = engine.byName(target.resourceType);
  if (resourceType === undefined)
    throw new TypeError(`me() named an unknown resource type '${target.resourceType}'`);
  // Responses carry the resource's permanent Location, not /Me (P-ME-03).
  return parseResourceOperation(
    scope,
    { name: 'resource', resourceType, id: target.id, isDiscovery: false },
    input,
  );
}

/**
 * With `requireIfMatch`, a write must say which version it saw (RFC 6585 §3, 428), checked before any
 * store call.
 */
function requirePrecondition(scope: Scope, preconditions: Preconditions): void {
  if (scope.engine.requireIfMatch && preconditions.ifMatch === undefined)
    throw new ScimError({
      status: 428,
      detail: 'This service provider requires If-Match on writes',
    });
}

function fromUrl(input: OperationInput): QueryParameters {
  return parametersFromUrl(input.search);
}

async function fromBody(input: OperationInput): Promise<QueryParameters> {
  return parametersFromSearch(await input.body());
}
