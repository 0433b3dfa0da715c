// Reading and checking the body of a poll request (RFC 8936 §2.2): a small JSON object, read with a
// size cap before it is parsed, each member checked for its type. Refusals are `PollError`s the
// endpoint answers with as they are.
import { JSON_MEDIA_TYPE } from '@scim/core';
import { readJsonBody } from './json-body.js';
import { invalid, PollError } from './poll-error.js';

/** A poll request is a few small members; anything near this size is a mistake or an attack. */
const MAX_BODY_BYTES = 1_048_576;
/** The most `ack` entries, and the most `setErrs` members, one request may carry. */
const MAX_LISTED_JTIS = 1_000;
/** A `jti` longer than this is no SET this transmitter issued. */
const MAX_JTI_CHARS = 256;
/** Keys that could reach an object's prototype if the parsed body were ever merged or copied. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** An RFC 8935 §2.4 error code as a receiver may spell it: printable ASCII without spaces. */
const ERROR_CODE_PATTERN = /^[\x21-\x7e]{1,100}$/;

/** A poll request as RFC 8936 §2.2 defines it, checked. */
export interface PollRequest {
  /** Already capped at `maxEventsLimit`. */
  readonly maxEvents: number;
  readonly returnImmediately: boolean;
  readonly ack: readonly string[];
  readonly setErrs: ReadonlyMap<string, { readonly err: string; readonly description: string }>;
}

/**
 * The request body as text: at most 1 MiB, UTF-8, of a JSON media type when one is declared. An
 * empty body is a poll with every member left out.
 */
export async function readBody(request: Request): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null) {
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (mediaType !== JSON_MEDIA_TYPE && !mediaType.endsWith('+json'))
      throw new PollError(415, 'invalid_request', `Send the poll request as ${JSON_MEDIA_TYPE}`);
  }
  const body = await readJsonBody(request, MAX_BODY_BYTES, {
    tooLarge,
    notUtf8: () => invalid('The request body is not UTF-8'),
    notJson: () => invalid('The request body is not JSON'),
  });
  return body === undefined ? {} : body;
}

/**
 * Checks a poll request (RFC 8936 §2.2): every member is optional, and each present one must have
 * its type. Members this version does not know are ignored, as later specifications may add some.
 */
export function parsePollRequest(body: unknown, maxEventsLimit: number): PollRequest {
  const members = objectOf(body, 'The poll request');
  const { maxEvents, returnImmediately, ack, setErrs } = members;
  if (
    maxEvents !== undefined &&
    (typeof maxEvents !== 'number' || !Number.isInteger(maxEvents) || maxEvents < 0)
  )
    throw invalid('maxEvents must be an integer of 0 or more');
  if (returnImmediately !== undefined && typeof returnImmediately !== 'boolean')
    throw invalid('returnImmediately must be true or false');
  const acknowledged = parseAck(ack);
  const errors = parseSetErrs(setErrs);
  for (const jti of acknowledged)
    if (errors.has(jti))
      throw invalid(`SET ${JSON.stringify(jti)} is both acknowledged and reported as an error`);
  return {
    // The transmitter "SHOULD NOT send more SETs than the specified maximum" and may send fewer.
    maxEvents: Math.min(maxEvents ?? maxEventsLimit, maxEventsLimit),
    returnImmediately: returnImmediately === true,
    ack: acknowledged,
    setErrs: errors,
  };
}

function parseAck(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('ack must be an array of jti strings');
  if (value.length > MAX_LISTED_JTIS)
    throw invalid(`ack lists more than ${MAX_LISTED_JTIS} SETs; acknowledge them in several polls`);
  const jtis = new Set<string>();
  for (const item of value as readonly unknown[]) jtis.add(jtiOf(item, 'ack'));
  return [...jtis];
}

function parseSetErrs(
  value: unknown,
): ReadonlyMap<string, { readonly err: string; readonly description: string }> {
  const errors = new Map<string, { readonly err: string; readonly description: string }>();
  if (value === undefined) return errors;
  const members = objectOf(value, 'setErrs');
  const entries = Object.entries(members);
  if (entries.length > MAX_LISTED_JTIS)
    throw invalid(
      `setErrs reports more than ${MAX_LISTED_JTIS} SETs; report them in several polls`,
    );
  for (const [key, report] of entries) {
    const jti = jtiOf(key, 'setErrs');
    const { err, description } = objectOf(report, `setErrs[${JSON.stringify(jti)}]`);
    if (typeof err !== 'string' || !ERROR_CODE_PATTERN.test(err))
      throw invalid(
        `setErrs[${JSON.stringify(jti)}].err must be an error code such as "invalid_key"`,
      );
    if (description !== undefined && typeof description !== 'string')
      throw invalid(`setErrs[${JSON.stringify(jti)}].description must be a string`);
    errors.set(jti, { err, description: description ?? '' });
  }
  return errors;
}

/** A JSON object's members; refuses keys that name a prototype, which no poll member needs. */
function objectOf(value: unknown, name: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${name} must be a JSON object`);
  for (const key of Object.keys(value))
    if (FORBIDDEN_KEYS.has(key)) throw invalid(`${name} has a forbidden member "${key}"`);
  return value as Readonly<Record<string, unknown>>;
}

function jtiOf(value: unknown, member: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_JTI_CHARS)
    throw invalid(`${member} holds a jti that is not a string of 1 to ${MAX_JTI_CHARS} characters`);
  return value;
}

function tooLarge(): PollError {
  return new PollError(
    413,
    'invalid_request',
    `The poll request is larger than ${MAX_BODY_BYTES} bytes`,
  );
}
