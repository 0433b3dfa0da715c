// Who may see the console: its own credential, as a bearer token or typed into the login form, which
// then sets an HMAC-signed session cookie (never the credential itself). Plain HTTP is refused except
// on loopback, as the SCIM endpoint does (RFC 7644 §7.2); a state-changing POST made with the cookie
// must come from the console's own origin (SameSite=Strict and an Origin check against CSRF).
import type { ResolvedOptions } from './options.js';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
export const SESSION_COOKIE = 'scim_console_session';
const encoder = new TextEncoder();

/** Whether the request came over TLS, or may come without it (loopback, or allowed by the options). */
export function transportAllowed(options: ResolvedOptions, request: Request, url: URL): boolean {
  if (options.allowInsecureHttp || url.protocol === 'https:' || LOOPBACK.test(url.hostname))
    return true;
  return forwardedHttps(options, request);
}

/** Whether a trusted proxy says the client came over TLS (`X-Forwarded-Proto: https`). */
function forwardedHttps(options: ResolvedOptions, request: Request): boolean {
  if (!options.trustForwardedProto) return false;
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return forwarded?.toLowerCase() === 'https';
}

/**
 * The origin the browser sees the console at: the request URL's, but `https:` when a trusted proxy
 * ended TLS, where the application sees `http://` and the browser sends `Origin: https://…`.
 */
export function consoleOrigin(options: ResolvedOptions, request: Request, url: URL): string {
  if (url.protocol === 'http:' && forwardedHttps(options, request)) {
    // The same host and port (a port the URL leaves out is http's own, so https's own here).
    const https = new URL(url.origin);
    https.protocol = 'https:';
    return https.origin;
  }
  return url.origin;
}

/** Secure cookies everywhere but plain HTTP on loopback, where a browser would drop them. */
export function secureCookies(url: URL): boolean {
  return url.protocol === 'https:' || !LOOPBACK.test(url.hostname);
}

// Sessions ended by a logout, by nonce, each kept until its own expiry; past this many, the one
// closest to expiry goes first.
const MAX_REVOKED = 10_000;

/**
 * Signs and checks; the key depends on the credential too, so changing it ends every session. A
 * logout ends its session here too: the cookie is stateless, so its nonce is kept as revoked until
 * the session would have expired (in this process only).
 */
export class Sessions {
  readonly #key: Promise<CryptoKey>;
  readonly #revoked = new Map<string, number>();
  constructor(private readonly options: ResolvedOptions) {
    this.#key = crypto.subtle.importKey(
      'raw',
      encoder.encode(`${options.sessionSecret}\u0000${options.credential}`),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
  }

  /** Compares a presented credential with the configured one in time independent of where they differ. */
  async credentialMatches(presented: string): Promise<boolean> {
    const key = await this.#key;
    const [a, b] = await Promise.all([
      crypto.subtle.sign('HMAC', key, encoder.encode(`credential:${presented}`)),
      crypto.subtle.sign('HMAC', key, encoder.encode(`credential:${this.options.credential}`)),
    ]);
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    let difference = x.length ^ y.length;
    for (let i = 0; i < x.length; i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
    return difference === 0;
  }

  /** A new session value: its expiry, a nonce and their HMAC. */
  async issue(): Promise<string> {
    const expires = this.options.now() + this.options.sessionTtlMs;
    const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    const payload = `v1.${expires}.${nonce}`;
    const mac = await crypto.subtle.sign('HMAC', await this.#key, encoder.encode(payload));
    return `${payload}.${toBase64Url(new Uint8Array(mac))}`;
  }

  async valid(value: string | undefined): Promise<boolean> {
    const session = await this.#verified(value);
    return session !== undefined && !this.#revoked.has(session.nonce);
  }

  /** Ends a session before its expiry (logout); a value that is no valid session is ignored. */
  async revoke(value: string | undefined): Promise<void> {
    const session = await this.#verified(value);
    if (session === undefined) return;
    const now = this.options.now();
    for (const [nonce, expires] of this.#revoked) if (expires <= now) this.#revoked.delete(nonce);
    if (this.#revoked.size >= MAX_REVOKED) {
      let soonest: [string, number] | undefined;
      for (const entry of this.#revoked)
        if (soonest === undefined || entry[1] < soonest[1]) soonest = entry;
      if (soonest !== undefined) this.#revoked.delete(soonest[0]);
    }
    this.#revoked.set(session.nonce, session.expires);
  }

  async #verified(
    value: string | undefined,
  ): Promise<{ nonce: string; expires: number } | undefined> {
    if (value === undefined) return undefined;
    const match = /^(v1\.(\d{1,15})\.([A-Za-z0-9_-]{22}))\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (match === null) return undefined;
    const [, payload = '', expires = '0', nonce = '', mac = ''] = match;
    if (Number(expires) <= this.options.now()) return undefined;
    const signature = fromBase64Url(mac);
    if (signature === undefined) return undefined;
    // crypto.subtle.verify compares in constant time.
    const verified = await crypto.subtle.verify(
      'HMAC',
      await this.#key,
      signature,
      encoder.encode(payload),
    );
    return verified ? { nonce, expires: Number(expires) } : undefined;
  }
}

const MINUTE_MS = 60_000;

/**
 * How many credential checks (the login form's and bearer tokens') may fail each minute. Each check
 * counts as a failure before it runs and is given back when it succeeds, so checks run side by side
 * cannot pass the limit either. Past it, no credential is checked until the minute ends, right or
 * wrong: a guesser learns nothing faster than the limit allows. Signed session cookies are not
 * credentials and still work. Counted for the whole console, not per client: a Web `Request` does
 * not say who sent it, and a forwarded-for header is whatever the client wrote.
 */
export class CredentialGuard {
  #minute = -1;
  #failures = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Takes a check: 0 when it may run, else the ms until checks may run again. */
  #take(): number {
    const now = this.now();
    const minute = Math.floor(now / MINUTE_MS);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#failures = 0;
    }
    if (this.#failures >= this.limit) return (minute + 1) * MINUTE_MS - now;
    this.#failures++;
    return 0;
  }

  /** Gives back a check that succeeded, within the minute it was taken. */
  #succeeded(): void {
    if (Math.floor(this.now() / MINUTE_MS) === this.#minute && this.#failures > 0) this.#failures--;
  }

  /** Checks the credential under the limit: whether it matched, or the ms to wait first. */
  async check(
    sessions: Sessions,
    presented: string,
  ): Promise<{ readonly matches: boolean; readonly waitMs: number }> {
    const waitMs = this.#take();
    if (waitMs > 0) return { matches: false, waitMs };
    const matches = await sessions.credentialMatches(presented);
    if (matches) this.#succeeded();
    return { matches, waitMs: 0 };
  }
}

/** The bearer token of an `Authorization` header, if it has one. */
export function bearerOf(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  const match = header === null ? null : /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  return match?.[1];
}

/** One cookie's value from the `Cookie` header. */
export function cookieOf(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** A POST made with the session cookie must name the console's own origin (CSRF). */
export function sameOrigin(request: Request, expected: string): boolean {
  const origin = request.headers.get('origin');
  if (origin !== null) return origin === expected;
  // Fetch metadata, where the browser sends it, says the same without a URL to compare.
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  // Without Origin (older browsers send none on same-origin form posts), Referer must match.
  const referer = request.headers.get('referer');
  if (referer === null) return false;
  try {
    return new URL(referer).origin === expected;
  } catch {
    return false;
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
