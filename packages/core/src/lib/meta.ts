import { stableStringify } from './json.js';
import { formatDateTime, parseDateTime } from './values.js';
import type { ScimMeta, ScimResource } from './schemas/infer.js';

/**
 * A weak entity tag for a resource (RFC 7644 §3.14): a hash of the resource without `meta`, so it is
 * equal for equal data whatever the key order, and changes whenever the data does.
 * @example `computeETag({ schemas: [USER_SCHEMA_URN], id: '1', userName: 'bjensen' }) // 'W/"…"'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.14
 */
export function computeETag(resource: ScimResource): string {
  const { meta: _meta, ...data } = resource;
  return `W/"${hash128(stableStringify(data))}"`;
}

/**
 * The inputs of {@link createMeta}; times may be `Date`s or xsd:dateTime strings.
 * @example `{ resourceType: 'User', created: new Date(), location: 'https://example.com/scim/v2/Users/1' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3.1
 */
export interface MetaInput {
  readonly resourceType: string;
  readonly created: Date | string;
  /** Defaults to `created` (checklist S-COMMON-12). */
  readonly lastModified?: Date | string | undefined;
  readonly location?: string | undefined;
  readonly version?: string | undefined;
}

/**
 * Builds the `meta` attribute (RFC 7643 §3.1) with times as xsd:dateTime strings.
 * @example
 * ```ts
 * const meta = createMeta({ resourceType: 'User', created: new Date(), location });
 * const stored = { ...user, meta: { ...meta, version: computeETag(user) } };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3.1
 */
export function createMeta(input: MetaInput): ScimMeta {
  const created = toDateTime(input.created);
  const meta: ScimMeta = {
    resourceType: input.resourceType,
    created,
    lastModified: input.lastModified === undefined ? created : toDateTime(input.lastModified),
  };
  if (input.location !== undefined) meta.location = input.location;
  if (input.version !== undefined) meta.version = input.version;
  return meta;
}

/**
 * Returns the resource with a fresh `meta`: the given times and location, and `version` set to
 * {@link computeETag} of the data.
 * @example `const response = withMeta(user, { resourceType: 'User', created, lastModified: new Date(), location })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3.1
 */
export function withMeta<T extends ScimResource>(
  resource: T,
  input: Omit<MetaInput, 'version'>,
): T {
  return { ...resource, meta: createMeta({ ...input, version: computeETag(resource) }) };
}

/**
 * The `lastModified` of a write proposed at `proposed` (an xsd:dateTime) over a version last
 * modified at `previous`: `proposed`, unless `previous` is not earlier, then 1 ms after `previous`.
 * A resource's `lastModified` so only ever grows, even when the instances behind one load balancer
 * have clocks a few milliseconds to seconds apart: a client or an RFC 9967 receiver comparing times
 * never takes the newer version for the older. A `previous` that is missing or not a dateTime
 * leaves `proposed` as it is.
 * @example `nextLastModified('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.000Z') // '2026-01-01T00:00:02.001Z'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3.1
 */
export function nextLastModified(proposed: string, previous: unknown): string {
  const last = typeof previous === 'string' ? parseDateTime(previous) : undefined;
  const at = parseDateTime(proposed);
  if (last === undefined || at === undefined || at > last) return proposed;
  return formatDateTime(last + 1);
}

function toDateTime(value: Date | string): string {
  return typeof value === 'string' ? value : formatDateTime(value);
}

// Two independent 53-bit hashes (cyrb53 construction) over UTF-16 code units; 106 bits make a
// collision between two versions of one resource negligible, and need no crypto API.
function hash128(text: string): string {
  return (
    hash53(text, 0x9e3779b1).toString(16).padStart(14, '0') +
    hash53(text, 0x85ebca77).toString(16).padStart(14, '0')
  );
}

function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
