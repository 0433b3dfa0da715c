// Where a receiver reads a resource's current representation: the transmitter's SCIM endpoint
// (RFC 9967 §2.1: "the Event Receiver MAY issue a callback to a previously agreed SCIM Service
// Provider Base URI plus the relative "uri" value and perform a SCIM GET request"). Notice events
// name a change without its data, so a receiver that replicates them reads the resource back.
import { isJsonObject, SCIM_MEDIA_TYPE, type ScimResourceType } from '@scim/core';
import { checkNumberOption } from './replay.js';

/**
 * What a {@link ResourceSource} is asked for: the subject's canonical `uri` (`/Users/{id}`), its
 * resource type and id, and a signal that ends the read.
 * @example `{ uri: '/Users/2819c223', resourceType: UserResourceType, id: '2819c223' }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.1
 */
export interface SourceRequest {
  readonly uri: string;
  readonly resourceType: ScimResourceType;
  readonly id: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * A resource as the source has it now: `found` with its representation (as a GET returns it),
 * `gone` when it does not exist (404: deleted, or not there yet on a read replica), or
 * `unavailable` when it could not be read this time, so the SET is retried later.
 * @example `{ status: 'found', resource: { schemas: [USER_SCHEMA_URN], id: '2819c223', userName: 'bjensen', meta } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1
 */
export type SourceResult =
  | { readonly status: 'found'; readonly resource: Readonly<Record<string, unknown>> }
  | { readonly status: 'gone' }
  | { readonly status: 'unavailable'; readonly description: string };

/**
 * Reads a resource's current representation from the transmitter. {@link createResourceSource}
 * makes one that GETs it over HTTP; any function of this shape will do (a database of the same
 * service, a cache). A throw counts as `unavailable`.
 * @example `const source: ResourceSource = async ({ id }) => { const user = await db.find(id); return user ? { status: 'found', resource: user } : { status: 'gone' }; };`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.1
 */
export type ResourceSource = (request: SourceRequest) => Promise<SourceResult>;

/**
 * Options of {@link createResourceSource}: the transmitter's SCIM base URI, the `Authorization`
 * header value (or a function giving it for each read, such as a client-credentials source's
 * `authorization`), other headers, the `fetch` to use (default the global one; a SCIM handler's
 * `fetch` works too), and the time one read may take (`timeoutMs`, default 10,000).
 * @example `{ baseUrl: 'https://scim.example.com/scim/v2', authorization: `Bearer ${token}` }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1
 */
export interface ResourceSourceOptions {
  readonly baseUrl: string | URL;
  readonly authorization?:
    string | (() => string | undefined | Promise<string | undefined>) | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * Makes a {@link ResourceSource} that GETs `{baseUrl}{uri}` with `Accept: application/scim+json`:
 * 200 with a JSON object is `found`, 404 and 410 are `gone`, and anything else (another status, a
 * network failure, a timeout, a body that is not a JSON object) is `unavailable`.
 * @example
 * ```ts
 * const source = createResourceSource({
 *   baseUrl: 'https://scim.example.com/scim/v2',
 *   authorization: `Bearer ${process.env.SCIM_READ_TOKEN}`,
 * });
 * createEventReceiver({ ...verifyOptions, target, source });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1
 */
export function createResourceSource(options: ResourceSourceOptions): ResourceSource {
  const base = new URL(options.baseUrl).href.replace(/\/+$/, '');
  const timeoutMs = checkNumberOption(
    'createResourceSource',
    'timeoutMs',
    options.timeoutMs,
    10_000,
    { min: 1, max: 2_147_483_647, integer: true },
  );
  const send = options.fetch ?? ((request: Request) => fetch(request));
  return async ({ uri, signal }) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers = new Headers({ accept: SCIM_MEDIA_TYPE, ...options.headers });
    try {
      const authorization =
        typeof options.authorization === 'function'
          ? await options.authorization()
          : options.authorization;
      if (authorization !== undefined) headers.set('authorization', authorization);
      const response = await send(
        new Request(`${base}${uri}`, {
          method: 'GET',
          headers,
          signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        }),
      );
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        return { status: 'gone' };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { status: 'unavailable', description: `the source answered ${response.status}` };
      }
      const body: unknown = JSON.parse(await response.text());
      return isJsonObject(body)
        ? { status: 'found', resource: body }
        : {
            status: 'unavailable',
            description: 'the source answered something else than a resource',
          };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { status: 'unavailable', description: `the source could not be read: ${reason}` };
    }
  };
}
