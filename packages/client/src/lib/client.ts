// createScimClient: options resolved once, one transport, and resource clients that share it.
import {
  GroupResourceType,
  UserResourceType,
  type InferResource,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { createAuthenticator, type ScimClientAuth } from './auth.js';
import { BulkBuilder } from './bulk.js';
import { resolveDialect, type ClientDialect, type ClientDialectOption } from './dialect.js';
import { discover, type ScimDiscovery, type ServiceProviderConfig } from './discovery.js';
import { ResourceClient, type RequestOptions } from './resources.js';
import { resolveRetry, type RetryOptions } from './retry.js';
import { Transport } from './transport.js';

/**
 * Everything a client is made of. Only `baseUrl` is required.
 * @example
 * ```ts
 * createScimClient({
 *   baseUrl: 'https://example.com/scim/v2',
 *   auth: { bearer: process.env.SCIM_TOKEN ?? '' },
 *   retry: { maxRetries: 5 },
 *   timeoutMs: 10_000,
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ScimClientOptions<
  TUser extends ScimResourceType = typeof UserResourceType,
  TGroup extends ScimResourceType = typeof GroupResourceType,
> {
  /** The SCIM base URL, such as `https://example.com/scim/v2`. */
  readonly baseUrl: string | URL;
  /** The `fetch` to use (default: the global one); tests pass a handler's `fetch`. */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  readonly auth?: ScimClientAuth;
  /** Retries on 429 and 503 (default: 3 retries, budget 20); `false` turns them off. */
  readonly retry?: RetryOptions | false;
  /** `rfc` (default), `entra` or `okta`: send requests as that identity provider does. */
  readonly dialect?: ClientDialectOption;
  /** The longest one attempt may take, in ms (default: no limit). */
  readonly timeoutMs?: number;
  /** Headers sent with every request. */
  readonly headers?: HeadersInit;
  /**
   * The resource types the server is built from, by name: `User` and `Group` type `client.users`
   * and `client.groups` (defaults: core's, with the Enterprise extension); others are found by
   * `client.resource(name)`.
   */
  readonly resourceTypes?: {
    readonly User?: TUser;
    readonly Group?: TGroup;
    readonly [name: string]: ScimResourceType | undefined;
  };
}

/**
 * A raw answer of {@link ScimClient.request}.
 * @example `const { status, body } = await client.request('GET', '/ServiceProviderConfig')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface ScimResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body; undefined when empty (204). */
  readonly body: unknown;
  readonly url: string;
}

/**
 * A SCIM client (RFC 7644); see {@link createScimClient}.
 * @example `const user = await client.users.get(id)`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ScimClient<
  TUser extends ScimResourceType = typeof UserResourceType,
  TGroup extends ScimResourceType = typeof GroupResourceType,
> {
  readonly baseUrl: string;
  readonly dialect: ClientDialect;
  /** `/Users`, typed by the User resource type. */
  readonly users: ResourceClient<InferResource<TUser>>;
  /** `/Groups`, typed by the Group resource type. */
  readonly groups: ResourceClient<InferResource<TGroup>>;
  /** Another resource type: by its definition (typed), or by name or endpoint. */
  resource<TType extends ScimResourceType>(
    resourceType: TType,
  ): ResourceClient<InferResource<TType>>;
  resource<T extends ScimResource = ScimResource>(nameOrEndpoint: string): ResourceClient<T>;
  /** `/ServiceProviderConfig`, read once and kept (RFC 7643 §5). */
  serviceProviderConfig(options?: { readonly refresh?: boolean }): Promise<ServiceProviderConfig>;
  /** Reads `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, and learns the resource types. */
  discover(): Promise<ScimDiscovery>;
  /** Starts a bulk request (RFC 7644 §3.7). */
  bulk(): BulkBuilder;
  /** Any request under the base URL, with the client's authentication, retries and errors. */
  request(
    method: string,
    path: string,
    options?: RequestOptions & {
      readonly body?: unknown;
      readonly query?: Readonly<Record<string, string | number | undefined>>;
    },
  ): Promise<ScimResponse>;
}

/**
 * Makes a SCIM client on `fetch`, for Node, Bun, Deno, Workers and browsers: typed resources,
 * filters, paging by index or RFC 9865 cursor, ETag-aware updates, minimal PATCH diffs, Bulk,
 * retries with backoff and a budget, bearer or OAuth client-credentials authentication, and the
 * Entra ID and Okta dialects.
 * @example
 * ```ts
 * import { createScimClient, f } from '@scim/client';
 * const client = createScimClient({ baseUrl: 'https://example.com/scim/v2', auth: { bearer: token } });
 * const user = await client.users.create({ userName: 'bjensen', name: { givenName: 'Barbara' } });
 * for await (const u of client.users.list({ filter: f.eq('userName', 'bjensen') })) console.log(u.id);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function createScimClient<
  TUser extends ScimResourceType = typeof UserResourceType,
  TGroup extends ScimResourceType = typeof GroupResourceType,
>(options: ScimClientOptions<TUser, TGroup>): ScimClient<TUser, TGroup> {
  const baseUrl = String(options.baseUrl);
  if (!/^https?:\/\//i.test(baseUrl))
    throw new TypeError(`baseUrl must be an http(s) URL, got '${baseUrl}'`);
  const fetcher =
    (options.fetch as typeof fetch | undefined) ??
    ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const dialect = resolveDialect(options.dialect);
  const transport = new Transport({
    baseUrl,
    fetch: fetcher,
    auth: createAuthenticator(options.auth, fetcher),
    retry: resolveRetry(options.retry),
    timeoutMs: options.timeoutMs,
    headers: options.headers,
  });

  // Resource types by lower-cased endpoint and name; discovery adds to them.
  const byEndpoint = new Map<string, ScimResourceType>();
  const byName = new Map<string, ScimResourceType>();
  const learn = (type: ScimResourceType): void => {
    byEndpoint.set(type.endpoint.toLowerCase(), type);
    byName.set(type.name.toLowerCase(), type);
  };
  learn(UserResourceType);
  learn(GroupResourceType);
  for (const type of Object.values(options.resourceTypes ?? {})) if (type) learn(type);

  let config: Promise<ServiceProviderConfig> | undefined;
  const serviceProviderConfig = (refresh = false): Promise<ServiceProviderConfig> => {
    if (config === undefined || refresh) {
      config = transport
        .send({ method: 'GET', path: '/ServiceProviderConfig' })
        .then((answer) => (answer.body ?? {}) as ServiceProviderConfig);
      // A failed read is not kept: the next caller asks again.
      config.catch(() => {
        config = undefined;
      });
    }
    return config;
  };
  const usesCursor = async (): Promise<boolean> => {
    try {
      return (await serviceProviderConfig()).pagination?.cursor === true;
    } catch {
      return false;
    }
  };
  const clients = new Map<string, ResourceClient>();
  const clientFor = (endpoint: string): ResourceClient => {
    const path = endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
    const key = path.toLowerCase();
    let client = clients.get(key);
    if (client === undefined) {
      client = new ResourceClient(path, {
        transport,
        dialect,
        usesCursor,
        resourceType: () => byEndpoint.get(key),
      });
      clients.set(key, client);
    }
    return client;
  };
  const users = options.resourceTypes?.User?.endpoint ?? UserResourceType.endpoint;
  const groups = options.resourceTypes?.Group?.endpoint ?? GroupResourceType.endpoint;

  return {
    baseUrl: transport.baseUrl,
    dialect,
    users: clientFor(users) as ResourceClient<InferResource<TUser>>,
    groups: clientFor(groups) as ResourceClient<InferResource<TGroup>>,
    resource: ((target: ScimResourceType | string) => {
      if (typeof target !== 'string') {
        learn(target);
        return clientFor(target.endpoint);
      }
      if (target.startsWith('/')) return clientFor(target);
      return clientFor(byName.get(target.toLowerCase())?.endpoint ?? `/${target}`);
    }) as ScimClient<TUser, TGroup>['resource'],
    serviceProviderConfig: (request) => serviceProviderConfig(request?.refresh === true),
    discover: async () => {
      const found = await discover(transport);
      config = Promise.resolve(found.serviceProviderConfig);
      for (const type of found.resourceTypes) {
        // The application's own definitions (which carry its TypeScript types) stay.
        const given = Object.values(options.resourceTypes ?? {}).some(
          (known) => known?.endpoint.toLowerCase() === type.endpoint.toLowerCase(),
        );
        if (!given) learn(type);
      }
      return found;
    },
    bulk: () => new BulkBuilder(transport, dialect),
    request: async (method, path, request = {}) => {
      const answer = await transport.send({
        method,
        path,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.query === undefined ? {} : { query: request.query }),
        ...(request.headers === undefined ? {} : { headers: request.headers }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      return { status: answer.status, headers: answer.headers, body: answer.body, url: answer.url };
    },
  };
}
