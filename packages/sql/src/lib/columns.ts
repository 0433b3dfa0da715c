// What a resource puts beside its JSON document: the normalised columns identity providers look
// resources up by, its e-mail rows and its unique-value rows. Values are folded here, by the same
// functions the filter evaluator uses, so the database compares what the server would compare.
import { createHash } from 'node:crypto';
import {
  attributeValueKey,
  caseFold,
  isJsonObject,
  parseDateTime,
  ScimError,
  type ScimResource,
  type UniqueAttribute,
} from '@scim/core';

// PostgreSQL refuses U+0000 in text, and the drivers send an unpaired surrogate as U+FFFD, so such a
// value in a column would fail the write or compare equal to another. With the `u` flag a surrogate
// pair is one code point, so only an unpaired surrogate matches.
// eslint-disable-next-line no-control-regex -- U+0000 is what PostgreSQL cannot store
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
const UNPAIRED = /[\uD800-\uDFFF]/u;

/** Whether every dialect stores and compares `text` as it is. */
export function isStorable(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/**
 * The longest value an indexed column holds, in UTF-8 bytes: a PostgreSQL B-tree entry holds at most
 * 2,704 bytes (the tenant and resource type included), and a MySQL TEXT 65,535.
 */
export const MAX_COLUMN_BYTES = 2_000;

/**
 * A column value as stored (case-folded where the column is), refused with 400 when no dialect
 * could store it faithfully or index it: the same limits on every database, so a directory moves
 * from SQLite to PostgreSQL without surprises.
 */
function storable(text: string | null, attribute: string, fold: boolean): string | null {
  if (text === null) return null;
  if (!isStorable(text))
    throw ScimError.invalidValue(
      `Attribute '${attribute}' holds U+0000 or an unpaired surrogate, which this storage cannot store`,
    );
  const value = fold ? caseFold(text) : text;
  // Cheap first: a string of n UTF-16 units has at most 3n UTF-8 bytes.
  if (value.length * 3 > MAX_COLUMN_BYTES && Buffer.byteLength(value) > MAX_COLUMN_BYTES)
    throw ScimError.invalidValue(
      `Attribute '${attribute}' is longer than this storage indexes (${MAX_COLUMN_BYTES} bytes of UTF-8)`,
    );
  return value;
}

/**
 * A normalised column: the core attribute it holds, and whether it holds the value case-folded (an
 * attribute whose schema is not caseExact) or as it is.
 */
export interface ColumnSpec {
  readonly attribute: string;
  readonly column: 'id' | 'user_name' | 'external_id' | 'display_name_folded';
  readonly folded: boolean;
}

export const COLUMNS: readonly ColumnSpec[] = [
  { attribute: 'id', column: 'id', folded: false },
  { attribute: 'username', column: 'user_name', folded: true },
  { attribute: 'externalid', column: 'external_id', folded: false },
  { attribute: 'displayname', column: 'display_name_folded', folded: true },
];

export interface ResourceRow {
  readonly user_name: string | null;
  readonly external_id: string | null;
  readonly display_name: string | null;
  readonly display_name_folded: string | null;
  readonly active: number | null;
  readonly version: string | null;
  readonly created_ms: number;
  readonly modified_ms: number;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The columns of one resource row, besides its keys and document. */
export function rowOf(resource: ScimResource): ResourceRow {
  const displayName = text(resource.displayName);
  const meta = resource.meta ?? {};
  const created = parseDateTime(text(meta.created) ?? '') ?? 0;
  return {
    user_name: storable(text(resource.userName), 'userName', true),
    external_id: storable(text(resource.externalId), 'externalId', false),
    display_name: storable(displayName, 'displayName', false),
    display_name_folded: storable(displayName, 'displayName', true),
    active: typeof resource.active === 'boolean' ? (resource.active ? 1 : 0) : null,
    version: text(meta.version),
    created_ms: created,
    modified_ms: parseDateTime(text(meta.lastModified) ?? '') ?? created,
  };
}

export interface EmailRow {
  readonly value: string | null;
  readonly type: string | null;
  readonly is_primary: number;
}

/**
 * One row per e-mail element (every object, so a value filter on `type` alone sees it too): folded
 * value and type where they are strings, and whether `primary` is true.
 */
export function emailRowsOf(resource: ScimResource): EmailRow[] {
  const emails = resource.emails;
  if (!Array.isArray(emails)) return [];
  const rows: EmailRow[] = [];
  for (const email of emails) {
    if (!isJsonObject(email)) continue;
    rows.push({
      value: storable(text(email.value), 'emails.value', true),
      type: storable(text(email.type), 'emails.type', true),
      is_primary: email.primary === true ? 1 : 0,
    });
  }
  return rows;
}

export interface UniqueRow {
  readonly attribute: string;
  readonly value_hash: string;
}

/**
 * One row per unique attribute the resource has a value for: the SHA-256 of the value's comparison
 * key (case-folded unless caseExact), so a constraint on it refuses a value that differs only in case.
 */
export function uniqueRowsOf(
  resource: ScimResource,
  attributes: readonly UniqueAttribute[],
): UniqueRow[] {
  const rows: UniqueRow[] = [];
  for (const unique of attributes) {
    const holder = unique.urn === undefined ? resource : resource[unique.urn];
    if (!isJsonObject(holder)) continue;
    const value = holder[unique.attribute.name];
    if (value === undefined || value === null || value === '') continue;
    rows.push({
      attribute: unique.path,
      value_hash: hashOf(attributeValueKey(unique.attribute, value)),
    });
  }
  return rows;
}

/**
 * The SHA-256 of a comparison key's UTF-8. UTF-8 has no form for an unpaired surrogate (Node writes
 * U+FFFD, so `a\uD800` and `a\uFFFD` would collide): such a key is hashed as UTF-16 behind a 0xFF
 * byte, which no UTF-8 text holds, so it collides with nothing.
 */
function hashOf(key: string): string {
  const hash = createHash('sha256');
  if (!UNPAIRED.test(key)) hash.update(key);
  else hash.update(Buffer.from([0xff])).update(Buffer.from(key, 'utf16le'));
  return hash.digest('hex');
}
