// How requests are authenticated: a fixed bearer token, OAuth 2.0 client credentials (RFC 6749
// §4.4) cached until shortly before expiry, or any headers a function returns.
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from '@scim/core';
import { readErrorResponse, ScimTransportError } from './errors.js';

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4). The client posts
 * `grant_type=client_credentials` to `tokenUrl`, authenticating with HTTP Basic (`basic`, the
 * default, RFC 6749 §2.3.1) or with the id and secret in the form (`body`), caches the token until
 * `refreshSkewMs` before it expires, and fetches a new one once when the SCIM server answers 401.
 * @example `{ tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'scim', clientSecret, scope: 'scim.write' }`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export interface ClientCredentials {
  readonly tokenUrl: string | URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes, or a list. */
  readonly scope?: string | readonly string[];
  /** The `audience` parameter that Auth0, Okta and others use to name the API. */
  readonly audience?: string;
  readonly clientAuthentication?: 'basic' | 'body';
  /** Fetch a new token this long before the cached one expires (default 60,000 ms). */
  readonly refreshSkewMs?: number;
}

/**
 * What a custom authenticator is told about the request it signs.
 * @example `auth: ({ method, url }) => ({ authorization: sign(method, url) })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-2
 */
export interface AuthRequest {
  readonly method: string;
  readonly url: string;
}

/**
 * How the client authenticates (RFC 7644 §2): a bearer token (or a function that gives one), OAuth
 * client credentials, or a function returning headers for each request.
 * @example `{ bearer: process.env.SCIM_TOKEN }` or `{ clientCredentials: { tokenUrl, clientId, clientSecret } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-2
 */
export type ScimClientAuth =
  | { readonly bearer: string | (() => string | Promise<string>) }
  | { readonly clientCredentials: ClientCredentials }
  | ((request: AuthRequest) => HeadersInit | Promise<HeadersInit>);

export interface Authenticator {
  /** Headers for one attempt. */
  headers(request: AuthRequest, signal: AbortSignal | undefined): Promise<Headers>;
  /**
   * The server answered 401 to the `authorization` header given: drop cached credentials; true when
   * a new attempt may succeed.
   */
  renew(usedAuthorization: string | null): boolean;
}

const NO_AUTH: Authenticator = {
  headers: () => Promise.resolve(new Headers()),
  renew: () => false,
};

export function createAuthenticator(
  auth: ScimClientAuth | undefined,
  fetcher: typeof fetch,
): Authenticator {
  if (auth === undefined) return NO_AUTH;
  if (typeof auth === 'function') {
    return {
      headers: async (request) => new Headers(await auth(request)),
      renew: () => false,
    };
  }
  if ('bearer' in auth) {
    const { bearer } = auth;
    return {
      headers: async () =>
        new Headers({
          authorization: `Bearer ${typeof bearer === 'function' ? await bearer() : bearer}`,
        }),
      // A function may give a fresh token on the next call.
      renew: () => typeof bearer === 'function',
    };
  }
  const tokens = new TokenCache(auth.clientCredentials, fetcher);
  return {
    headers: async (_request, signal) =>
      new Headers({ authorization: `Bearer ${await tokens.token(signal)}` }),
    renew: (used) => tokens.invalidate(used),
  };
}

interface CachedToken {
  readonly accessToken: string;
  readonly refreshAt: number;
}

class TokenCache {
  private cached: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;

  constructor(
    private readonly options: ClientCredentials,
    private readonly fetcher: typeof fetch,
  ) {}

  async token(signal: AbortSignal | undefined): Promise<string> {
    if (this.cached !== undefined && Date.now() < this.cached.refreshAt)
      return this.cached.accessToken;
    // Concurrent requests share one token request.
    this.pending ??= this.fetchToken(signal).finally(() => {
      this.pending = undefined;
    });
    this.cached = await this.pending;
    return this.cached.accessToken;
  }

  invalidate(usedAuthorization: string | null): boolean {
    // Another request may have renewed the token already: then only the retry is needed.
    if (this.cached !== undefined && `Bearer ${this.cached.accessToken}` === usedAuthorization)
      this.cached = undefined;
    return true;
  }

  private async fetchToken(signal: AbortSignal | undefined): Promise<CachedToken> {
    const { tokenUrl, clientId, clientSecret, scope, audience } = this.options;
    const url = String(tokenUrl);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined) form.set('scope', typeof scope === 'string' ? scope : scope.join(' '));
    if (audience !== undefined) form.set('audience', audience);
    const headers = new Headers({ 'content-type': FORM_MEDIA_TYPE, accept: JSON_MEDIA_TYPE });
    if (this.options.clientAuthentication === 'body') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      // RFC 6749 §2.3.1: each part form-encoded before Base64.
      const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
      headers.set('authorization', `Basic ${base64(pair)}`);
    }
    const request = { method: 'POST', url };
    let response: Response;
    try {
      response = await this.fetcher(url, {
        method: 'POST',
        headers,
        body: form.toString(),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw new ScimTransportError(
        'token',
        'the token endpoint could not be reached',
        request,
        error,
      );
    }
    if (!response.ok) throw await readErrorResponse(response, request);
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ScimTransportError('token', 'the token endpoint answered no JSON', request, error);
    }
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const accessToken = record.access_token;
    if (typeof accessToken !== 'string' || accessToken === '')
      throw new ScimTransportError('token', 'the token endpoint answered no access_token', request);
    const expiresIn = Number(record.expires_in);
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 300_000;
    // A short-lived token is refreshed at half its life rather than never being cached.
    const skew = Math.min(this.options.refreshSkewMs ?? 60_000, lifetimeMs / 2);
    return { accessToken, refreshAt: Date.now() + lifetimeMs - skew };
  }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
