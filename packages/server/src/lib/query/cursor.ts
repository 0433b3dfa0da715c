// RFC 9865 cursors: opaque, URL-safe, signed, bound to the query and the caller, and expiring.
import { ScimError } from '@scim/core';

/** Where a cursor page starts: an offset, or a position the store returned (keyset paging). */
export type CursorPosition =
  { readonly offset: number } | { readonly after: string } | { readonly before: string };

interface CursorState {
  /** Offset of the page's first resource, for stores that page by index. */
  readonly o?: number;
  /** The store position the page starts after. */
  readonly a?: string;
  /** The store position the page ends before. */
  readonly b?: string;
  /** The page size the cursor was issued for. */
  readonly n: number;
  /** Digest of the query (resource type, filter, sort) the cursor belongs to. */
  readonly q: string;
  /** Digest of the caller (principal and tenant). */
  readonly p: string;
  /** Expiry, in seconds since the epoch. */
  readonly e: number;
}

const encoder = new TextEncoder();

/**
 * The one answer for every cursor that cannot be served, whatever the reason (forged, altered,
 * another caller's, another query's, or outlived by the data or the store it named): identical
 * bodies reveal nothing (RFC 9865 §5.2). Only expiry is told apart (expiredCursor).
 */
export function invalidCursor(): ScimError {
  return ScimError.invalidCursor('The cursor is not valid');
}

/** What a verified payload must hold; one signed by another release with the same secret may not. */
function isCursorState(value: unknown): value is CursorState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const state = value as Record<string, unknown>;
  const where = [state.o, state.a, state.b].filter((field) => field !== undefined);
  return (
    typeof state.n === 'number' &&
    typeof state.q === 'string' &&
    typeof state.p === 'string' &&
    typeof state.e === 'number' &&
    where.length <= 1 &&
    (state.o === undefined || (Number.isSafeInteger(state.o) && (state.o as number) >= 0)) &&
    (state.a === undefined || typeof state.a === 'string') &&
    (state.b === undefined || typeof state.b === 'string')
  );
}

/**
 * Whether the page read for an opened cursor cannot be the page the cursor meant, which is answered
 * like any invalid cursor (RFC 9865 §5.2: a page that no longer exists gives the same error):
 * a store position when the store no longer pages by position; an offset when it now does (it
 * would answer the first page again); an offset past the last match, after deletions.
 */
export function isOutlivedPage(
  position: CursorPosition,
  page: {
    readonly positions?: unknown;
    readonly totalKnown: boolean;
    readonly totalResults: number;
  },
): boolean {
  if (!('offset' in position)) return page.positions === undefined;
  if (position.offset === 0) return false;
  return page.positions !== undefined || (page.totalKnown && position.offset >= page.totalResults);
}

function toBase64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export async function digest(value: unknown): Promise<string> {
  return toBase64Url(
    new Uint8Array(
      await crypto.subtle.digest('SHA-256', encoder.encode(JSON.stringify(value) ?? '')),
    ),
  );
}

/** Signs and checks cursors with one HMAC key per handler. */
export class CursorCodec {
  private key: Promise<CryptoKey> | undefined;

  constructor(
    private readonly secret: string | undefined,
    readonly timeoutSeconds: number,
    private readonly now: () => Date,
  ) {}

  private signingKey(): Promise<CryptoKey> {
    this.key ??=
      this.secret === undefined
        ? crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
        : crypto.subtle.importKey(
            'raw',
            encoder.encode(this.secret),
            { name: 'HMAC', hash: 'SHA-256' },
            false,
            ['sign', 'verify'],
          );
    return this.key;
  }

  async issue(
    position: CursorPosition,
    count: number,
    query: string,
    caller: string,
  ): Promise<string> {
    const state: CursorState = {
      ...('offset' in position
        ? { o: position.offset }
        : 'after' in position
          ? { a: position.after }
          : { b: position.before }),
      n: count,
      q: query,
      p: caller,
      e: Math.floor(this.now().getTime() / 1000) + this.timeoutSeconds,
    };
    const payload = toBase64Url(encoder.encode(JSON.stringify(state)));
    const signature = new Uint8Array(
      await crypto.subtle.sign('HMAC', await this.signingKey(), encoder.encode(payload)),
    );
    return `${payload}.${toBase64Url(signature)}`;
  }

  /** Where a cursor's page starts; forged, foreign or stale cursors are refused (RFC 9865 §2.1, §5.2). */
  async open(
    cursor: string,
    count: number | undefined,
    query: string,
    caller: string,
  ): Promise<{ position: CursorPosition; count: number }> {
    const [payload, signature, extra] = cursor.split('.');
    let state: unknown;
    try {
      if (payload === undefined || signature === undefined || extra !== undefined)
        throw new Error('shape');
      const valid = await crypto.subtle.verify(
        'HMAC',
        await this.signingKey(),
        fromBase64Url(signature),
        encoder.encode(payload),
      );
      if (!valid) throw new Error('signature');
      state = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
    } catch {
      throw invalidCursor();
    }
    if (!isCursorState(state)) throw invalidCursor();
    // The same answer for another caller's cursor as for a forged one: nothing about it is revealed.
    if (state.q !== query || state.p !== caller) throw invalidCursor();
    if (state.e < this.now().getTime() / 1000)
      throw ScimError.expiredCursor('The cursor has expired; start again from the first page');
    if (count !== undefined && count !== state.n)
      throw ScimError.invalidCount(`count must stay ${state.n} for this cursor`);
    const position: CursorPosition =
      state.a !== undefined
        ? { after: state.a }
        : state.b !== undefined
          ? { before: state.b }
          : { offset: state.o ?? 0 };
    return { position, count: state.n };
  }
}

const MAX_TRACKED_CALLERS = 10_000;

/**
 * A fixed-window count of new cursor queries per caller (RFC 9865 §5.3). The table is bounded: when
 * it is full, the oldest windows are forgotten.
 */
export class CursorQuota {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly queries: number,
    private readonly windowSeconds: number,
    private readonly now: () => Date,
  ) {
    if (!(queries > 0) || !(windowSeconds > 0))
      throw new TypeError('pagination.cursorRateLimit needs positive queries and windowSeconds');
  }

  /** Counts one new cursor query, or throws 429 when the caller has used up its window. */
  take(caller: string): void {
    const now = this.now().getTime();
    const length = this.windowSeconds * 1000;
    let window = this.windows.get(caller);
    if (window === undefined || now - window.start >= length) {
      // Re-inserting keeps the map ordered by window start, oldest first.
      this.windows.delete(caller);
      window = { start: now, used: 0 };
      this.windows.set(caller, window);
      if (this.windows.size > MAX_TRACKED_CALLERS) this.prune();
    }
    if (window.used >= this.queries)
      throw ScimError.tooManyRequests(
        `At most ${this.queries} new cursor queries per ${this.windowSeconds} s; try again later`,
        (window.start + length - now) / 1000,
      );
    window.used++;
  }

  /** Windows are ordered by start, so the oldest (expired first) are the ones to forget. */
  private prune(): void {
    for (const caller of this.windows.keys()) {
      if (this.windows.size <= MAX_TRACKED_CALLERS) return;
      this.windows.delete(caller);
    }
  }
}
