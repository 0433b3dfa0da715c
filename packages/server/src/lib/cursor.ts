// RFC 9865 cursors: opaque, URL-safe, signed, bound to the query and the caller, and expiring.
import { ScimError } from '@scim/core';

interface CursorState {
  /** Offset of the page's first resource. */
  readonly o: number;
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

  async issue(offset: number, count: number, query: string, caller: string): Promise<string> {
    const state: CursorState = {
      o: offset,
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

  /** The offset a cursor stands for; forged, foreign or stale cursors are refused (RFC 9865 §2.1, §5.2). */
  async open(
    cursor: string,
    count: number | undefined,
    query: string,
    caller: string,
  ): Promise<CursorState> {
    const [payload, signature, extra] = cursor.split('.');
    let state: CursorState;
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
      state = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as CursorState;
    } catch {
      throw ScimError.invalidCursor('The cursor is not valid');
    }
    // The same answer for another caller's cursor as for a forged one: nothing about it is revealed.
    if (state.q !== query || state.p !== caller)
      throw ScimError.invalidCursor('The cursor is not valid');
    if (state.e < this.now().getTime() / 1000)
      throw ScimError.expiredCursor('The cursor has expired; start again from the first page');
    if (count !== undefined && count !== state.n)
      throw ScimError.invalidCount(`count must stay ${state.n} for this cursor`);
    return state;
  }
}
