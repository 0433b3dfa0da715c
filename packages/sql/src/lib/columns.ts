// What a resource puts beside its JSON document: the normalised columns identity providers look
// resources up by, its e-mail rows and its unique-value rows. Values are folded here, by the same
// functions the filter evaluator uses, so the database compares what the server would compare.
import { createHash } from 'node:crypto';
import {
  attributeValueKey,
  caseFold,
  COMMON_ATTRIBUTES,
  isJsonObject,
  parseDateTime,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';

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
  const userName = text(resource.userName);
  const displayName = text(resource.displayName);
  const meta = resource.meta ?? {};
  const created = parseDateTime(text(meta.created) ?? '') ?? 0;
  return {
    user_name: userName === null ? null : caseFold(userName),
    external_id: text(resource.externalId),
    display_name: displayName,
    display_name_folded: displayName === null ? null : caseFold(displayName),
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
      value: typeof email.value === 'string' ? caseFold(email.value) : null,
      type: typeof email.type === 'string' ? caseFold(email.type) : null,
      is_primary: email.primary === true ? 1 : 0,
    });
  }
  return rows;
}

/** A single-valued attribute the schema declares unique, and where it lives. */
export interface UniqueAttribute {
  readonly attribute: AttributeDefinition;
  readonly urn: string | undefined;
  readonly path: string;
}

const uniqueCache = new WeakMap<ScimResourceType, readonly UniqueAttribute[]>();

/** The unique attributes of a resource type, as the memory store indexes them. */
export function uniqueAttributesOf(resourceType: ScimResourceType): readonly UniqueAttribute[] {
  const cached = uniqueCache.get(resourceType);
  if (cached !== undefined) return cached;
  const found: UniqueAttribute[] = [];
  const add = (attributes: readonly AttributeDefinition[], urn: string | undefined) => {
    for (const attribute of attributes) {
      if (
        attribute.uniqueness === 'none' ||
        attribute.multiValued ||
        attribute.type === 'complex' ||
        attribute.name === 'id'
      )
        continue;
      found.push({
        attribute,
        urn,
        path: urn === undefined ? attribute.name : `${urn}:${attribute.name}`,
      });
    }
  };
  add([...COMMON_ATTRIBUTES, ...resourceType.schema.attributes], undefined);
  for (const extension of resourceType.schemaExtensions)
    add(extension.schema.attributes, extension.schema.id);
  uniqueCache.set(resourceType, found);
  return found;
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
    const key = attributeValueKey(unique.attribute, value);
    rows.push({
      attribute: unique.path,
      value_hash: createHash('sha256').update(key).digest('hex'),
    });
  }
  return rows;
}
