import { ScimError, SCIM_MEDIA_TYPE } from '@scim/core';

/**
 * What executing an operation produced, before it is a `Response`: a bulk request reads its
 * operations' outcomes as they are, without serialising and parsing them again.
 */
export interface Outcome {
  readonly status: number;
  /** The JSON body; undefined for 204 and 304. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** A SCIM JSON outcome. */
export function scimJson(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Outcome {
  return { status, body, headers };
}

/** 204 (or 304) with headers and no body. */
export function noContent(headers: Readonly<Record<string, string>> = {}, status = 204): Outcome {
  return { status, body: undefined, headers };
}

/** The body text of the responses the handler made, for adapters that write it without reading its stream. */
const bodyTexts = new WeakMap<Response, string>();

/** The presentation step: an outcome as the HTTP response the client gets, named by its request id. */
export function toResponse(outcome: Outcome, requestId: string): Response {
  // A plain object, not a Headers: undici copies it in one pass, where a Headers is built and
  // then copied again.
  const headers: Record<string, string> = {};
  for (const name of Object.keys(outcome.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'x-request-id' || (lower === 'content-type' && outcome.body !== undefined))
      continue;
    headers[name] = outcome.headers[name] as string;
  }
  headers['x-request-id'] = requestId;
  if (outcome.body === undefined) return new Response(null, { status: outcome.status, headers });
  headers['content-type'] = SCIM_MEDIA_TYPE;
  const text = JSON.stringify(outcome.body);
  const response = new Response(text, { status: outcome.status, headers });
  bodyTexts.set(response, text);
  return response;
}

/** A protocol error as an outcome, the body `ScimError.toResponse()` would carry (RFC 7644 §3.12). */
export function errorOutcome(error: ScimError): Outcome {
  return { status: error.status, body: error.toJSON(), headers: error.headers };
}

/**
 * The body of a response `handler.fetch` returned, as text, without reading its stream; undefined
 * for a response without a body or one the handler did not make. A response whose stream was read
 * meanwhile (a wrapper that logged it) still gives its text, which is what the stream held.
 * Adapters write it directly: a Web stream costs more than a small SCIM response. (Asking the
 * Response whether its body was used, through undici's stream checks, took a third of what the
 * debug log record costs, so this does not.)
 * @example `const text = responseText(response) ?? Buffer.from(await response.arrayBuffer())`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.1
 */
export function responseText(response: Response): string | undefined {
  return bodyTexts.get(response);
}

const JSON_TYPES = new Set(['application/scim+json', 'application/json']);

/**
 * Reads a JSON request body: SCIM or plain JSON media type (415 otherwise, P-HTTP-03), at most
 * `maxBytes` (413), and well-formed (400 invalidSyntax, P-CRUD-06). `onText` is given the text
 * the value was parsed from and its size in bytes as read (the debug log record carries both).
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  onText?: (text: string, bytes: number) => void,
): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null) {
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!JSON_TYPES.has(mediaType)) {
      throw ScimError.unsupportedMediaType(
        `Content-Type must be application/scim+json or application/json, not ${mediaType}`,
      );
    }
  }
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = Number.isFinite(declared)
    ? await readDeclared(request, maxBytes)
    : await readUndeclared(request, maxBytes);
  const text = decoded(bytes);
  if (text.trim() === '') throw ScimError.invalidSyntax('The request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw ScimError.invalidSyntax('The request body is not valid JSON');
  }
  if (!withinDepth(parsed, MAX_DEPTH))
    throw ScimError.invalidSyntax(
      `The request body is nested deeper than ${MAX_DEPTH} levels; no SCIM message needs that`,
    );
  onText?.(text, bytes.byteLength);
  return parsed;
}

/**
 * The deepest nesting a body may have. The deepest SCIM message, a bulk operation's extension
 * attribute holding a multi-valued complex value, is about 8 levels; every later step may recurse.
 */
export const MAX_DEPTH = 64;

/** Walks with its own stack, so a hostile body cannot overflow the call stack here. */
function withinDepth(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return false;
    for (const child of Array.isArray(node) ? node : Object.values(node))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return true;
}

// Decoding a whole buffer in one call keeps no state between calls, so one decoder serves all.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A body whose declared length is within the limit, read in one call: an HTTP server's parser stops
 * the body at its Content-Length, and adapters (Hono's Node server) answer `arrayBuffer()` from the
 * socket without the Web stream that `request.body` would make. A body longer than it said is still
 * refused, once read.
 */
async function readDeclared(request: Request, maxBytes: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

/** A body of unknown length (chunked), read chunk by chunk and refused as soon as it is too large. */
async function readUndeclared(request: Request, maxBytes: number): Promise<Uint8Array> {
  const bytes = await readBodyBytes(request, maxBytes);
  if (bytes === undefined) throw tooLarge(maxBytes);
  return bytes;
}

/**
 * Reads a request body of at most `maxBytes` bytes, chunk by chunk, and stops (cancelling the
 * stream) as soon as it is larger: an undeclared (chunked) body is refused before it is buffered.
 * Resolves `undefined` when the body is too large, and no bytes when there is no body. For
 * endpoints beside the SCIM handler (an RFC 8936 poll endpoint, say) that bound their bodies alike.
 * @example `const bytes = await readBodyBytes(request, 1_048_576); if (bytes === undefined) return tooLarge();`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export async function readBodyBytes(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function decoded(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw ScimError.invalidSyntax('The request body is not valid UTF-8');
  }
}

function tooLarge(maxBytes: number): ScimError {
  return ScimError.payloadTooLarge(`The request body is larger than ${maxBytes} bytes`);
}
