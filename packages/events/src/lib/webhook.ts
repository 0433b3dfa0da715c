// Plain-JSON webhooks signed the way Stripe and WorkOS sign theirs: a header `t=<unix seconds>,
// v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is signed with the body, so an old delivery
// replayed later is refused by the tolerance window, and a receiver rotating secrets accepts any of
// its current ones.
//
// Web Crypto rather than node:crypto: `crypto.subtle` is global on Node 20 and on every runtime the
// adapters serve (Bun, Deno, Workers, Next's edge), and `subtle.verify` compares the HMAC itself in
// constant time, so no comparison of ours can leak how many leading bytes matched.
import { checkNumberOption } from './replay.js';

/**
 * Why a webhook delivery was refused:
 * - `malformed_header`: the signature header is missing, has no `t=` or no `v1=` signature, carries
 *   more than 8 `v1=` signatures, or is longer than 4,096 characters;
 * - `signature_mismatch`: no signature matches the body and timestamp under any of the secrets;
 * - `timestamp_out_of_tolerance`: the signed timestamp is further from now than the tolerance.
 * @example `if (!result.ok) return new Response(result.issues[0]?.message, { status: 400 })`
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export interface WebhookIssue {
  readonly code: 'malformed_header' | 'signature_mismatch' | 'timestamp_out_of_tolerance';
  readonly message: string;
}

/**
 * The outcome of {@link verifyWebhook}: the signed timestamp (unix seconds), or why it was refused.
 * @example `const result = await verifyWebhook(header, body, [secret]); if (result.ok) handle(JSON.parse(body));`
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export type WebhookVerifyResult =
  | { readonly ok: true; readonly value: { readonly timestamp: number } }
  | { readonly ok: false; readonly issues: readonly WebhookIssue[] };

/** The default tolerance: five minutes either side of the receiver's clock. */
const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * The most `v1=` signatures one header may carry, and its longest length. A sender signs with one
 * secret per rotation step, so a few are plenty; each extra one costs an HMAC per receiver secret, so
 * an unbounded list would let any client make the receiver spend time on it.
 */
const MAX_SIGNATURES = 8;
const MAX_HEADER_LENGTH = 4096;

const encoder = new TextEncoder();

/**
 * Signs a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with one `v1` per
 * secret when several are given (while a receiver moves from the old secret to the new one).
 * @example
 * ```ts
 * const body = JSON.stringify(event);
 * const signature = await signWebhook(body, process.env.WEBHOOK_SECRET!);
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'scim-signature': signature }, body });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export async function signWebhook(
  body: string | Uint8Array,
  secret: string | readonly string[],
  timestamp: Date | number = new Date(),
): Promise<string> {
  const secrets = secretsOf(secret);
  const t = typeof timestamp === 'number' ? timestamp : Math.floor(timestamp.getTime() / 1000);
  if (!Number.isSafeInteger(t) || t < 0)
    throw new RangeError(`A webhook timestamp is whole seconds since the epoch, not ${t}`);
  const data = signedBytes(t, body);
  const signatures = await Promise.all(
    secrets.map(async (s) => toHex(await crypto.subtle.sign('HMAC', await hmacKey(s), data))),
  );
  return [`t=${t}`, ...signatures.map((signature) => `v1=${signature}`)].join(',');
}

/**
 * Verifies a webhook's signature header against the exact body received and any of the receiver's
 * secrets (several while rotating), and that its timestamp is within the tolerance of now (default
 * 300 seconds), so that a captured delivery cannot be replayed later. Comparison is constant-time.
 * A header with more than 8 signatures, or longer than 4,096 characters, is `malformed_header`. A
 * tolerance that is not a finite number ≥ 0 is a RangeError, as it would accept any timestamp.
 * @example
 * ```ts
 * const body = await request.text(); // the raw body: re-serialised JSON would not match
 * const result = await verifyWebhook(request.headers.get('scim-signature'), body, [current, previous]);
 * if (!result.ok) return new Response(null, { status: 400 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export async function verifyWebhook(
  header: string | null | undefined,
  body: string | Uint8Array,
  secrets: readonly string[],
  options: {
    /** Seconds the signed timestamp may differ from now, either way (default 300). */
    readonly toleranceSeconds?: number;
    readonly now?: () => Date;
  } = {},
): Promise<WebhookVerifyResult> {
  const keys = secretsOf(secrets);
  const tolerance = checkNumberOption(
    'verifyWebhook',
    'toleranceSeconds',
    options.toleranceSeconds,
    DEFAULT_TOLERANCE_SECONDS,
  );
  const now = Math.floor((options.now ?? (() => new Date()))().getTime() / 1000);
  if (!Number.isFinite(now)) throw new RangeError('verifyWebhook: the clock gave an invalid Date');
  const text = header ?? '';
  if (text.length > MAX_HEADER_LENGTH)
    return refuse(
      'malformed_header',
      `The signature header is longer than ${MAX_HEADER_LENGTH} characters`,
    );
  const parsed = parseHeader(text);
  if (parsed === 'too_many')
    return refuse(
      'malformed_header',
      `The signature header carries more than ${MAX_SIGNATURES} v1 signatures`,
    );
  if (parsed === undefined)
    return refuse('malformed_header', 'The signature header needs t=<seconds> and v1=<hex>');
  const data = signedBytes(parsed.timestamp, body);
  let matched = false;
  for (const secret of keys) {
    const key = await hmacKey(secret);
    for (const signature of parsed.signatures)
      if (await crypto.subtle.verify('HMAC', key, signature, data)) matched = true;
  }
  if (!matched) return refuse('signature_mismatch', 'No signature matches the body');
  if (Math.abs(now - parsed.timestamp) > tolerance)
    return refuse(
      'timestamp_out_of_tolerance',
      `The signature is from ${parsed.timestamp}, more than ${tolerance} seconds from now (${now})`,
    );
  return { ok: true, value: { timestamp: parsed.timestamp } };
}

function secretsOf(secret: string | readonly string[]): readonly string[] {
  const list = typeof secret === 'string' ? [secret] : secret;
  if (list.length === 0) throw new TypeError('Webhook signing needs at least one secret');
  if (list.some((s) => typeof s !== 'string' || s === ''))
    throw new TypeError('A webhook secret is a non-empty string');
  return list;
}

/**
 * `t=…` once and `v1=…` one to eight times, comma-separated; other schemes are ignored. `too_many`
 * when there are more signatures, checked before any is decoded.
 */
function parseHeader(
  header: string,
):
  | { readonly timestamp: number; readonly signatures: Uint8Array<ArrayBuffer>[] }
  | 'too_many'
  | undefined {
  let timestamp: number | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (name === 't') {
      if (timestamp !== undefined || !/^\d{1,15}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (name === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) {
      if (signatures.length === MAX_SIGNATURES) return 'too_many';
      signatures.push(fromHex(value));
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/** The bytes signed: `<t>.` followed by the body's exact bytes. */
function signedBytes(timestamp: number, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.`);
  const content = typeof body === 'string' ? encoder.encode(body) : body;
  const data = new Uint8Array(prefix.length + content.length);
  data.set(prefix, 0);
  data.set(content, prefix.length);
  return data;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function refuse(code: WebhookIssue['code'], message: string): WebhookVerifyResult {
  return { ok: false, issues: [{ code, message }] };
}
