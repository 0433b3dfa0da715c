// Ordering resources by one attribute, as RFC 7644 §3.4.2.3 asks.
import {
  caseFold,
  parseDateTime,
  type AttributeDefinition,
  type ScimResource,
  isJsonObject,
} from '@scim/core';
import type { BoundAttribute } from '@scim/filter';

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

function definitionOf(bound: BoundAttribute): AttributeDefinition | undefined {
  return bound.subAttribute ?? bound.attribute;
}

/**
 * A comparator for `sortBy`: code-point order, case-folded unless caseExact (P-SORT-07), numbers
 * numerically and dateTimes chronologically, false before true (P-SORT-08), and resources without a
 * value last when ascending and first when descending (P-SORT-06). Ties keep `id` order, so pages are
 * stable.
 */
export function compareBy(
  bound: BoundAttribute,
  order: 'ascending' | 'descending',
): (a: ScimResource, b: ScimResource) => number {
  const definition = definitionOf(bound);
  const key = (value: unknown): string | number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'string') return undefined;
    if (definition?.type === 'dateTime') return parseDateTime(value);
    return definition?.caseExact === true ? value : caseFold(value);
  };
  const direction = order === 'descending' ? -1 : 1;
  return (a, b) => {
    const x = key(sortValue(a, bound));
    const y = key(sortValue(b, bound));
    if (x === undefined || y === undefined) {
      if (x === y) return byId(a, b);
      // Missing values go last ascending and first descending (RFC 7644 §3.4.2.3).
      return (x === undefined ? 1 : -1) * direction;
    }
    const compared =
      typeof x === 'number' && typeof y === 'number' ? x - y : x < y ? -1 : x > y ? 1 : 0;
    return compared === 0 ? byId(a, b) : compared * direction;
  };
}

function byId(a: ScimResource, b: ScimResource): number {
  const x = a.id ?? '';
  const y = b.id ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
