// One resource type's endpoint: create, get, replace, patch, delete, list, search and the
// ETag-aware update, each shaped by the client's dialect.
import {
  isJsonObject,
  SEARCH_REQUEST_URN,
  type ScimMeta,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { printFilter } from '@scim/filter';
import type { PatchOperation, PatchRequest } from '@scim/patch';
import { PATCH_OP_URN } from '@scim/core';
import { encodePatch, type ClientDialect } from './dialect.js';
import { diffPatch } from './diff.js';
import { isScimClientError, ScimTransportError } from './errors.js';
import { f } from './filter-builder.js';
import { PatchBuilder } from './patch-builder.js';
import { ResourceList, type ListQuery, type PagePosition } from './paging.js';
import type { Transport, TransportResponse } from './transport.js';

/**
 * Options every request takes.
 * @example `await client.users.get(id, { signal: AbortSignal.timeout(2_000) })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  /** Extra request headers. */
  readonly headers?: HeadersInit | undefined;
}

/**
 * Options of a read: which attributes come back (RFC 7644 §3.9).
 * @example `await client.groups.get(id, { excludedAttributes: ['members'] })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.9
 */
export interface ReadOptions extends RequestOptions {
  readonly attributes?: readonly string[] | undefined;
  readonly excludedAttributes?: readonly string[] | undefined;
}

/**
 * Options of a write: `ifMatch` sends `If-Match`, and the server answers 412 when the resource has
 * changed since that version (RFC 7644 §3.14).
 * @example `await client.users.replace(user, { ifMatch: user.meta?.version })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.14
 */
export interface WriteOptions extends ReadOptions {
  readonly ifMatch?: string | undefined;
}

/**
 * Options of {@link ResourceClient.update}.
 * @example `await client.users.update(id, (user) => ({ ...user, active: false }), { retries: 3 })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.14
 */
export interface UpdateOptions extends RequestOptions {
  /** How often a 412 (someone else changed the resource) starts again from a fresh read (default 0). */
  readonly retries?: number | undefined;
  /** PATCH with the computed difference (default), or PUT of the whole resource. */
  readonly method?: 'patch' | 'put' | undefined;
}

/**
 * What `create` takes: the resource without `id`, `meta` or `schemas`, which are filled in.
 * @example `const input: ScimCreateInput<User> = { userName: 'bjensen' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.3
 */
export type ScimCreateInput<T extends ScimResource> = Omit<T, 'id' | 'meta' | 'schemas'> & {
  schemas?: string[];
  meta?: ScimMeta;
};

/**
 * What `replace` takes: the resource with its `id`; `schemas` is filled in when missing.
 * @example `await client.users.replace({ ...user, active: false })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1
 */
export type ScimReplaceInput<T extends ScimResource> = Omit<T, 'schemas'> & {
  id: string;
  schemas?: string[];
};

/**
 * A PATCH body: a PatchOp message, its operations, or a {@link PatchBuilder}.
 * @example `await client.groups.patch(id, [{ op: 'add', path: 'members', value: [{ value: userId }] }])`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export type PatchInput = PatchRequest | readonly PatchOperation[] | PatchBuilder;

export interface ResourceContext {
  readonly transport: Transport;
  readonly dialect: ClientDialect;
  readonly usesCursor: () => Promise<boolean>;
  /** The resource type by endpoint, when known (given, or discovered). */
  readonly resourceType: () => ScimResourceType | undefined;
}

/**
 * The operations on one resource type's endpoint (RFC 7644 §3): `client.users`, `client.groups`,
 * or `client.resource(…)` for any other.
 * @example
 * ```ts
 * const user = await client.users.create({ userName: 'bjensen' });
 * await client.users.update(user.id, (u) => ({ ...u, active: false }), { retries: 2 });
 * for await (const u of client.users.list({ filter: f.eq('active', true) })) console.log(u.userName);
 * await client.users.delete(user.id);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export class ResourceClient<T extends ScimResource = ScimResource> {
  readonly endpoint: string;

  /** @internal Made by the client. */
  constructor(
    endpoint: string,
    private readonly context: ResourceContext,
  ) {
    this.endpoint = endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
  }

  /** The resource type's definition, when the client has it (given or discovered). */
  get resourceType(): ScimResourceType | undefined {
    return this.context.resourceType();
  }

  /** POST: creates a resource; 201 with the resource (RFC 7644 §3.3). */
  async create(resource: ScimCreateInput<T>, options: WriteOptions = {}): Promise<T> {
    const body = withSchemas(this.resourceType, resource);
    await this.lookupBeforeCreate(body, options);
    const answer = await this.send('POST', this.endpoint, {
      ...options,
      body,
      query: projection(options),
    });
    return this.resourceOf(answer);
  }

  /** GET by id (RFC 7644 §3.4.1). */
  async get(id: string, options: ReadOptions = {}): Promise<T> {
    const answer = await this.send('GET', this.path(id), {
      ...options,
      query: this.readQuery(options),
    });
    return this.resourceOf(answer);
  }

  /** PUT: replaces the resource whole (RFC 7644 §3.5.1). */
  async replace(resource: ScimReplaceInput<T>, options: WriteOptions = {}): Promise<T> {
    const body = withSchemas(this.resourceType, resource);
    const answer = await this.send('PUT', this.path(resource.id), {
      ...options,
      body,
      query: projection(options),
    });
    return this.resourceOf(answer);
  }

  /**
   * PATCH (RFC 7644 §3.5.2). The resource, or undefined when the server answered 204 No Content;
   * an empty list of operations sends nothing and answers undefined.
   */
  async patch(id: string, input: PatchInput, options: WriteOptions = {}): Promise<T | undefined> {
    const request = toPatchRequest(input);
    if (request.Operations.length === 0) return undefined;
    const body = encodePatch(this.context.dialect, request, { id, isGroup: this.isGroup });
    const answer = await this.send('PATCH', this.path(id), {
      ...options,
      body,
      query: projection(options),
    });
    return answer.body === undefined ? undefined : this.resourceOf(answer);
  }

  /** DELETE (RFC 7644 §3.6). */
  async delete(id: string, options: WriteOptions = {}): Promise<void> {
    await this.send('DELETE', this.path(id), options);
  }

  /**
   * Reads the resource, lets `change` edit a copy, and writes the difference with `If-Match` (the
   * smallest PATCH from `diffPatch`, or a PUT); on 412, with `retries` left, starts again from a
   * fresh read. Returns the resource as it is afterwards.
   */
  async update(
    id: string,
    change: (current: T) => T | void | Promise<T | void>,
    options: UpdateOptions = {},
  ): Promise<T> {
    const retries = options.retries ?? 0;
    const method = options.method ?? this.context.dialect.updateMethod;
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(id, options);
      const draft = structuredClone(current);
      const next = (await change(draft)) ?? draft;
      const ifMatch = current.meta?.version;
      try {
        if (method === 'put')
          return await this.replace(next as ScimReplaceInput<T>, { ...options, ifMatch });
        const body = diffPatch(current, next, { resourceType: this.resourceType });
        if (body.Operations.length === 0) return current;
        return (
          (await this.patch(id, body, { ...options, ifMatch })) ?? (await this.get(id, options))
        );
      } catch (error) {
        if (!isScimClientError(error) || error.status !== 412 || attempt >= retries) throw error;
      }
    }
  }

  /** GET with query parameters (RFC 7644 §3.4.2); see {@link ResourceList}. */
  list(query: ListQuery = {}): ResourceList<T> {
    return new ResourceList<T>(
      async (position, signal) => {
        const answer = await this.send('GET', this.endpoint, {
          signal,
          query: { ...this.listQuery(query), ...positionQuery(position) },
        });
        return answer;
      },
      this.withDialectPaging(query),
      this.context.usesCursor,
    );
  }

  /** POST `.search` with the query in the body (RFC 7644 §3.4.3), for filters that must stay out of URLs. */
  search(query: ListQuery = {}): ResourceList<T> {
    return new ResourceList<T>(
      async (position, signal) => {
        const body = { schemas: [SEARCH_REQUEST_URN], ...this.searchBody(query), ...position };
        return this.send('POST', `${this.endpoint}/.search`, { signal, body });
      },
      this.withDialectPaging(query),
      this.context.usesCursor,
    );
  }

  private get isGroup(): boolean {
    return isNamed(this, 'Group');
  }

  private get isUser(): boolean {
    return isNamed(this, 'User');
  }

  private path(id: string): string {
    if (typeof id !== 'string' || id === '')
      throw new TypeError(`A ${this.endpoint} request needs a resource id`);
    return `${this.endpoint}/${encodeURIComponent(id)}`;
  }

  private withDialectPaging(query: ListQuery): ListQuery {
    const { dialect } = this.context;
    return {
      ...query,
      paging: dialect.paging === 'index' ? 'index' : query.paging,
      pageSize: query.pageSize ?? dialect.pageSize,
    };
  }

  private readQuery(options: ReadOptions): Record<string, string | undefined> {
    const query = projection(options);
    if (this.isGroup && this.context.dialect.excludeGroupMembers && query.attributes === undefined)
      query.excludedAttributes ??= 'members';
    return query;
  }

  private listQuery(query: ListQuery): Record<string, string | undefined> {
    const filter = query.filter;
    return {
      ...(filter === undefined
        ? {}
        : { filter: typeof filter === 'string' ? filter : printFilter(filter) }),
      ...this.readQuery(query),
      ...(query.sortBy === undefined ? {} : { sortBy: query.sortBy }),
      ...(query.sortOrder === undefined ? {} : { sortOrder: query.sortOrder }),
    };
  }

  /** A SearchRequest's fields (RFC 7644 §3.4.3): the attribute lists are JSON arrays. */
  private searchBody(query: ListQuery): Record<string, unknown> {
    const { filter, attributes, sortBy, sortOrder } = query;
    let excluded = query.excludedAttributes;
    if (this.isGroup && this.context.dialect.excludeGroupMembers && attributes === undefined)
      excluded ??= ['members'];
    return {
      ...(filter === undefined
        ? {}
        : { filter: typeof filter === 'string' ? filter : printFilter(filter) }),
      ...(attributes === undefined ? {} : { attributes: [...attributes] }),
      ...(excluded === undefined ? {} : { excludedAttributes: [...excluded] }),
      ...(sortBy === undefined ? {} : { sortBy }),
      ...(sortOrder === undefined ? {} : { sortOrder }),
    };
  }

  /** Entra and Okta ask for a user by userName (a group by displayName) before they create one. */
  private async lookupBeforeCreate(body: Record<string, unknown>, options: RequestOptions) {
    const { dialect } = this.context;
    if (!dialect.lookupBeforeCreate) return;
    const attribute = this.isUser ? 'userName' : this.isGroup ? 'displayName' : undefined;
    const value = attribute === undefined ? undefined : body[attribute];
    if (attribute === undefined || typeof value !== 'string') return;
    const page = dialect.pageSize === undefined ? {} : { startIndex: 1, count: dialect.pageSize };
    await this.send('GET', this.endpoint, {
      signal: options.signal,
      query: { filter: printFilter(f.eq(attribute, value)), ...this.readQuery({}), ...page },
    });
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions & {
      readonly body?: unknown;
      readonly query?: Record<string, string | number | undefined>;
      readonly ifMatch?: string | undefined;
    },
  ): Promise<TransportResponse> {
    const headers = new Headers(options.headers);
    if (options.ifMatch !== undefined) headers.set('if-match', options.ifMatch);
    return this.context.transport.send({
      method,
      path,
      headers,
      ...(options.query === undefined ? {} : { query: options.query }),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** The resource in an answer; `meta.version` filled from the ETag header when the body lacks it. */
  private resourceOf(answer: TransportResponse): T {
    if (!isJsonObject(answer.body))
      throw new ScimTransportError(
        'invalidResponse',
        `the ${answer.status} answer holds no resource`,
        answer,
      );
    const resource = answer.body as T;
    const etag = answer.headers.get('etag');
    if (etag !== null && resource.meta?.version === undefined)
      resource.meta = { ...resource.meta, version: etag };
    return resource;
  }
}

function projection(options: ReadOptions): Record<string, string | undefined> {
  return {
    ...(options.attributes === undefined ? {} : { attributes: options.attributes.join(',') }),
    ...(options.excludedAttributes === undefined
      ? {}
      : { excludedAttributes: options.excludedAttributes.join(',') }),
  };
}

function positionQuery(position: PagePosition): Record<string, string | number | undefined> {
  return { startIndex: position.startIndex, count: position.count, cursor: position.cursor };
}

/** Whether a resource client is for Users or Groups: by its resource type, else by its endpoint. */
export function isNamed(client: ResourceClient, name: 'User' | 'Group'): boolean {
  const type = client.resourceType;
  return type !== undefined
    ? type.name === name
    : client.endpoint.toLowerCase() === `/${name.toLowerCase()}s`;
}

/** The resource with `schemas` filled in from its resource type when it has none. */
export function withSchemas(
  type: ScimResourceType | undefined,
  resource: Record<string, unknown>,
): Record<string, unknown> {
  if (resource.schemas !== undefined || type === undefined) return resource;
  const schemas = [type.schema.id];
  for (const extension of type.schemaExtensions) {
    if (isJsonObject(resource[extension.schema.id])) schemas.push(extension.schema.id);
  }
  return { schemas, ...resource };
}

/** Any PATCH input as a PatchOp message. */
export function toPatchRequest(input: PatchInput): PatchRequest {
  if (input instanceof PatchBuilder) return input.build();
  if (Array.isArray(input))
    return { schemas: [PATCH_OP_URN], Operations: input as readonly PatchOperation[] };
  return input as PatchRequest;
}
