// Ordering resources by one attribute, as RFC 7644 §3.4.2.3 asks.
import {
  caseFold,
  isCaseExact,
  parseDateTime,
  type ResolvedAttributePath,
  type ScimResource,
  isJsonObject,
} from '@scim/core';
import { compareCodePoints, type BoundAttribute } from '@scim/filter';

/** A resolved `sortBy` path as the bound attribute a `StoreSort` carries. */
export function sortAttribute(resolved: ResolvedAttributePath): BoundAttribute {
  const { attribute, subAttribute, schema, isExtension, path } = resolved;
  return {
    kind: 'attribute',
    schema,
    isExtension,
    attribute,
    subAttribute,
    implicitValue: false,
    path,
  };
}

/** The value a resource sorts by: a multi-valued attribute sorts by its primary value, else its first (P-SORT-04). */
export function sortValue(resource: ScimResource, bound: BoundAttribute): unknown {
  const attribute = bound.attribute;
  if (attribute === undefined) return undefined;
  const holder = bound.isExtension ? resource[bound.schema] : resource;
  if (!isJsonObject(holder)) return undefined;
  let value: unknown = holder[attribute.name];
  if (Array.isArray(value))
    value = value.find((item) => isJsonObject(item) && item.primary === true) ?? value[0];
  if (bound.subAttribute !== undefined)
    value = isJsonObject(value) ? value[bound.subAttribute.name] : undefined;
  return value === null ? undefined : value;
}

/** A resource's position in a sort: its normalised sort value and its id, which breaks ties. */
export type SortKey = readonly [value: string | number | null, id: string];

/**
 * The normalised value a resource sorts by: code points, case-folded unless caseExact (P-SORT-07),
 * numbers as numbers, dateTimes as epoch milliseconds, false before true (P-SORT-08), null if none.
 */
export function sortKeyOf(bound: BoundAttribute): (resource: ScimResource) => SortKey {
  const definition = bound.subAttribute ?? bound.attribute;
  const normalise = (value: unknown): string | number | null => {
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'string') return null;
    if (definition?.type === 'dateTime') return parseDateTime(value) ?? null;
    return definition !== undefined && isCaseExact(definition) ? value : caseFold(value);
  };
  return (resource) => [normalise(sortValue(resource, bound)), resource.id ?? ''];
}

/**
 * Orders sort keys: resources without a value go last ascending and first descending (P-SORT-06,
 * RFC 7644 §3.4.2.3), and ties keep `id` order so pages are stable.
 */
export function compareSortKeys(
  order: 'ascending' | 'descending',
): (a: SortKey, b: SortKey) => number {
  const direction = order === 'descending' ? -1 : 1;
  return ([x, xId], [y, yId]) => {
    if (x === null || y === null) {
      if (x === y) return compareText(xId, yId);
      return (x === null ? 1 : -1) * direction;
    }
    const compared =
      typeof x === 'number' && typeof y === 'number' ? x - y : compareText(String(x), String(y));
    return compared === 0 ? compareText(xId, yId) : compared * direction;
  };
}

/** A comparator for `sortBy` over resources (see {@link sortKeyOf} and {@link compareSortKeys}). */
export function compareBy(
  bound: BoundAttribute,
  order: 'ascending' | 'descending',
): (a: ScimResource, b: ScimResource) => number {
  const key = sortKeyOf(bound);
  const compare = compareSortKeys(order);
  return (a, b) => compare(key(a), key(b));
}

/** Code point order, as databases sort under a binary collation and filters compare (P-SORT-07). */
function compareText(x: string, y: string): number {
  return x === y ? 0 : compareCodePoints(x, y);
}

/** Sorts in place, computing each resource's key once rather than at every comparison. */
export function sortResources(
  resources: ScimResource[],
  bound: BoundAttribute,
  order: 'ascending' | 'descending',
): void {
  const key = sortKeyOf(bound);
  const compare = compareSortKeys(order);
  const keyed = resources.map((resource) => ({ resource, key: key(resource) }));
  keyed.sort((a, b) => compare(a.key, b.key));
  for (let i = 0; i < keyed.length; i++)
    resources[i] = (keyed[i] as (typeof keyed)[number]).resource;
}
