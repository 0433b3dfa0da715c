// A bounded, strict reading of a JSON request body, shared by the poll endpoint (RFC 8936 §2.2) and
// the SSF stream management endpoints. Each caller keeps its own size limit and its own refusals
// (a poll answers `PollError`s, management `SsfError`s), so they are passed in; the media type and
// what an empty body means stay with the caller, as the two differ.
import { readBodyBytes } from '@scim/server';

/**
 * The refusals of {@link readJsonBody}, each built by the caller so that it carries the caller's
 * status and wording: a body over the limit, one that is not UTF-8, one that is not JSON.
 * @example `{ tooLarge: () => invalid('too large'), notUtf8: () => invalid('not UTF-8'), notJson: () => invalid('not JSON') }`
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-8.1
 */
export interface JsonBodyRefusals {
  readonly tooLarge: () => Error;
  readonly notUtf8: () => Error;
  readonly notJson: () => Error;
}

// Decoding a whole buffer in one call keeps no state between calls, so one decoder serves all.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a request body of at most `maxBytes` bytes as UTF-8 JSON: refused before reading when its
 * declared length is over the limit, and chunk by chunk otherwise, so an undeclared (chunked) body is
 * refused before it is all buffered. Gives `undefined` for an absent or blank body, which each
 * caller reads its own way.
 * @example `const body = await readJsonBody(request, 65_536, refusals); // unknown, or undefined when blank`
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-8.1
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  refusals: JsonBodyRefusals,
): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw refusals.tooLarge();
  const bytes = await readBodyBytes(request, maxBytes);
  if (bytes === undefined) throw refusals.tooLarge();
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw refusals.notUtf8();
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw refusals.notJson();
  }
}
