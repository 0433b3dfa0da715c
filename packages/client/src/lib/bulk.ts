// Bulk requests (RFC 7644 §3.7): operations collected with bulkIds, references to resources created
// in the same request as "bulkId:<id>", and each operation's outcome read back.
import { BULK_REQUEST_URN, isJsonObject, isScimType, type ScimResource } from '@scim/core';
import { encodePatch, type ClientDialect } from './dialect.js';
import { parseErrorBody, ScimClientError, ScimTransportError } from './errors.js';
import {
  isNamed,
  toPatchRequest,
  withSchemas,
  type PatchInput,
  type RequestOptions,
  type ResourceClient,
  type ScimCreateInput,
} from './resources.js';
import type { Transport } from './transport.js';

/**
 * A resource a bulk request will create: `ref` (`bulkId:<bulkId>`) stands for its id anywhere in the
 * same request's data, and `BulkResult.idOf` gives the id afterwards (RFC 7644 §3.7.2).
 * @example `const alice = bulk.create(client.users, { userName: 'alice' }); bulk.create(client.groups, { displayName: 'Tour', members: [{ value: alice.ref }] })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7.2
 */
export interface BulkReference {
  readonly bulkId: string;
  readonly ref: string;
}

/**
 * One operation of a BulkRequest (RFC 7644 §3.7).
 * @example `{ method: 'POST', path: '/Users', bulkId: 'b1', data: { schemas: [USER_SCHEMA_URN], userName: 'alice' } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7
 */
export interface BulkOperation {
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly bulkId?: string;
  readonly version?: string;
  readonly data?: unknown;
}

/**
 * One operation's outcome: its status as a number, the created or changed resource's `id` (from
 * `location`), and a {@link ScimClientError} when it failed.
 * @example `for (const op of result.operations) if (op.error) console.warn(op.bulkId, op.error.detail)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7.3
 */
export interface BulkOperationResult {
  readonly method: string;
  readonly bulkId: string | undefined;
  readonly status: number;
  readonly location: string | undefined;
  readonly version: string | undefined;
  readonly id: string | undefined;
  readonly response: unknown;
  readonly error: ScimClientError | undefined;
}

/**
 * The BulkResponse (RFC 7644 §3.7.3), read: `ok` when every operation succeeded.
 * @example `const result = await bulk.send(); const aliceId = result.idOf(alice);`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7.3
 */
export interface BulkResult {
  readonly ok: boolean;
  readonly operations: readonly BulkOperationResult[];
  /** The id of the resource a reference created, when its POST succeeded. */
  idOf(reference: BulkReference | string): string | undefined;
}

/**
 * Collects the operations of one bulk request; `send` posts them to `/Bulk`. PATCH data is shaped
 * by the client's dialect, and created resources get `schemas` from their resource type.
 * @example
 * ```ts
 * const bulk = client.bulk();
 * const alice = bulk.create(client.users, { userName: 'alice' });
 * bulk.create(client.groups, { displayName: 'Tour Guides', members: [{ value: alice.ref }] });
 * const result = await bulk.send({ failOnErrors: 1 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.7
 */
export class BulkBuilder {
  readonly #operations: BulkOperation[] = [];
  #next = 1;

  /** @internal Made by the client. */
  constructor(
    private readonly transport: Transport,
    private readonly dialect: ClientDialect,
  ) {}

  /** POST: creates a resource; the reference stands for its id in later (or earlier) operations. */
  create<T extends ScimResource>(
    target: ResourceClient<T>,
    data: ScimCreateInput<T>,
    options: { readonly bulkId?: string } = {},
  ): BulkReference {
    const bulkId = options.bulkId ?? `b${this.#next++}`;
    this.#operations.push({
      method: 'POST',
      path: target.endpoint,
      bulkId,
      data: withSchemas(target.resourceType, data),
    });
    return { bulkId, ref: `bulkId:${bulkId}` };
  }

  /** PUT: replaces a resource; `version` acts as If-Match for this operation. */
  replace<T extends ScimResource>(
    target: ResourceClient<T>,
    id: string,
    data: Omit<T, 'schemas'> & { schemas?: string[] },
    options: { readonly version?: string } = {},
  ): this {
    const body = withSchemas(target.resourceType, data);
    return this.push('PUT', target, id, body, options.version);
  }

  /** PATCH a resource. */
  patch(
    target: ResourceClient,
    id: string,
    input: PatchInput,
    options: { readonly version?: string } = {},
  ): this {
    const body = encodePatch(this.dialect, toPatchRequest(input), {
      id,
      isGroup: isNamed(target, 'Group'),
    });
    return this.push('PATCH', target, id, body, options.version);
  }

  /** DELETE a resource. */
  delete(target: ResourceClient, id: string, options: { readonly version?: string } = {}): this {
    return this.push('DELETE', target, id, undefined, options.version);
  }

  /** The operations so far. */
  get operations(): readonly BulkOperation[] {
    return [...this.#operations];
  }

  /** The BulkRequest message. */
  build(options: { readonly failOnErrors?: number } = {}): Record<string, unknown> {
    return {
      schemas: [BULK_REQUEST_URN],
      ...(options.failOnErrors === undefined ? {} : { failOnErrors: options.failOnErrors }),
      Operations: [...this.#operations],
    };
  }

  /** Posts the request to `/Bulk` and reads each operation's outcome. */
  async send(
    options: RequestOptions & { readonly failOnErrors?: number } = {},
  ): Promise<BulkResult> {
    const answer = await this.transport.send({
      method: 'POST',
      path: '/Bulk',
      body: this.build(options),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const operations = readOperations(answer.body, answer.url);
    return {
      ok: operations.every((operation) => operation.error === undefined),
      operations,
      idOf: (reference) => {
        const bulkId = typeof reference === 'string' ? reference : reference.bulkId;
        return operations.find((operation) => operation.bulkId === bulkId && !operation.error)?.id;
      },
    };
  }

  private push(
    method: BulkOperation['method'],
    target: ResourceClient,
    id: string,
    data: unknown,
    version: string | undefined,
  ): this {
    this.#operations.push({
      method,
      path: `${target.endpoint}/${encodeURIComponent(id)}`,
      ...(version === undefined ? {} : { version }),
      ...(data === undefined ? {} : { data }),
    });
    return this;
  }
}

function readOperations(body: unknown, url: string): BulkOperationResult[] {
  const operations = isJsonObject(body) ? body.Operations : undefined;
  if (!Array.isArray(operations))
    throw new ScimTransportError('invalidResponse', 'the bulk answer has no Operations', {
      method: 'POST',
      url,
    });
  return operations.filter(isJsonObject).map((operation) => {
    const method = typeof operation.method === 'string' ? operation.method : '';
    const status = Number(operation.status);
    const location = typeof operation.location === 'string' ? operation.location : undefined;
    const bulkId = typeof operation.bulkId === 'string' ? operation.bulkId : undefined;
    const ok = Number.isInteger(status) && status >= 200 && status < 300;
    return {
      method,
      bulkId,
      status,
      location,
      version: typeof operation.version === 'string' ? operation.version : undefined,
      id: location === undefined ? undefined : idFromLocation(location),
      response: operation.response,
      error: ok ? undefined : operationError(operation.response, status, method, location ?? url),
    };
  });
}

function idFromLocation(location: string): string | undefined {
  const last = location.replace(/\/+$/, '').split('/').at(-1);
  return last === undefined || last === '' ? undefined : decodeURIComponent(last);
}

function operationError(
  response: unknown,
  status: number,
  method: string,
  url: string,
): ScimClientError {
  const text = response === undefined ? '' : JSON.stringify(response);
  const parsed = parseErrorBody(text, status);
  return new ScimClientError(
    {
      status: Number.isInteger(status) ? status : 500,
      scimType: isScimType(parsed.scimType) ? parsed.scimType : undefined,
      detail: parsed.detail,
      method,
      url,
    },
    parsed.rawScimType,
  );
}
