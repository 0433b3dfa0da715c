// The Shared Signals stream management messages on the wire (snake_case, SSF 1.0 §8.1) and the
// typed requests they parse to. Parsing refuses every malformed member with a 400 naming it, before
// the first store call; rendering turns a stored EventStream (camelCase) into the stream
// configuration a receiver reads.
import { POLL_DELIVERY_METHOD, PUSH_DELIVERY_METHOD, SCIM_SUBJECT_FORMAT } from '@scim/core';
import { invalid } from './ssf-http.js';
import type { EventStream, StreamStatus } from './streams.js';

/**
 * The delivery a receiver asked for: push to its `endpoint_url` (with the bearer token of its
 * `authorization_header`, if any), or poll from the endpoint the transmitter assigns (SSF 1.0 §6.1).
 * @example `{ method: 'push', endpointUrl: 'https://receiver.example.com/events', token: undefined }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#delivery-meta
 */
export type DeliveryRequest =
  | { readonly method: 'push'; readonly endpointUrl: string; readonly token: string | undefined }
  | { readonly method: 'poll' };

/**
 * A create, update (PATCH) or replace (PUT) body: the receiver-supplied members it carries, and the
 * transmitter-supplied ones, which an update or replacement must echo unchanged (SSF 1.0 §8.1.1.3).
 * @example `{ streamId: undefined, delivery: { method: 'poll' }, eventsRequested: [uri], description: undefined, transmitterSupplied: {} }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#stream-config
 */
export interface StreamConfigRequest {
  readonly streamId: string | undefined;
  readonly delivery: DeliveryRequest | undefined;
  readonly eventsRequested: readonly string[] | undefined;
  readonly description: string | undefined;
  readonly transmitterSupplied: Readonly<Record<string, unknown>>;
}

/** The members the transmitter sets (SSF 1.0 §8.1.1); stream_id is read on its own. */
const TRANSMITTER_SUPPLIED = [
  'iss',
  'aud',
  'events_supported',
  'events_delivered',
  'min_verification_interval',
  'inactivity_timeout',
] as const;

const MAX_ID_LENGTH = 256;
const MAX_URI_LENGTH = 2048;
const MAX_EVENT_URIS = 256;
const MAX_TEXT_LENGTH = 1024;
const MAX_HEADER_LENGTH = 4096;
/** SSF 1.0 §8.1.1 lets the transmitter truncate a long description. */
const MAX_DESCRIPTION_LENGTH = 1024;
/** An RFC 6750 §2.1 bearer token (b64token), so the stored header can hold no CR or LF. */
const BEARER_HEADER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
/** A SCIM subject's `uri`: a resource endpoint and an id, relative to the base URI (RFC 9967 §2.1). */
const SCIM_SUBJECT_URI = /^\/[A-Za-z][A-Za-z0-9_-]*\/[^/?#\s]+$/;

/**
 * Parses a stream configuration body. `create` ignores transmitter-supplied members and `stream_id`;
 * `update` and `replace` require `stream_id`, and `replace` requires `delivery` (all receiver-supplied
 * members must be present in a PUT, SSF 1.0 §8.1.1.4).
 * @example `const input = parseStreamConfig(body, 'update'); // 400 SsfError on a malformed member`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#stream-config
 */
export function parseStreamConfig(
  body: Record<string, unknown>,
  mode: 'create' | 'update' | 'replace',
): StreamConfigRequest {
  const streamId = mode === 'create' ? undefined : requiredId(body);
  const delivery = body.delivery === undefined ? undefined : parseDelivery(body.delivery);
  if (mode === 'replace' && delivery === undefined)
    throw invalid('"delivery" is required: a replacement carries every receiver-supplied member');
  const description = optionalText(body, 'description', Number.POSITIVE_INFINITY);
  const transmitterSupplied: Record<string, unknown> = {};
  if (mode !== 'create')
    for (const name of TRANSMITTER_SUPPLIED)
      if (body[name] !== undefined) transmitterSupplied[name] = body[name];
  return {
    streamId,
    delivery,
    eventsRequested: parseEventsRequested(body.events_requested),
    description:
      description === undefined
        ? undefined
        : Array.from(description).slice(0, MAX_DESCRIPTION_LENGTH).join(''),
    transmitterSupplied,
  };
}

/**
 * Parses a status update (SSF 1.0 §8.1.2.2): `stream_id`, `status` and an optional `reason`.
 * @example `parseStatusUpdate({ stream_id: 'f67e39a0', status: 'paused' }) // { streamId, status, reason: undefined }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#updating-a-streams-status
 */
export function parseStatusUpdate(body: Record<string, unknown>): {
  readonly streamId: string;
  readonly status: StreamStatus;
  readonly reason: string | undefined;
} {
  const streamId = requiredId(body);
  const { status } = body;
  if (status !== 'enabled' && status !== 'paused' && status !== 'disabled')
    throw invalid('"status" must be "enabled", "paused" or "disabled"');
  return { streamId, status, reason: optionalText(body, 'reason', MAX_TEXT_LENGTH) };
}

/**
 * Parses an add or remove subject request (SSF 1.0 §8.1.3.2, §8.1.3.3). Only SCIM subjects are
 * accepted, `{ "format": "scim", "uri": "/Users/{id}" }` (RFC 9967 §2.1): those are what this
 * transmitter's events are about.
 * @example `parseSubjectRequest({ stream_id, subject: { format: 'scim', uri: '/Users/2819c223' } }).uri`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#adding-a-subject-to-a-stream
 */
export function parseSubjectRequest(body: Record<string, unknown>): {
  readonly streamId: string;
  readonly uri: string;
} {
  const streamId = requiredId(body);
  if (body.verified !== undefined && typeof body.verified !== 'boolean')
    throw invalid('"verified" must be a boolean');
  const { subject } = body;
  if (!isRecord(subject)) throw invalid('"subject" must be a subject identifier object');
  if (subject.format !== SCIM_SUBJECT_FORMAT)
    throw invalid(
      `The subject format ${JSON.stringify(subject.format ?? null)} is not supported; this transmitter's events are about SCIM resources: {"format":"${SCIM_SUBJECT_FORMAT}","uri":"/Users/{id}"}`,
    );
  const { uri } = subject;
  if (typeof uri !== 'string' || uri.length > MAX_URI_LENGTH || !SCIM_SUBJECT_URI.test(uri))
    throw invalid('"subject.uri" must be a resource path such as "/Users/2819c223"');
  if (subject.externalId !== undefined && typeof subject.externalId !== 'string')
    throw invalid('"subject.externalId" must be a string');
  return { streamId, uri };
}

/**
 * Parses a verification request (SSF 1.0 §8.1.4.2): `stream_id` and an optional `state`.
 * @example `parseVerificationRequest({ stream_id, state: 'VGhpcyBpcyBh' }).state`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#triggering-a-verification-event
 */
export function parseVerificationRequest(body: Record<string, unknown>): {
  readonly streamId: string;
  readonly state: string | undefined;
} {
  return { streamId: requiredId(body), state: optionalText(body, 'state', MAX_TEXT_LENGTH) };
}

/**
 * The `stream_id` query parameter: absent is undefined, given twice or empty is a 400.
 * @example `streamIdParam(new URL('https://t.example/ssf/stream?stream_id=f67e39a0')) // 'f67e39a0'`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#reading-a-streams-configuration
 */
export function streamIdParam(url: URL): string | undefined {
  const values = url.searchParams.getAll('stream_id');
  if (values.length === 0) return undefined;
  const [value] = values;
  if (values.length > 1 || value === undefined || value === '' || value.length > MAX_ID_LENGTH)
    throw invalid('"stream_id" must be given once, as a non-empty string');
  return value;
}

/**
 * What a stream configuration shows beyond the stored stream: the issuer, the events supported,
 * where a poll stream is polled, and the least time between verification requests.
 * @example `{ issuer, eventsSupported: SCIM_EVENT_URIS, pollEndpointUrl, minVerificationInterval: 30 }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#stream-config
 */
export interface StreamView {
  readonly issuer: string;
  readonly eventsSupported: readonly string[];
  readonly pollEndpointUrl: ((streamId: string, tenant: string | undefined) => string) | undefined;
  readonly minVerificationInterval: number;
}

/**
 * A stored stream as the stream configuration a receiver reads (SSF 1.0 §8.1.1). A push stream's
 * `authorization_header` is never shown, nor its `endpoint_url`'s query and fragment: they are
 * secrets (an `?api_key=…`), given once.
 * @example `json(toStreamConfig(stream, view), 201)`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#stream-config
 */
export function toStreamConfig(stream: EventStream, view: StreamView): Record<string, unknown> {
  const { delivery } = stream;
  const pollUrl =
    delivery.method === 'poll' ? view.pollEndpointUrl?.(stream.id, stream.tenant) : undefined;
  return {
    stream_id: stream.id,
    iss: view.issuer,
    aud: stream.audience,
    delivery:
      delivery.method === 'push'
        ? { method: PUSH_DELIVERY_METHOD, endpoint_url: shownEndpointUrl(delivery.endpointUrl) }
        : { method: POLL_DELIVERY_METHOD, ...(pollUrl !== undefined && { endpoint_url: pollUrl }) },
    events_supported: view.eventsSupported,
    ...(stream.eventsRequested.length > 0 && { events_requested: stream.eventsRequested }),
    events_delivered: eventsDelivered(stream.eventsRequested, view.eventsSupported),
    ...(stream.description !== undefined && { description: stream.description }),
    min_verification_interval: view.minVerificationInterval,
  };
}

/**
 * A push endpoint as a stream configuration shows it: without query and fragment, where tokens
 * travel. Sent back unchanged in an update, it stands for the stored URL.
 * @example `shownEndpointUrl('https://rx.example.com/events?api_key=k1') // 'https://rx.example.com/events'`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#stream-config
 */
export function shownEndpointUrl(endpointUrl: string): string {
  const cut = endpointUrl.search(/[?#]/);
  return cut === -1 ? endpointUrl : endpointUrl.slice(0, cut);
}

/**
 * The events a stream delivers: those requested that are supported, in the order requested; every
 * supported event when none was requested (SSF 1.0 §8.1.1: a subset of the intersection, and
 * unknown requested URIs are ignored).
 * @example `eventsDelivered([a, unknown], [a, b]) // [a]`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#stream-config
 */
export function eventsDelivered(
  requested: readonly string[],
  supported: readonly string[],
): readonly string[] {
  if (requested.length === 0) return supported;
  const known = new Set(supported);
  return requested.filter((uri) => known.has(uri));
}

/**
 * Whether a transmitter-supplied member sent in an update equals the stream's current value:
 * arrays (and a lone string against a one-element array, for `aud`) compare as sets.
 * @example `sameMember(['b', 'a'], ['a', 'b']) // true`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#updating-a-streams-configuration
 */
export function sameMember(sent: unknown, current: unknown): boolean {
  const asList = (value: unknown): unknown[] | undefined =>
    Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
  const a = asList(sent);
  const b = asList(current);
  if (a !== undefined && b !== undefined) {
    if (!a.every((item) => typeof item === 'string')) return false;
    const left = new Set(a);
    const right = new Set(b);
    return left.size === right.size && [...left].every((item) => right.has(item));
  }
  return sent === current;
}

function parseDelivery(value: unknown): DeliveryRequest {
  if (!isRecord(value)) throw invalid('"delivery" must be an object with a "method"');
  const { method } = value;
  if (method === POLL_DELIVERY_METHOD) return { method: 'poll' };
  if (method !== PUSH_DELIVERY_METHOD)
    throw invalid(
      `The delivery method ${JSON.stringify(method ?? null)} is not supported; use "${PUSH_DELIVERY_METHOD}" (push) or "${POLL_DELIVERY_METHOD}" (poll)`,
    );
  const endpointUrl = value.endpoint_url;
  if (typeof endpointUrl !== 'string' || endpointUrl === '' || endpointUrl.length > MAX_URI_LENGTH)
    throw invalid('"delivery.endpoint_url" must be the receiver\'s URL for push delivery');
  const header = value.authorization_header;
  if (header === undefined) return { method: 'push', endpointUrl, token: undefined };
  const token =
    typeof header === 'string' && header.length <= MAX_HEADER_LENGTH
      ? BEARER_HEADER.exec(header)?.[1]
      : undefined;
  if (token === undefined)
    throw invalid('"delivery.authorization_header" must be "Bearer <token>"');
  return { method: 'push', endpointUrl, token };
}

function parseEventsRequested(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > MAX_EVENT_URIS ||
    !value.every((uri) => typeof uri === 'string' && uri !== '' && uri.length <= MAX_URI_LENGTH)
  )
    throw invalid(
      `"events_requested" must be an array of at most ${MAX_EVENT_URIS} event type URIs`,
    );
  // Empty would read as "every event" in the store; SSF 1.0 §8.1.1 says it should not be empty.
  if (value.length === 0)
    throw invalid('"events_requested" must not be empty; omit it to receive every supported event');
  return [...new Set(value as string[])];
}

function requiredId(body: Record<string, unknown>): string {
  const id = body.stream_id;
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH)
    throw invalid('"stream_id" is required, as a non-empty string');
  return id;
}

function optionalText(
  body: Record<string, unknown>,
  name: string,
  maxLength: number,
): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`"${name}" must be a string`);
  if (value.length > maxLength) throw invalid(`"${name}" is longer than ${maxLength} characters`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
