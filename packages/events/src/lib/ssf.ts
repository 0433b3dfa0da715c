// A transmitter's side of the OpenID Shared Signals Framework 1.0 stream management API (§7 and §8):
// the configuration document, the JWKS, and the configuration, status, subject and verification
// endpoints, over a StreamStore and a SetQueue. RFC 9967 leaves feed management open; SSF is what
// the transmitters at Okta, SailPoint and Keycloak speak, so receivers already have clients for it.
//
// Request in, response out: one route table; each request is authorized, parsed whole (a 400 before
// the first store call) and executed against the tenant and receiver its authorization grants. A
// receiver sees only the streams it created: another receiver's stream (of its tenant or another)
// and every stream the operator created are answered exactly as a missing one. SETs the API itself emits (verification,
// stream updated, feed add and remove) are queued like any other, as claims the deliverer or the
// poll endpoint signs when it hands them out.
import { POLL_DELIVERY_METHOD, PUSH_DELIVERY_METHOD, SCIM_EVENT_URIS } from '@scim/core';
import type { SigningKeySet } from './keys.js';
import { resolvePerTenant as resolve, type PerTenant } from './per-tenant.js';
import type { ReceiverUrlResolver } from './receiver-url.js';
import { SsfError, json } from './ssf-http.js';
import { SSF_PATHS, createSsfRoutes } from './ssf-operations.js';
import type { StreamView } from './ssf-wire.js';
import type { SetQueue, StreamStore } from './streams.js';

/**
 * What the app's `authorize` grants a receiver (SSF 1.0 §8: the authorization associates a receiver
 * with streams and `aud` values):
 * - `tenant`: the tenant whose events its streams carry;
 * - `receiver`: who is calling, stable across its credentials (such as the OAuth client id). A
 *   stream created through SSF belongs to it, and only it can read, change or delete that stream;
 *   two receivers of one tenant never see each other's streams, and neither sees the streams the
 *   operator created;
 * - `audience`: the `aud` its streams' SETs carry. Without it, a push stream's audience is its
 *   endpoint's origin and a poll stream's is its `stream_id`.
 * @example `{ tenant: 'acme', receiver: 'okta-0oa1b2c3', audience: 'https://receiver.example.com' }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management
 */
export interface SsfGrant {
  readonly tenant: string | undefined;
  /** A non-empty identity of the receiver; a grant without one answers 500 (see `onError`). */
  readonly receiver: string;
  readonly audience?: string | readonly string[] | undefined;
}

/**
 * The per-request context an app passes: the tenant the request's URL (or host) addresses, which
 * picks the issuer, keys and base URL of the public routes; `undefined` for a single-tenant app.
 * @example `await ssf(request, { tenant: params.tenant })`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#discovery
 */
export interface SsfContext {
  readonly tenant: string | undefined;
}

/**
 * Options of {@link createSsfEndpoints}. Endpoints are served under `baseUrl`: `/stream`
 * (configuration), `/status`, `/subjects:add`, `/subjects:remove`, `/verify`, `/jwks.json` and
 * `/.well-known/ssf-configuration`; the configuration document is also served where SSF 1.0 §7.2
 * puts it, `/.well-known/ssf-configuration` followed by the issuer's path.
 * @example
 * ```ts
 * const options: SsfEndpointsOptions = {
 *   streams, queue, keys, issuer: 'https://scim.example.com', baseUrl: 'https://scim.example.com/ssf',
 *   authorize: async (request) => {
 *     const client = await checkToken(request); // the OAuth client the token was issued to, or undefined
 *     return client === undefined ? false : { tenant: undefined, receiver: client.id };
 *   },
 *   pollEndpointUrl: (id) => `https://scim.example.com/ssf/poll/${id}`,
 * };
 * ```
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export interface SsfEndpointsOptions {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  /**
   * Each tenant's keys: `jwks()` is served at `jwks_uri`. Give the deliverer and the poll endpoint
   * the same keys, since they sign the SETs.
   */
  readonly keys: PerTenant<SigningKeySet>;
  /** The `iss` of each tenant's SETs, an https URL without query or fragment (SSF 1.0 §7.1). */
  readonly issuer: PerTenant<string>;
  readonly baseUrl: PerTenant<string>;
  /** Authenticates a management request; `false` answers 401. Not called for the public routes. */
  readonly authorize: (
    request: Request,
    context: SsfContext,
  ) => SsfGrant | false | Promise<SsfGrant | false>;
  /** The event URIs streams may request (default: the RFC 9967 event URIs). */
  readonly eventsSupported?: PerTenant<readonly string[]> | undefined;
  /** Where a poll stream is polled (RFC 8936). Without it, poll delivery is not offered. */
  readonly pollEndpointUrl?: ((streamId: string, tenant: string | undefined) => string) | undefined;
  /**
   * Admits push receivers on loopback, private and link-local addresses (your own network), and
   * plain http to a loopback receiver only, as the deliverer does for such streams.
   */
  readonly allowPrivateNetwork?: boolean | undefined;
  /** Resolves receiver host names for the server-side request forgery check (default: the OS). */
  readonly resolve?: ReceiverUrlResolver | undefined;
  /** Whether a new stream receives events about every subject or only those added (default `all`). */
  readonly defaultSubjects?: 'all' | 'none' | undefined;
  /** The `spec_urn` of each authorization scheme the endpoints accept (SSF 1.0 §7.1.1). */
  readonly authorizationSchemes?: readonly string[] | undefined;
  /** The least time between two verification requests of a stream, in seconds (default 30). */
  readonly minVerificationIntervalSeconds?: number | undefined;
  /** The largest request body, in bytes (default 65,536). */
  readonly maxBodyBytes?: number | undefined;
  readonly now?: (() => Date) | undefined;
  /** Makes stream ids and `jti` values (default: a random UUID without dashes). */
  readonly newId?: (() => string) | undefined;
  /**
   * Told of unexpected failures (a store that throws, a grant without `receiver`), which answer 500
   * without details, and of why a receiver's `endpoint_url` was refused (its address, its DNS
   * answer), which the receiver is told only in general terms. A throw from it is ignored.
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * The SSF endpoints as one function: a Response for a request to one of its routes, `undefined` for
 * any other path, so an app can try it first and fall through to its own routes.
 * @example `app.use(async (c, next) => (await ssf(c.req.raw, { tenant: undefined })) ?? next())`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export type SsfHandler = (request: Request, context?: SsfContext) => Promise<Response | undefined>;

/** The `spec_version` of the final SSF 1.0 (SSF 1.0 §7.1). */
const SSF_SPEC_VERSION = '1_0';
const WELL_KNOWN = '/.well-known/ssf-configuration';
/**
 * How long the public documents may be cached: short, so receivers pick up a rotated key within
 * minutes (the old one stays published meanwhile).
 */
const PUBLIC_MAX_AGE_SECONDS = 300;

/**
 * Makes the transmitter's SSF endpoints: configuration discovery, the JWKS, stream create, read,
 * update, replace and delete, stream status, subjects added and removed, and verification.
 * @example
 * ```ts
 * const ssf = createSsfEndpoints({
 *   streams: createMemoryStreamStore(), queue: createMemorySetQueue(), keys,
 *   issuer: 'https://scim.example.com', baseUrl: 'https://scim.example.com/ssf',
 *   authorize: (request) =>
 *     request.headers.get('authorization') === `Bearer ${token}` && { tenant: undefined, receiver: 'okta' },
 *   pollEndpointUrl: (id) => `https://scim.example.com/ssf/poll/${id}`,
 * });
 * const response = (await ssf(request, { tenant: undefined })) ?? new Response(null, { status: 404 });
 * ```
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html
 */
export function createSsfEndpoints(options: SsfEndpointsOptions): SsfHandler {
  const minVerificationInterval = options.minVerificationIntervalSeconds ?? 30;
  const pollSupported = options.pollEndpointUrl !== undefined;
  /** A failing error hook must not turn a 500 into a rejected promise the app never expects. */
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // Nothing more can be done with it; the answer stands.
    }
  };
  const routes = createSsfRoutes({
    streams: options.streams,
    queue: options.queue,
    now: options.now ?? (() => new Date()),
    newId: options.newId ?? (() => crypto.randomUUID().replaceAll('-', '')),
    maxBodyBytes: options.maxBodyBytes ?? 65_536,
    minVerificationInterval,
    pollSupported,
    allowPrivateNetwork: options.allowPrivateNetwork,
    resolve: options.resolve,
    report,
    defaultSubjects: options.defaultSubjects ?? 'all',
  });

  async function metadata(tenant: string | undefined, base: string): Promise<Response> {
    const schemes = options.authorizationSchemes ?? [];
    const body = {
      spec_version: SSF_SPEC_VERSION,
      issuer: await resolve(options.issuer, tenant),
      jwks_uri: `${base}${SSF_PATHS.jwks}`,
      delivery_methods_supported: [
        PUSH_DELIVERY_METHOD,
        ...(pollSupported ? [POLL_DELIVERY_METHOD] : []),
      ],
      configuration_endpoint: `${base}${SSF_PATHS.configuration}`,
      status_endpoint: `${base}${SSF_PATHS.status}`,
      add_subject_endpoint: `${base}${SSF_PATHS.addSubject}`,
      remove_subject_endpoint: `${base}${SSF_PATHS.removeSubject}`,
      verification_endpoint: `${base}${SSF_PATHS.verification}`,
      // SSF 1.0 §7.2.3: claims with zero elements are omitted.
      ...(schemes.length > 0 && {
        authorization_schemes: schemes.map((urn) => ({ spec_urn: urn })),
      }),
      default_subjects: (options.defaultSubjects ?? 'all').toUpperCase(),
    };
    return json(body, 200, { 'cache-control': `public, max-age=${PUBLIC_MAX_AGE_SECONDS}` });
  }

  async function jwks(tenant: string | undefined): Promise<Response> {
    const keys = await resolve(options.keys, tenant);
    return json(keys.jwks(), 200, { 'cache-control': `public, max-age=${PUBLIC_MAX_AGE_SECONDS}` });
  }

  /** SSF 1.0 §7.2: the well-known segment goes between the issuer's host and its path. */
  async function isIssuerWellKnown(path: string, tenant: string | undefined): Promise<boolean> {
    if (!path.startsWith(WELL_KNOWN)) return false;
    const issuer = new URL(await resolve(options.issuer, tenant));
    return path === `${WELL_KNOWN}${issuer.pathname.replace(/\/$/, '')}`;
  }

  async function handle(request: Request, context: SsfContext): Promise<Response | undefined> {
    const url = new URL(request.url);
    const baseUrl = new URL(await resolve(options.baseUrl, context.tenant));
    const basePath = baseUrl.pathname.replace(/\/$/, '');
    const base = `${baseUrl.origin}${basePath}`;
    const path = url.pathname;
    const only = (method: string) =>
      request.method === method
        ? undefined
        : new SsfError('method_not_allowed', `Use ${method} here`, { allow: method });

    if (path === `${basePath}${WELL_KNOWN}` || (await isIssuerWellKnown(path, context.tenant)))
      return only('GET')?.toResponse() ?? metadata(context.tenant, base);
    if (path === `${basePath}${SSF_PATHS.jwks}`)
      return only('GET')?.toResponse() ?? jwks(context.tenant);

    const route = routes.find((candidate) => path === `${basePath}${candidate.path}`);
    if (route === undefined) return undefined;
    const operation = route.methods[request.method];
    if (operation === undefined) {
      const allow = Object.keys(route.methods).join(', ');
      return new SsfError('method_not_allowed', `Use ${allow} here`, { allow }).toResponse();
    }
    const grant = await options.authorize(request, context);
    if (grant === false)
      return new SsfError('authentication_failed', 'Authorization failed or is missing', {
        'www-authenticate': 'Bearer',
      }).toResponse();
    if (context.tenant !== undefined && grant.tenant !== context.tenant)
      throw new SsfError('access_denied', 'This authorization does not cover this tenant');
    const { tenant, receiver } = grant;
    // Without a receiver every stream would match an undefined owner, the operator's included.
    if (typeof receiver !== 'string' || receiver === '')
      throw new TypeError('SsfGrant.receiver must be a non-empty string naming the receiver');
    const view: StreamView = {
      issuer: await resolve(options.issuer, tenant),
      eventsSupported: await resolve(options.eventsSupported ?? SCIM_EVENT_URIS, tenant),
      pollEndpointUrl: options.pollEndpointUrl,
      minVerificationInterval,
    };
    return operation({ request, url, tenant, receiver, audience: grant.audience, view });
  }

  return async (request, context = { tenant: undefined }) => {
    try {
      return await handle(request, context);
    } catch (error) {
      if (error instanceof SsfError) return error.toResponse();
      report(error);
      return new SsfError(
        'server_error',
        'The transmitter could not process the request',
      ).toResponse();
    }
  };
}
