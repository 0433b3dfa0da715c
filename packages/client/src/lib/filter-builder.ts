// Filters as data: each helper returns a node of @scim/filter's AST, and printFilter writes the text,
// quoting every value as a JSON string, so no value can change the filter's shape.
import { ScimError } from '@scim/core';
import {
  printAttributePath,
  printFilter,
  safeParseAttributePath,
  type AttributePathNode,
  type CompareNode,
  type CompareOperator,
  type FilterNode,
  type PatchPathNode,
  type PresentNode,
  type ValuePathNode,
} from '@scim/filter';

/**
 * A value a filter compares with: a JSON literal, or a `Date` (sent as its ISO 8601 instant).
 * @example `f.gt('meta.lastModified', new Date('2026-01-01'))`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export type FilterValue = string | number | boolean | null | Date;

/**
 * An attribute path: text such as `name.givenName` or `urn:…:enterprise:2.0:User:department`, read
 * by @scim/filter's parser, or a parsed node.
 * @example `f.eq('name.familyName', 'Jensen')`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.10
 */
export type FilterPath = string | AttributePathNode;

function attributePath(path: FilterPath): AttributePathNode {
  if (typeof path !== 'string') return path;
  const parsed = safeParseAttributePath(path);
  if (!parsed.ok)
    throw ScimError.invalidFilter(`'${path}' is not an attribute path (RFC 7644 §3.10)`);
  // The node is built, not read from a request: no source offsets.
  const { location: _location, ...node } = parsed.value;
  return node;
}

function compareValue(value: FilterValue): CompareNode['value'] {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw ScimError.invalidFilter('An invalid Date');
    return value.toISOString();
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw ScimError.invalidFilter(`${value} has no JSON form`);
  return value;
}

function compare(operator: CompareOperator) {
  return (path: FilterPath, value: FilterValue): CompareNode => ({
    type: 'compare',
    path: attributePath(path),
    operator,
    value: compareValue(value),
  });
}

function logical(type: 'and' | 'or') {
  return (...filters: readonly FilterNode[]): FilterNode => {
    if (filters.length === 0) throw ScimError.invalidFilter(`'${type}' needs at least one filter`);
    if (filters.length === 1) return filters[0] as FilterNode;
    return { type, filters: [...filters] };
  };
}

/**
 * The filter builder (RFC 7644 §3.4.2.2): one function per operator, each returning the
 * `@scim/filter` AST node, and `print` for the text. Values travel as JSON literals, so quotes,
 * backslashes or `" or "` inside a value stay inside it.
 * @example
 * ```ts
 * const filter = f.and(f.eq('userName', input), f.has('emails', f.eq('type', 'work')));
 * f.print(filter); // 'userName eq "…" and emails[type eq "work"]'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2
 */
export const f = Object.freeze({
  /** `path eq value` */
  eq: compare('eq'),
  /** `path ne value` */
  ne: compare('ne'),
  /** `path co value` (contains) */
  co: compare('co'),
  /** `path sw value` (starts with) */
  sw: compare('sw'),
  /** `path ew value` (ends with) */
  ew: compare('ew'),
  /** `path gt value` */
  gt: compare('gt'),
  /** `path ge value` */
  ge: compare('ge'),
  /** `path lt value` */
  lt: compare('lt'),
  /** `path le value` */
  le: compare('le'),
  /** `path pr`: the attribute has a value. */
  pr: (path: FilterPath): PresentNode => ({ type: 'present', path: attributePath(path) }),
  /** All of the filters; one filter is returned as it is. */
  and: logical('and'),
  /** Any of the filters; one filter is returned as it is. */
  or: logical('or'),
  /** `not (filter)` */
  not: (filter: FilterNode): FilterNode => ({ type: 'not', filter }),
  /** `path[filter]`: some value of a multi-valued attribute matches `filter`. */
  has: (path: FilterPath, filter: FilterNode): ValuePathNode => ({
    type: 'valuePath',
    path: attributePath(path),
    filter,
  }),
  /**
   * A PATCH path: `path`, `path[filter]` or `path[filter].subAttribute` (RFC 7644 §3.5.2), for the
   * PATCH builder.
   */
  path: (path: FilterPath, filter?: FilterNode, subAttribute?: string): PatchPathNode => {
    if (
      subAttribute !== undefined &&
      (filter === undefined || !/^[A-Za-z$][\w$-]*$/.test(subAttribute))
    )
      throw ScimError.invalidPath(
        `'${subAttribute}' cannot follow '${typeof path === 'string' ? path : printAttributePath(path)}' here`,
      );
    return {
      type: 'patchPath',
      path: attributePath(path),
      ...(filter === undefined ? {} : { filter }),
      ...(subAttribute === undefined ? {} : { subAttribute }),
    };
  },
  /** The filter as RFC 7644 text. */
  print: (filter: FilterNode): string => printFilter(filter),
});
